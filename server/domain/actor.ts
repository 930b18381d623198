// Who is acting, and what their roles allow. Roles are held per agency (and optionally per unit);
// a person may hold several (cán bộ kiêm nhiệm, DOMAIN.md §1).
import type { Role } from '../db/types.ts';

export interface RoleGrant {
  agencyId: string;
  unitId: string | null;
  role: Role;
}

export interface Actor {
  userId: string;
  username: string;
  fullName: string;
  position: string | null;
  roles: RoleGrant[];
  activeAgencyId: string | null;
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Quản trị',
  clerk: 'Văn thư',
  specialist: 'Chuyên viên',
  head: 'Trưởng phòng',
  leader: 'Lãnh đạo',
};

export function agenciesOf(actor: Actor): string[] {
  return [...new Set(actor.roles.map((r) => r.agencyId))];
}

export function hasRole(actor: Actor, agencyId: string, ...roles: Role[]): boolean {
  return actor.roles.some((r) => r.agencyId === agencyId && roles.includes(r.role));
}

export function hasAnyRole(actor: Actor, ...roles: Role[]): boolean {
  return actor.roles.some((r) => roles.includes(r.role));
}

export function rolesIn(actor: Actor, agencyId: string): Role[] {
  return [...new Set(actor.roles.filter((r) => r.agencyId === agencyId).map((r) => r.role))];
}

export function unitsIn(actor: Actor, agencyId: string): string[] {
  return [...new Set(actor.roles.filter((r) => r.agencyId === agencyId && r.unitId !== null).map((r) => r.unitId as string))];
}

export const actorLabel = (a: Actor): string => `${a.fullName} (${a.username})`;
