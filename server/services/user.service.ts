// Users and their roles, managed by administrators within the agencies they manage.
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { ROLES, type Role } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { userRepository } from '../repositories/user.repository.ts';
import { unitRepository } from '../repositories/agency.repository.ts';
import { sessionRepository } from '../repositories/session.repository.ts';
import { appendAudit } from './audit.service.ts';
import { checkPasswordStrength, hashPassword } from './auth.service.ts';
import { assertCanManage, manageableAgencyIds } from './agency.service.ts';
import { actorLabel, type Actor } from '../domain/actor.ts';
import { parseInput } from './validation.ts';

const idString = z.string().regex(/^\d+$/, 'không hợp lệ');

export const createUserSchema = z.object({
  username: z.string().trim().toLowerCase().regex(/^[a-z0-9._-]{3,40}$/, 'chỉ gồm chữ không dấu, số, dấu chấm, gạch; 3–40 ký tự'),
  fullName: z.string().trim().min(2, 'quá ngắn').max(200),
  email: z.union([z.literal(''), z.string().trim().email('không hợp lệ')]).optional().transform((v) => v || null),
  position: z.string().trim().max(200).optional().transform((v) => v || null),
  password: z.string().min(1, 'không được để trống'),
  agencyId: idString,
  unitId: z.union([z.literal(''), idString]).optional().transform((v) => v || null),
  role: z.enum(ROLES as [Role, ...Role[]], { message: 'không hợp lệ' }),
});

export async function createUser(db: Database, actor: Actor, raw: unknown) {
  const input = parseInput(createUserSchema, raw);
  checkPasswordStrength(input.password, input.username);
  await assertCanManage(db, actor, input.agencyId);
  await assertUnitInAgency(db, input.unitId, input.agencyId);
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    if (await userRepository.findByUsername(trx, input.username)) throw new AppError('conflict', `Tên đăng nhập "${input.username}" đã tồn tại.`);
    const user = await userRepository
      .insert(trx, { username: input.username, fullName: input.fullName, email: input.email, position: input.position, passwordHash })
      .catch((e: { code?: string }) => {
        // Two admins creating the same name at once: the unique index decides, the loser gets a message.
        if (e.code === '23505') throw new AppError('conflict', `Tên đăng nhập "${input.username}" đã tồn tại.`);
        throw e;
      });
    await userRepository.addRole(trx, user.id, { agencyId: input.agencyId, unitId: input.unitId, role: input.role });
    await appendAudit(trx, {
      actor: { userId: actor.userId, label: actorLabel(actor) },
      agencyId: input.agencyId,
      action: 'user.created',
      entityType: 'user',
      entityId: user.id,
      after: { username: user.username, fullName: user.fullName, role: input.role, agencyId: input.agencyId, unitId: input.unitId },
    });
    return user;
  });
}

async function assertUnitInAgency(db: Database, unitId: string | null, agencyId: string): Promise<void> {
  if (!unitId) return;
  const unit = await unitRepository.findById(db, unitId);
  if (!unit || String(unit.agencyId) !== String(agencyId)) throw new AppError('validation', 'Đơn vị không thuộc cơ quan đã chọn.');
}

export const grantSchema = z.object({
  agencyId: idString,
  unitId: z.union([z.literal(''), idString]).optional().transform((v) => v || null),
  role: z.enum(ROLES as [Role, ...Role[]], { message: 'không hợp lệ' }),
});

export async function grantRole(db: Database, actor: Actor, userId: string, raw: unknown): Promise<void> {
  const g = parseInput(grantSchema, raw);
  await assertCanManage(db, actor, g.agencyId);
  await assertUnitInAgency(db, g.unitId, g.agencyId);
  await db.transaction().execute(async (trx) => {
    if (!(await userRepository.findById(trx, userId))) throw new AppError('not_found', 'Không tìm thấy người dùng.');
    if (!(await userRepository.addRole(trx, userId, g))) throw new AppError('conflict', 'Người dùng đã có vai trò này.');
    await appendAudit(trx, { actor: { userId: actor.userId, label: actorLabel(actor) }, agencyId: g.agencyId, action: 'user.role_granted', entityType: 'user', entityId: userId, after: g });
  });
}

export async function revokeRole(db: Database, actor: Actor, userId: string, raw: unknown): Promise<void> {
  const g = parseInput(grantSchema, raw);
  await assertCanManage(db, actor, g.agencyId);
  if (String(userId) === actor.userId && g.role === 'admin') throw new AppError('validation', 'Không thể tự thu hồi quyền quản trị của chính mình.');
  await db.transaction().execute(async (trx) => {
    if ((await userRepository.removeRole(trx, userId, g)) === 0) throw new AppError('not_found', 'Người dùng không có vai trò này.');
    await appendAudit(trx, { actor: { userId: actor.userId, label: actorLabel(actor) }, agencyId: g.agencyId, action: 'user.role_revoked', entityType: 'user', entityId: userId, before: g });
  });
}

/** Users visible to an administrator: those holding a role in an agency they manage. */
export async function listManagedUsers(db: Database, actor: Actor) {
  const ids = await manageableAgencyIds(db, actor);
  const users = await userRepository.listForAgencies(db, ids);
  return Promise.all(users.map(async (u) => ({ ...u, roles: await userRepository.rolesOf(db, u.id) })));
}

export async function setUserActive(db: Database, actor: Actor, userId: string, active: boolean): Promise<void> {
  const roles = await userRepository.rolesOf(db, userId);
  const managed = new Set(await manageableAgencyIds(db, actor));
  if (!roles.length || !roles.every((r) => managed.has(String(r.agencyId)))) throw new AppError('forbidden', 'Bạn không có quyền quản trị người dùng này.');
  if (String(userId) === actor.userId) throw new AppError('validation', 'Không thể tự khóa tài khoản của chính mình.');
  await db.transaction().execute(async (trx) => {
    await userRepository.update(trx, userId, { active, failedLogins: 0, lockedUntil: null });
    if (!active) await sessionRepository.deleteForUser(trx, userId);
    await appendAudit(trx, { actor: { userId: actor.userId, label: actorLabel(actor) }, action: active ? 'user.activated' : 'user.deactivated', entityType: 'user', entityId: userId, after: { active } });
  });
}
