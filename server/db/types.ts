// Table types for Kysely, in camelCase (CamelCasePlugin maps them to snake_case columns). Each area
// keeps its tables in server/db/tables/<area>.tables.ts, mirroring its migrations; DB joins them.
import type { IdentityTables } from './tables/identity.tables.ts';
import type { DocumentTables } from './tables/documents.tables.ts';
import type { TasksTables } from './tables/tasks.tables.ts';
import type { SigningTables } from './tables/signing.tables.ts';
import type { AxisTables } from './tables/axis.tables.ts';

export interface DB extends IdentityTables, DocumentTables, TasksTables, SigningTables, AxisTables {}

export * from './tables/identity.tables.ts';
export * from './tables/documents.tables.ts';
