// Column shapes shared by the table files. bigint ids come back from pg as strings.
import type { ColumnType } from 'kysely';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type Id = ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
export type Ref = ColumnType<string, string | number | bigint, string | number | bigint>;
export type NullableRef = ColumnType<string | null, string | number | bigint | null | undefined, string | number | bigint | null>;
/** jsonb: written as JSON text (see repositories), read back parsed. */
export type Json<T = unknown> = ColumnType<T, string, string>;
