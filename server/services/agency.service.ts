// The agency tree (DOMAIN.md §2): both identifiers per agency, levels as data, effective-dated
// names, and merge / move / rename / dissolve with successor links so that history survives.
import { z } from 'zod';
import type { Database, Executor } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { agencyRepository, unitRepository, type AgencyView } from '../repositories/agency.repository.ts';
import { appendAudit, type AuditActor } from './audit.service.ts';
import { hasRole, actorLabel, type Actor } from '../domain/actor.ts';
import { decision20CodeError, qcvnCodeError } from '../domain/agency-code.ts';
import { parseInput } from './validation.ts';
import { onAgencyMerged } from './task-hooks.ts';

const auditActor = (a: Actor): AuditActor => ({ userId: a.userId, label: actorLabel(a) });

/** Agencies an administrator may manage: those where they are admin, and everything below. */
export async function manageableAgencyIds(db: Executor, actor: Actor): Promise<string[]> {
  const roots = actor.roles.filter((r) => r.role === 'admin').map((r) => r.agencyId);
  return agencyRepository.subtreeIds(db, roots);
}

export async function assertCanManage(db: Executor, actor: Actor, agencyId: string): Promise<void> {
  const ids = await manageableAgencyIds(db, actor);
  if (!ids.includes(String(agencyId))) throw new AppError('forbidden', 'Bạn không có quyền quản trị cơ quan này.');
}

const text = (max: number) => z.string().trim().min(1, 'không được để trống').max(max, `tối đa ${max} ký tự`);
const optionalCode = z
  .string()
  .trim()
  .toUpperCase()
  .transform((s) => (s === '' ? null : s))
  .nullable()
  .optional();

export const createAgencySchema = z.object({
  name: text(300),
  abbreviation: text(30),
  levelCode: text(30),
  parentId: z.string().regex(/^\d*$/).optional().transform((s) => (s ? s : null)),
  qcvnCode: optionalCode,
  d20Code: optionalCode,
});

export async function createAgency(db: Database, actor: Actor, raw: unknown): Promise<AgencyView> {
  const input = parseInput(createAgencySchema, raw);
  // Our own agencies' codes are validated strictly (DOMAIN.md §2); foreign ones arrive as text.
  const codeErrors = [input.qcvnCode && qcvnCodeError(input.qcvnCode), input.d20Code && decision20CodeError(input.d20Code)].filter(Boolean);
  if (codeErrors.length) throw new AppError('validation', codeErrors.join('; '));
  if (!input.qcvnCode && !input.d20Code) throw new AppError('validation', 'Cần ít nhất một mã định danh (QCVN 102 hoặc Quyết định 20/2020).');
  if (input.parentId) await assertCanManage(db, actor, input.parentId);
  else if (!actor.roles.some((r) => r.role === 'admin')) throw new AppError('forbidden', 'Bạn không có quyền tạo cơ quan.');
  return db.transaction().execute(async (trx) => {
    if (!(await agencyRepository.levels(trx)).some((l) => l.code === input.levelCode)) throw new AppError('validation', 'Cấp hành chính không tồn tại.');
    await assertCodesFree(trx, input.qcvnCode ?? null, input.d20Code ?? null);
    const a = await agencyRepository.insert(trx, {
      qcvnCode: input.qcvnCode ?? null,
      d20Code: input.d20Code ?? null,
      levelCode: input.levelCode,
      parentId: input.parentId,
      abbreviation: input.abbreviation,
    });
    await agencyRepository.addName(trx, a.id, input.name, new Date(0));
    // A new agency is managed by whoever created it through the parent; a new root by its creator.
    await appendAudit(trx, { actor: auditActor(actor), agencyId: a.id, action: 'agency.created', entityType: 'agency', entityId: a.id, after: { ...a, name: input.name } });
    return (await agencyRepository.findById(trx, a.id))!;
  });
}

