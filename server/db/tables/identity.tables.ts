// Identity, agencies and audit tables (migration 2026_11_28_04_00_00).
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Id, NullableRef, Ref, Timestamp } from './column-types.ts';

export type Role = 'admin' | 'clerk' | 'specialist' | 'head' | 'leader';
export const ROLES: readonly Role[] = ['admin', 'clerk', 'specialist', 'head', 'leader'];

export interface AgencyLevelTable {
  code: string;
  name: string;
  rank: number;
}

export interface AgencyTable {
  id: Generated<string> & Id;
  qcvnCode: string | null;
  d20Code: string | null;
  levelCode: string;
  parentId: NullableRef;
  abbreviation: string;
  status: Generated<'active' | 'merged' | 'dissolved'>;
  successorId: NullableRef;
  endedAt: Timestamp | null;
  createdAt: Generated<Date>;
}

export interface AgencyNameTable {
  id: Generated<string>;
  agencyId: Ref;
  name: string;
  validFrom: Timestamp;
  validTo: Timestamp | null;
}

export interface UnitTable {
  id: Generated<string>;
  agencyId: Ref;
  name: string;
  abbreviation: string;
  active: Generated<boolean>;
  createdAt: Generated<Date>;
}

export interface AppUserTable {
  id: Generated<string>;
  username: string;
  fullName: string;
  email: string | null;
  position: string | null;
  passwordHash: string;
  failedLogins: Generated<number>;
  lockedUntil: Timestamp | null;
  active: Generated<boolean>;
  passwordChangedAt: Generated<Date>;
  createdAt: Generated<Date>;
}

export interface UserRoleTable {
  id: Generated<string>;
  userId: Ref;
  agencyId: Ref;
  unitId: NullableRef;
  role: Role;
}

export interface SessionTable {
  idHash: string;
  userId: Ref;
  activeAgencyId: NullableRef;
  createdAt: Generated<Date>;
  expiresAt: Timestamp;
  userAgent: string | null;
  ip: string | null;
}

export interface ApiTokenTable {
  id: Generated<string>;
  userId: Ref;
  tokenHash: string;
  label: string;
  createdAt: Generated<Date>;
  revokedAt: Timestamp | null;
  lastUsedAt: Timestamp | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: ColumnType<Date, string, never>;
  actorUserId: NullableRef;
  actorLabel: string;
  agencyId: NullableRef;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  /** The writer's transaction id (default pg_current_xact_id()); the sealer chains only finished ones. */
  xid: ColumnType<string, never, never>;
  /** Position in the sealed chain; null until sealed (audit.service.ts sealAuditChain). */
  seq: ColumnType<string | null, never, string>;
  prevHash: ColumnType<string | null, never, string>;
  hash: ColumnType<string | null, never, string>;
}

export interface IdentityTables {
  agencyLevel: AgencyLevelTable;
  agency: AgencyTable;
  agencyName: AgencyNameTable;
  unit: UnitTable;
  appUser: AppUserTable;
  userRole: UserRoleTable;
  session: SessionTable;
  apiToken: ApiTokenTable;
  auditLog: AuditLogTable;
}

export type Agency = Selectable<AgencyTable>;
export type NewAgency = Insertable<AgencyTable>;
export type AgencyUpdate = Updateable<AgencyTable>;
export type Unit = Selectable<UnitTable>;
export type AppUser = Selectable<AppUserTable>;
export type UserRole = Selectable<UserRoleTable>;
export type AuditLogEntry = Selectable<AuditLogTable>;