async function assertCodesFree(db: Executor, qcvn: string | null, d20: string | null, exceptId?: string): Promise<void> {
  for (const code of [qcvn, d20]) {
    if (!code) continue;
    const other = await agencyRepository.findByCode(db, code);
    if (other && other.id !== exceptId) throw new AppError('conflict', `Mã định danh ${code} đã được dùng cho cơ quan khác.`);
  }
}

export const renameSchema = z.object({
  name: text(300),
  effectiveFrom: z.coerce.date({ message: 'Ngày hiệu lực không hợp lệ' }).optional(),
  abbreviation: z.string().trim().max(30).optional(),
});

/** A rename opens a new name period; documents issued before it keep showing the old name. */
export async function renameAgency(db: Database, actor: Actor, agencyId: string, raw: unknown): Promise<void> {
  const input = parseInput(renameSchema, raw);
  await assertCanManage(db, actor, agencyId);
  await db.transaction().execute(async (trx) => {
    const before = await agencyRepository.findById(trx, agencyId);
    if (!before) throw new AppError('not_found', 'Không tìm thấy cơ quan.');
    await agencyRepository.lockById(trx, agencyId);
    const from = input.effectiveFrom ?? new Date();
    const history = await agencyRepository.nameHistory(trx, agencyId);
    if (history[0] && new Date(history[0].validFrom) >= from) throw new AppError('validation', 'Ngày hiệu lực phải sau lần đổi tên trước.');
    await agencyRepository.addName(trx, agencyId, input.name, from);
    if (input.abbreviation) await agencyRepository.update(trx, agencyId, { abbreviation: input.abbreviation });
    await appendAudit(trx, {
      actor: auditActor(actor),
      agencyId,
      action: 'agency.renamed',
      entityType: 'agency',
      entityId: agencyId,
      before: { name: before.name, abbreviation: before.abbreviation },
      after: { name: input.name, abbreviation: input.abbreviation || before.abbreviation, effectiveFrom: from },
    });
  });
}

export async function moveAgency(db: Database, actor: Actor, agencyId: string, newParentId: string | null): Promise<void> {
  await assertCanManage(db, actor, agencyId);
  if (newParentId) await assertCanManage(db, actor, newParentId);
  await db.transaction().execute(async (trx) => {
    const a = await agencyRepository.lockById(trx, agencyId);
    if (!a) throw new AppError('not_found', 'Không tìm thấy cơ quan.');
    if (newParentId) {
      // Refuse a cycle: the new parent must not be the agency itself or any agency below it.
      const chain = await agencyRepository.ancestorIds(trx, newParentId);
      if (chain.includes(String(agencyId))) throw new AppError('validation', 'Không thể chuyển cơ quan vào chính nó hoặc vào đơn vị cấp dưới của nó.');
    }
    await agencyRepository.update(trx, agencyId, { parentId: newParentId });
    await appendAudit(trx, { actor: auditActor(actor), agencyId, action: 'agency.moved', entityType: 'agency', entityId: agencyId, before: { parentId: a.parentId }, after: { parentId: newParentId } });
  });
}

/**
 * Merge (sáp nhập): the agency ends, its children move under the successor, and the successor link
 * lets later features move open books and tasks (DOMAIN.md §2). Its name history stays untouched.
 */
export async function mergeAgency(db: Database, actor: Actor, agencyId: string, successorId: string): Promise<void> {
  await endAgency(db, actor, agencyId, successorId, 'merged');
}

export async function dissolveAgency(db: Database, actor: Actor, agencyId: string, successorId: string | null): Promise<void> {
  await endAgency(db, actor, agencyId, successorId, 'dissolved');
}

async function endAgency(db: Database, actor: Actor, agencyId: string, successorId: string | null, status: 'merged' | 'dissolved'): Promise<void> {
  await assertCanManage(db, actor, agencyId);
  if (status === 'merged' && !successorId) throw new AppError('validation', 'Sáp nhập cần chọn cơ quan kế thừa.');
  if (successorId) await assertCanManage(db, actor, successorId);
  await db.transaction().execute(async (trx) => {
    const a = await agencyRepository.lockById(trx, agencyId);
    if (!a) throw new AppError('not_found', 'Không tìm thấy cơ quan.');
    if (a.status !== 'active') throw new AppError('conflict', 'Cơ quan này đã ngừng hoạt động.');
    if (successorId) {
      if (String(successorId) === String(agencyId)) throw new AppError('validation', 'Cơ quan kế thừa phải là cơ quan khác.');
      const s = await agencyRepository.lockById(trx, successorId);
      if (!s || s.status !== 'active') throw new AppError('validation', 'Cơ quan kế thừa không tồn tại hoặc đã ngừng hoạt động.');
      const chain = await agencyRepository.ancestorIds(trx, successorId);
      if (chain.includes(String(agencyId))) throw new AppError('validation', 'Cơ quan kế thừa không được là đơn vị cấp dưới của cơ quan bị sáp nhập.');
    }
    const moved = successorId ? await agencyRepository.reparentChildren(trx, agencyId, successorId) : 0;
    if (!successorId) {
      const children = (await agencyRepository.subtreeIds(trx, [agencyId])).filter((id) => id !== String(agencyId));
      if (children.length) throw new AppError('validation', 'Cơ quan còn đơn vị cấp dưới: hãy chọn cơ quan kế thừa.');
    }
    // Open work follows the successor (DOMAIN.md §2): documents still being handled move, the ended
    // agency's books close with every number they gave kept. Handled documents stay where they were.
    const openMoved = successorId ? await agencyRepository.moveOpenDocuments(trx, agencyId, successorId) : 0;
    if (successorId) await onAgencyMerged(trx, { agencyId, successorId, actor });
    const booksClosed = await agencyRepository.closeBooks(trx, agencyId);
    await agencyRepository.update(trx, agencyId, { status, successorId, endedAt: new Date() });
    await appendAudit(trx, {
      actor: auditActor(actor),
      agencyId,
      action: `agency.${status}`,
      entityType: 'agency',
      entityId: agencyId,
      before: { status: a.status },
      after: { status, successorId, childrenMoved: moved, openDocumentsMoved: openMoved, booksClosed },
    });
  });
}

export const unitSchema = z.object({ name: text(300), abbreviation: text(30) });

export async function createUnit(db: Database, actor: Actor, agencyId: string, raw: unknown) {
  const input = parseInput(unitSchema, raw);
  await assertCanManage(db, actor, agencyId);
  return db.transaction().execute(async (trx) => {
    const existing = await unitRepository.listForAgency(trx, agencyId);
    if (existing.some((u) => u.abbreviation.toUpperCase() === input.abbreviation.toUpperCase())) {
      throw new AppError('conflict', `Ký hiệu đơn vị ${input.abbreviation} đã có trong cơ quan.`);
    }
    const u = await unitRepository.insert(trx, { agencyId, ...input });
    await appendAudit(trx, { actor: auditActor(actor), agencyId, action: 'unit.created', entityType: 'unit', entityId: u.id, after: u });
    return u;
  });
}

export async function setUnitActive(db: Database, actor: Actor, unitId: string, active: boolean): Promise<void> {
  const u = await unitRepository.findById(db, unitId);
  if (!u) throw new AppError('not_found', 'Không tìm thấy đơn vị.');
  await assertCanManage(db, actor, u.agencyId);
  await db.transaction().execute(async (trx) => {
    await unitRepository.update(trx, unitId, { active });
    await appendAudit(trx, { actor: auditActor(actor), agencyId: u.agencyId, action: active ? 'unit.activated' : 'unit.deactivated', entityType: 'unit', entityId: unitId, before: { active: u.active }, after: { active } });
  });
}

export function canSeeAgency(actor: Actor, agencyId: string): boolean {
  return actor.roles.some((r) => r.agencyId === String(agencyId)) || hasRole(actor, agencyId, 'admin');
}
