// Directive tracking (issue 6; Decision 42/2014/QĐ-TTg amended by 23/2018, DOMAIN.md §6): tasks with
// one lead, co-handlers, a deadline on the working calendar, progress reports, extension requests
// decided by a leader of the agency, completion with evidence, and urging in three grades.
import { z } from 'zod';
import type { Database, Executor } from '../db/database.ts';
import type { TaskRow, UrgeGrade } from '../db/tables/tasks.tables.ts';
import { AppError } from '../errors.ts';
import { actorLabel, hasRole, type Actor } from '../domain/actor.ts';
import type { WorkingCalendar } from '../domain/working-calendar.ts';
import { deploymentNow, isDateString, todayInVietnam } from '../domain/vietnam-time.ts';
import { agencyRepository } from '../repositories/agency.repository.ts';
import { taskPeopleRepository as people, taskRepository, type TaskListItem } from '../repositories/task.repository.ts';
import { appendAudit } from './audit.service.ts';
import { loadWorkingCalendar } from './calendar.service.ts';
import { countWorkingDaysBetween, nearDueLimit, taskStateOf, TASK_STATE_LABELS, type TaskState } from './task-state.ts';
import { parseInput } from './validation.ts';
import { notifyUsers } from './task-notification.service.ts';

export interface Clock {
  today?: string;
}

const auditActor = (a: Actor) => ({ userId: a.userId, label: actorLabel(a) });
const notFound = () => new AppError('not_found', 'Không tìm thấy nhiệm vụ.');

export const URGE_GRADE_LABELS: Record<UrgeGrade, string> = { reminder: 'Nhắc nhở', criticism: 'Phê bình', review: 'Kiểm điểm' };

/** The agencies whose tasks the actor sees: the active agency and its whole subtree. */
export async function visibleAgencyIds(db: Executor, actor: Actor): Promise<string[]> {
  if (!actor.activeAgencyId) return [];
  return agencyRepository.subtreeIds(db, [actor.activeAgencyId]);
}

/** Another agency's task answers 404, never 403: its existence is not disclosed. */
async function visibleTask(db: Executor, actor: Actor, id: string, lock = false): Promise<TaskRow> {
  if (!/^\d{1,18}$/.test(id)) throw notFound();
  const task = lock ? await taskRepository.lockById(db, id) : await taskRepository.findById(db, id);
  if (!task) throw notFound();
  const visible = await visibleAgencyIds(db, actor);
  if (!visible.includes(String(task.agencyId))) throw notFound();
  return task;
}

async function isLeadHandler(db: Executor, actor: Actor, task: TaskRow): Promise<boolean> {
  if (task.leadUserId && String(task.leadUserId) === actor.userId) return true;
  if (task.leadUnitId) return actor.roles.some((r) => r.agencyId === String(task.agencyId) && r.unitId === String(task.leadUnitId));
  void db;
  return false;
}

const canManage = (actor: Actor, task: TaskRow) => hasRole(actor, String(task.agencyId), 'leader', 'clerk');

// ---------------------------------------------------------------------------------------------
// Creation

const idText = z.string().trim().regex(/^\d{1,18}$/, 'không hợp lệ');
const optionalId = z.preprocess((v) => (v === '' || v === undefined || v === null ? undefined : v), z.union([idText, z.array(z.string())]).optional());
const idList = z.preprocess(
  (v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v.filter((x) => x !== '') : [v]),
  z.array(idText).max(50, 'tối đa 50'),
);
const optionalText = (max: number) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().max(max, `tối đa ${max} ký tự`).optional());

const createInput = z.object({
  documentId: idText,
  title: optionalText(1000),
  direction: optionalText(4000),
  expectedResult: optionalText(2000),
  leadUnitId: optionalId,
  leadUserId: optionalId,
  coUnitIds: idList,
  coUserIds: idList,
  deadline: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().refine(isDateString, 'ngày không hợp lệ (cần dạng YYYY-MM-DD)').optional()),
  workingDays: z.preprocess((v) => (v === '' || v === undefined ? undefined : Number(v)), z.number().int('phải là số nguyên').min(1, 'ít nhất 1 ngày').max(365, 'tối đa 365 ngày').optional()),
});

export type CreateTaskInput = z.input<typeof createInput>;

interface NormalisedTask {
  documentId: string;
  title: string | null;
  direction: string | null;
  expectedResult: string | null;
  lead: { unitId: string | null; userId: string | null };
  coHandlers: { unitId: string | null; userId: string | null }[];
  deadline: string | null;
  workingDays: number | null;
}

function normalise(raw: unknown): NormalisedTask {
  const i = parseInput(createInput, raw);
  const many = (v: unknown) => Array.isArray(v) && v.length > 1;
  if (many(i.leadUnitId) || many(i.leadUserId) || (i.leadUnitId && i.leadUserId)) {
    throw new AppError('validation', 'Mỗi nhiệm vụ chỉ có một đầu mối chủ trì: chọn một đơn vị hoặc một cá nhân, không chọn cả hai.');
  }
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;
  const lead = { unitId: one(i.leadUnitId), userId: one(i.leadUserId) };
  if (i.deadline && i.workingDays) throw new AppError('validation', 'Chọn hạn xử lý theo ngày hoặc theo số ngày làm việc, không chọn cả hai.');
  return {
    documentId: i.documentId,
    title: i.title ?? null,
    direction: i.direction ?? null,
    expectedResult: i.expectedResult ?? null,
    lead,
    coHandlers: [...i.coUnitIds.map((u) => ({ unitId: u, userId: null })), ...i.coUserIds.map((u) => ({ unitId: null, userId: u }))],
    deadline: i.deadline ?? null,
    workingDays: i.workingDays ?? null,
  };
}

/** Creates one task inside `trx` (used by the form and by the document workflow hook). */
/** Checks the lead, co-handlers and document against the agency; computes the deadline. */
async function resolveAssignment(trx: Executor, agencyId: string, t: NormalisedTask, cal: WorkingCalendar, today: string) {
  if (!t.lead.unitId && !t.lead.userId) throw new AppError('validation', 'Chưa giao đơn vị hoặc cá nhân chủ trì.');
  const doc = await people.documentInAgency(trx, t.documentId, agencyId);
  if (!doc) throw new AppError('validation', 'Văn bản không thuộc cơ quan đang làm việc.');
  if (t.lead.unitId && !(await people.unitInAgency(trx, t.lead.unitId, agencyId))) throw new AppError('validation', 'Đơn vị chủ trì không thuộc cơ quan.');
  if (t.lead.userId && !(await people.userInAgency(trx, t.lead.userId, agencyId))) throw new AppError('validation', 'Người chủ trì không thuộc cơ quan.');
  const seen = new Set<string>();
  for (const c of t.coHandlers) {
    const key = c.unitId ? `u${c.unitId}` : `p${c.userId}`;
    if ((c.unitId && c.unitId === t.lead.unitId) || (c.userId && c.userId === t.lead.userId)) {
      throw new AppError('validation', 'Đầu mối chủ trì không đồng thời là đơn vị, cá nhân phối hợp.');
    }
    if (seen.has(key)) throw new AppError('validation', 'Một đơn vị hoặc cá nhân phối hợp được chọn hai lần.');
    seen.add(key);
    if (c.unitId && !(await people.unitInAgency(trx, c.unitId, agencyId))) throw new AppError('validation', 'Đơn vị phối hợp không thuộc cơ quan.');
    if (c.userId && !(await people.userInAgency(trx, c.userId, agencyId))) throw new AppError('validation', 'Người phối hợp không thuộc cơ quan.');
  }
  let deadline: string;
  let workingDays: number | null = null;
  if (t.deadline) {
    if (t.deadline < today) throw new AppError('validation', `Hạn xử lý ${t.deadline} trước ngày giao nhiệm vụ ${today}.`);
    // A deadline falling on a day off moves to the next working day (issue 6, deliverable 1).
    deadline = cal.nextWorkingDayOnOrAfter(t.deadline);
  } else {
    workingDays = t.workingDays ?? (await taskRepository.setting(trx, agencyId)).defaultWorkingDays;
    deadline = cal.addWorkingDays(today, workingDays);
  }
  return { doc, deadline, workingDays };
}

export async function createTaskInTransaction(trx: Executor, actor: Actor, agencyId: string, t: NormalisedTask, cal: WorkingCalendar, today: string): Promise<TaskRow> {
  const { doc, deadline, workingDays } = await resolveAssignment(trx, agencyId, t, cal, today);
  const task = await taskRepository.insert(trx, {
    agencyId,
    documentId: t.documentId,
    title: t.title ?? doc.subject,
    direction: t.direction,
    expectedResult: t.expectedResult,
    leadUnitId: t.lead.unitId,
    leadUserId: t.lead.userId,
    assignedOn: today,
    deadline,
    deadlineWorkingDays: workingDays,
    assignedBy: actor.userId,
  });
  await taskRepository.insertCoHandlers(trx, task.id, t.coHandlers);
  const recipients = await leadRecipients(trx, task);
  await notifyUsers(trx, recipients, { taskId: task.id, kind: 'assigned', title: `Nhiệm vụ mới: ${task.title}`, body: `Hạn xử lý ${deadline}.` });
  await appendAudit(trx, {
    actor: auditActor(actor),
    agencyId,
    action: 'task.created',
    entityType: 'task',
    entityId: task.id,
    after: { documentId: t.documentId, lead: t.lead, coHandlers: t.coHandlers, deadline, workingDays, expectedResult: t.expectedResult },
  });
  return task;
}

export async function createTask(db: Database, actor: Actor, raw: unknown, clock: Clock = {}): Promise<TaskRow> {
  const agencyId = actor.activeAgencyId;
  if (!agencyId || !hasRole(actor, agencyId, 'leader', 'clerk')) throw new AppError('forbidden', 'Chỉ lãnh đạo hoặc văn thư được giao nhiệm vụ.');
  const input = normalise(raw);
  const today = clock.today ?? todayInVietnam();
  return db.transaction().execute(async (trx) => createTaskInTransaction(trx, actor, agencyId, input, await loadWorkingCalendar(trx), today));
}

/** Who answers for the lead: the person, or the heads of the lead unit (leaders when it has none). */
export async function leadRecipients(db: Executor, task: Pick<TaskRow, 'leadUnitId' | 'leadUserId' | 'agencyId'>): Promise<string[]> {
  if (task.leadUserId) return [String(task.leadUserId)];
  const heads = await people.headsOfUnit(db, String(task.leadUnitId));
  return heads.length ? heads : people.leadersOf(db, String(task.agencyId));
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface TaskView extends TaskListItem {
  stateLabel: string;
}

export async function nearLimitFor(db: Executor, agencyId: string, cal: WorkingCalendar, today: string): Promise<string> {
  return nearDueLimit(cal, today, (await taskRepository.setting(db, agencyId)).nearDueWorkingDays);
}

export interface TaskListQuery {
  state?: TaskState | undefined;
  scope?: 'agency' | 'mine' | undefined;
  page?: number | undefined;
}

export async function listTasks(db: Executor, actor: Actor, q: TaskListQuery, clock: Clock = {}) {
  const agencyIds = await visibleAgencyIds(db, actor);
  if (agencyIds.length === 0) return { items: [], total: 0, page: 1, pages: 1 };
  const today = clock.today ?? todayInVietnam();
  const cal = await loadWorkingCalendar(db);
  const nearLimit = await nearLimitFor(db, actor.activeAgencyId!, cal, today);
  const pageSize = 50;
  const page = Math.max(1, q.page ?? 1);
  const filter = { agencyIds, state: q.state, leadUserId: q.scope === 'mine' ? actor.userId : undefined, today, nearLimit, limit: pageSize, offset: (page - 1) * pageSize };
  const [items, total] = await Promise.all([taskRepository.list(db, filter), taskRepository.count(db, filter)]);
  return {
    // Fresh rows, labelled in place (`{ ...t, … }` is V8's slow path: docs/PERFORMANCE.md).
    items: items.map((t) => Object.assign(t, { stateLabel: TASK_STATE_LABELS[t.state], overdueDays: t.state === 'overdue' ? countWorkingDaysBetween(cal, t.deadline, today) : 0 })),
    total,
    page,
    pages: Math.max(1, Math.ceil(total / pageSize)),
  };
}

export async function taskDetail(db: Executor, actor: Actor, id: string, clock: Clock = {}) {
  const task = await visibleTask(db, actor, id);
  const today = clock.today ?? todayInVietnam();
  const cal = await loadWorkingCalendar(db);
  const nearLimit = await nearLimitFor(db, String(task.agencyId), cal, today);
  const state = taskStateOf(task, today, nearLimit);
  const agencyId = String(task.agencyId);
  const leadHandler = await isLeadHandler(db, actor, task);
  const coHandlers = await taskRepository.coHandlers(db, task.id);
  const isCo = coHandlers.some((c) => c.userId === actor.userId || actor.roles.some((r) => r.unitId !== null && r.unitId === c.unitId));
  const open = task.completedOn === null;
  return {
    task,
    state,
    stateLabel: TASK_STATE_LABELS[state],
    overdueDays: state === 'overdue' ? countWorkingDaysBetween(cal, task.deadline, today) : 0,
    document: await people.documentInAgency(db, String(task.documentId), agencyId),
    lead: task.leadUnitId ? await people.unitInAgency(db, String(task.leadUnitId), agencyId).then((u) => u?.name) : await people.usersByIds(db, [String(task.leadUserId)]).then((u) => u[0]?.fullName),
    coHandlers,
    reports: await taskRepository.reports(db, task.id),
    extensions: await taskRepository.extensions(db, task.id),
    urges: (await taskRepository.urges(db, task.id)).map((u) => ({ ...u, gradeLabel: URGE_GRADE_LABELS[u.grade] })),
    units: await people.unitsOf(db, agencyId),
    users: await people.usersOf(db, agencyId),
    can: {
      report: open && (leadHandler || isCo || canManage(actor, task)),
      extend: open && leadHandler,
      complete: open && (leadHandler || canManage(actor, task)),
      decide: open && hasRole(actor, agencyId, 'leader'),
      urge: open && hasRole(actor, agencyId, 'leader', 'clerk', 'head'),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Progress, extension, completion

const reportInput = z.object({
  progress: z.coerce.number({ message: 'phải là số' }).int('phải là số nguyên').min(0, 'từ 0 đến 100').max(100, 'từ 0 đến 100'),
  content: z.string().trim().min(1, 'cần nội dung báo cáo').max(4000, 'tối đa 4000 ký tự'),
});

export async function reportProgress(db: Database, actor: Actor, id: string, raw: unknown): Promise<void> {
  const input = parseInput(reportInput, raw);
  await db.transaction().execute(async (trx) => {
    const task = await visibleTask(trx, actor, id, true);
    if (task.completedOn) throw new AppError('conflict', 'Nhiệm vụ đã hoàn thành.');
    const co = (await taskRepository.coHandlers(trx, task.id)).some((c) => c.userId === actor.userId || actor.roles.some((r) => r.unitId !== null && r.unitId === c.unitId));
    if (!(await isLeadHandler(trx, actor, task)) && !co && !canManage(actor, task)) throw new AppError('forbidden', 'Bạn không tham gia xử lý nhiệm vụ này.');
    const reportId = await taskRepository.insertReport(trx, { taskId: task.id, userId: actor.userId, ...input });
    if (await isLeadHandler(trx, actor, task)) await taskRepository.update(trx, task.id, { progress: input.progress });
    await appendAudit(trx, { actor: auditActor(actor), agencyId: String(task.agencyId), action: 'task.progress', entityType: 'task', entityId: task.id, after: { reportId, ...input } });
  });
}

const extensionInput = z.object({
  requestedDeadline: z.string().trim().refine(isDateString, 'ngày không hợp lệ (cần dạng YYYY-MM-DD)'),
  reason: z.string().trim().min(1, 'cần nêu lý do').max(2000, 'tối đa 2000 ký tự'),
});

export async function requestExtension(db: Database, actor: Actor, id: string, raw: unknown): Promise<void> {
  const input = parseInput(extensionInput, raw);
  await db.transaction().execute(async (trx) => {
    const task = await visibleTask(trx, actor, id, true);
    if (task.completedOn) throw new AppError('conflict', 'Nhiệm vụ đã hoàn thành.');
    if (!(await isLeadHandler(trx, actor, task))) throw new AppError('forbidden', 'Chỉ đầu mối chủ trì được đề nghị gia hạn.');
    if (input.requestedDeadline <= task.deadline) throw new AppError('validation', `Hạn đề nghị phải sau hạn hiện tại ${task.deadline}.`);
    if (await taskRepository.pendingExtension(trx, task.id)) throw new AppError('conflict', 'Đã có một đề nghị gia hạn đang chờ duyệt.');
    const cal = await loadWorkingCalendar(trx);
    const requestedDeadline = cal.nextWorkingDayOnOrAfter(input.requestedDeadline);
    const extId = await taskRepository.insertExtension(trx, { taskId: task.id, requestedBy: actor.userId, currentDeadline: task.deadline, requestedDeadline, reason: input.reason });
    await notifyUsers(trx, await people.leadersOf(trx, String(task.agencyId)), { taskId: task.id, kind: 'extension_requested', title: `Đề nghị gia hạn: ${task.title}`, body: `Từ ${task.deadline} đến ${requestedDeadline}. Lý do: ${input.reason}` });
    await appendAudit(trx, { actor: auditActor(actor), agencyId: String(task.agencyId), action: 'task.extension.requested', entityType: 'task', entityId: task.id, after: { extensionId: extId, requestedDeadline, reason: input.reason } });
  });
}

const decisionInput = z.object({
  decision: z.enum(['approve', 'reject'], { message: 'chọn đồng ý hoặc không đồng ý' }),
  note: optionalText(2000),
});

export async function decideExtension(db: Database, actor: Actor, id: string, extensionId: string, raw: unknown): Promise<void> {
  const input = parseInput(decisionInput, raw);
  await db.transaction().execute(async (trx) => {
    const task = await visibleTask(trx, actor, id, true);
    // Only a leader of the task's agency (người có thẩm quyền giao nhiệm vụ) decides an extension.
    if (!hasRole(actor, String(task.agencyId), 'leader')) throw new AppError('forbidden', 'Chỉ lãnh đạo cơ quan giao nhiệm vụ được duyệt gia hạn.');
    const ext = /^\d{1,18}$/.test(extensionId) ? await taskRepository.lockExtension(trx, extensionId) : undefined;
    if (!ext || String(ext.taskId) !== task.id) throw new AppError('not_found', 'Không tìm thấy đề nghị gia hạn.');
    if (ext.status !== 'pending') throw new AppError('conflict', 'Đề nghị gia hạn này đã được xử lý.');
    if (task.completedOn) throw new AppError('conflict', 'Nhiệm vụ đã hoàn thành.');
    const status = input.decision === 'approve' ? 'approved' : 'rejected';
    await taskRepository.decideExtension(trx, ext.id, { status, decidedBy: actor.userId, decisionNote: input.note ?? null });
    if (status === 'approved') await taskRepository.update(trx, task.id, { deadline: ext.requestedDeadline });
    await notifyUsers(trx, [String(ext.requestedBy)], {
      taskId: task.id,
      kind: 'extension_decided',
      title: `${status === 'approved' ? 'Đồng ý' : 'Không đồng ý'} gia hạn: ${task.title}`,
      body: status === 'approved' ? `Hạn mới: ${ext.requestedDeadline}.` : `Hạn giữ nguyên: ${task.deadline}.`,
    });
    await appendAudit(trx, {
      actor: auditActor(actor),
      agencyId: String(task.agencyId),
      action: `task.extension.${status}`,
      entityType: 'task',
      entityId: task.id,
      before: { deadline: task.deadline },
      after: { extensionId: ext.id, deadline: status === 'approved' ? ext.requestedDeadline : task.deadline, note: input.note ?? null },
    });
  });
}

const completeInput = z.object({
  replyDocumentId: z.preprocess((v) => (v === '' ? undefined : v), idText.optional()),
  note: optionalText(4000),
});

async function closeTask(trx: Executor, actor: Actor, task: TaskRow, evidence: { replyDocumentId: string | null; note: string | null }, today: string): Promise<void> {
  if (evidence.replyDocumentId && !(await people.documentInAgency(trx, evidence.replyDocumentId, String(task.agencyId)))) {
    throw new AppError('validation', 'Văn bản trả lời không thuộc cơ quan.');
  }
  await taskRepository.update(trx, task.id, { completedOn: today, completedAt: deploymentNow(), replyDocumentId: evidence.replyDocumentId, completionNote: evidence.note, progress: 100 });
  const onTime = today <= task.deadline;
  await appendAudit(trx, {
    actor: auditActor(actor),
    agencyId: String(task.agencyId),
    action: 'task.completed',
    entityType: 'task',
    entityId: task.id,
    after: { completedOn: today, deadline: task.deadline, onTime, ...evidence },
  });
}

export async function completeTask(db: Database, actor: Actor, id: string, raw: unknown, clock: Clock = {}): Promise<void> {
  const input = parseInput(completeInput, raw);
  if (!input.replyDocumentId && !input.note) throw new AppError('validation', 'Cần văn bản trả lời hoặc ghi chú kết quả để hoàn thành nhiệm vụ.');
  const today = clock.today ?? todayInVietnam();
  await db.transaction().execute(async (trx) => {
    const task = await visibleTask(trx, actor, id, true);
    if (task.completedOn) throw new AppError('conflict', 'Nhiệm vụ đã hoàn thành.');
    if (!(await isLeadHandler(trx, actor, task)) && !canManage(actor, task)) throw new AppError('forbidden', 'Bạn không được báo cáo hoàn thành nhiệm vụ này.');
    await closeTask(trx, actor, task, { replyDocumentId: input.replyDocumentId ?? null, note: input.note ?? null }, today);
  });
}

// ---------------------------------------------------------------------------------------------
// Urging (đôn đốc)

const urgeInput = z.object({
  grade: z.enum(['reminder', 'criticism', 'review'], { message: 'chọn nhắc nhở, phê bình hoặc kiểm điểm' }),
  target: z.string().trim().regex(/^(lead|unit:\d{1,18}|user:\d{1,18})$/, 'chọn người hoặc đơn vị được đôn đốc'),
  note: optionalText(2000),
});

/** Returns the recipients (for e-mail after commit). */
export async function urgeTask(db: Database, actor: Actor, id: string, raw: unknown, clock: Clock = {}): Promise<string[]> {
  const input = parseInput(urgeInput, raw);
  const today = clock.today ?? todayInVietnam();
  return db.transaction().execute(async (trx) => {
    const task = await visibleTask(trx, actor, id, true);
    const agencyId = String(task.agencyId);
    if (!hasRole(actor, agencyId, 'leader', 'clerk', 'head')) throw new AppError('forbidden', 'Bạn không có quyền đôn đốc nhiệm vụ này.');
    if (task.completedOn) throw new AppError('conflict', 'Nhiệm vụ đã hoàn thành, không cần đôn đốc.');
    let unitId: string | null = null;
    let userId: string | null = null;
    if (input.target === 'lead') {
      unitId = task.leadUnitId ? String(task.leadUnitId) : null;
      userId = task.leadUserId ? String(task.leadUserId) : null;
    } else if (input.target.startsWith('unit:')) {
      unitId = input.target.slice(5);
      if (!(await people.unitInAgency(trx, unitId, agencyId))) throw new AppError('validation', 'Đơn vị được đôn đốc không thuộc cơ quan.');
    } else {
      userId = input.target.slice(5);
      if (!(await people.userInAgency(trx, userId, agencyId))) throw new AppError('validation', 'Người được đôn đốc không thuộc cơ quan.');
    }
    // A person's urge also counts against their unit (the task's lead unit, or their own unit).
    if (userId && !unitId) unitId = task.leadUnitId ? String(task.leadUnitId) : ((await people.unitsOfUser(trx, userId, agencyId))[0] ?? null);
    const recipients = userId ? [userId] : await (async () => {
      const heads = await people.headsOfUnit(trx, unitId!);
      return heads.length ? heads : people.leadersOf(trx, agencyId);
    })();
    const grade = input.grade as UrgeGrade;
    const urgeId = await taskRepository.insertUrge(trx, { taskId: task.id, agencyId, grade, unitId, userId, note: input.note ?? null, urgedBy: actor.userId, urgedOn: today });
    await notifyUsers(trx, recipients, {
      taskId: task.id,
      kind: `urge_${grade}`,
      title: `${URGE_GRADE_LABELS[grade]}: ${task.title}`,
      body: `${actor.fullName} đôn đốc (${URGE_GRADE_LABELS[grade].toLowerCase()}) nhiệm vụ hạn ${task.deadline}.${input.note ? ` ${input.note}` : ''}`,
      dedupeKey: (userIdOf) => `urge:${urgeId}:${userIdOf}`,
    });
    await appendAudit(trx, { actor: auditActor(actor), agencyId, action: 'task.urged', entityType: 'task', entityId: task.id, after: { urgeId, grade, unitId, userId, note: input.note ?? null } });
    return recipients;
  });
}

// ---------------------------------------------------------------------------------------------
// "Nợ văn bản chỉ đạo": per directive, who still owes a response, since when, how late.

export async function directiveDebts(db: Executor, actor: Actor, clock: Clock = {}) {
  const agencyIds = actor.activeAgencyId ? [actor.activeAgencyId] : [];
  if (agencyIds.length === 0) return [];
  const today = clock.today ?? todayInVietnam();
  const cal = await loadWorkingCalendar(db);
  const rows = await taskRepository.openByDocument(db, agencyIds, 2000);
  const byDoc = new Map<string, { documentId: string; subject: string; notation: string; kindLabel: string; promulgationDate: string | null; owing: object[]; oldest: string; worst: number }>();
  for (const r of rows) {
    const key = String(r.documentId);
    const lateBy = r.deadline < today ? countWorkingDaysBetween(cal, r.deadline, today) : 0;
    const entry = byDoc.get(key) ?? {
      documentId: key,
      subject: r.subject,
      notation: r.codeNumber ? `${r.codeNumber}${r.codeNotation ? `/${r.codeNotation}` : ''}` : '',
      kindLabel: r.documentDirection === 'outgoing' ? 'Văn bản chỉ đạo do cơ quan ban hành' : 'Văn bản đến có ý kiến chỉ đạo',
      promulgationDate: r.promulgationDate,
      owing: [],
      oldest: r.assignedOn,
      worst: 0,
    };
    entry.owing.push({
      taskId: r.id,
      leadName: r.leadName,
      since: r.assignedOn,
      deadline: r.deadline,
      owedDays: countWorkingDaysBetween(cal, r.assignedOn, today),
      lateBy,
      remaining: lateBy > 0 ? 0 : countWorkingDaysBetween(cal, today, r.deadline),
      progress: r.progress,
    });
    if (r.assignedOn < entry.oldest) entry.oldest = r.assignedOn;
    entry.worst = Math.max(entry.worst, lateBy);
    byDoc.set(key, entry);
  }
  return [...byDoc.values()].sort((a, b) => b.worst - a.worst || a.oldest.localeCompare(b.oldest));
}

// ---------------------------------------------------------------------------------------------
// Workflow hooks (see task-hooks.ts)

export async function tasksFromDirection(
  trx: Executor,
  e: { documentId: string; agencyId: string; direction: string; lead: { unitId: string | null; userId: string | null }; coHandlers: { unitId: string | null; userId: string | null }[]; deadline: string | null; expectedResult: string | null; actor: Actor },
  clock: Clock = {},
): Promise<TaskRow> {
  const today = clock.today ?? todayInVietnam();
  const cal = await loadWorkingCalendar(trx);
  const input: NormalisedTask = { documentId: e.documentId, title: null, direction: e.direction || null, expectedResult: e.expectedResult, lead: e.lead, coHandlers: e.coHandlers, deadline: e.deadline, workingDays: null };
  // A new direction on a document already being handled (the leader changes the lead or the
  // deadline) re-directs its open task instead of opening a second one.
  const open = await taskRepository.openForDocument(trx, e.documentId, e.agencyId);
  const current = open.sort((a, b) => Number(b.id) - Number(a.id))[0];
  if (!current) return createTaskInTransaction(trx, e.actor, e.agencyId, input, cal, today);
  const resolved = await resolveAssignment(trx, e.agencyId, e.deadline ? input : { ...input, deadline: current.deadline < today ? today : current.deadline }, cal, today);
  const patch = {
    leadUnitId: e.lead.unitId,
    leadUserId: e.lead.userId,
    direction: input.direction,
    expectedResult: input.expectedResult,
    deadline: resolved.deadline,
    deadlineWorkingDays: e.deadline ? null : current.deadlineWorkingDays,
  };
  await taskRepository.redirect(trx, current.id, patch, e.coHandlers);
  const updated = { ...current, ...patch };
  await notifyUsers(trx, await leadRecipients(trx, updated), { taskId: current.id, kind: 'assigned', title: `Nhiệm vụ được giao lại: ${current.title}`, body: `Hạn xử lý ${resolved.deadline}.` });
  await appendAudit(trx, {
    actor: auditActor(e.actor),
    agencyId: e.agencyId,
    action: 'task.redirected',
    entityType: 'task',
    entityId: current.id,
    before: { leadUnitId: current.leadUnitId, leadUserId: current.leadUserId, deadline: current.deadline },
    after: { ...patch, coHandlers: e.coHandlers },
  });
  return updated as TaskRow;
}

export async function closeTasksOfDocument(
  trx: Executor,
  e: { documentId: string; agencyId: string; replyDocumentId: string | null; note: string | null; actor: Actor },
  clock: Clock = {},
): Promise<number> {
  const today = clock.today ?? todayInVietnam();
  const open = await taskRepository.openForDocument(trx, e.documentId, e.agencyId);
  for (const t of open) await closeTask(trx, e.actor, t, { replyDocumentId: e.replyDocumentId, note: e.note ?? (e.replyDocumentId ? null : 'Văn bản đã được xử lý xong.') }, today);
  return open.length;
}

// ---------------------------------------------------------------------------------------------
// Per-agency rules: the "sắp đến hạn" window and the default handling time.

const settingsInput = z.object({
  nearDueWorkingDays: z.coerce.number({ message: 'phải là số' }).int('phải là số nguyên').min(0, 'từ 0 đến 30').max(30, 'từ 0 đến 30'),
  defaultWorkingDays: z.coerce.number({ message: 'phải là số' }).int('phải là số nguyên').min(1, 'từ 1 đến 365').max(365, 'từ 1 đến 365'),
});

export async function taskSettings(db: Executor, actor: Actor) {
  return actor.activeAgencyId ? taskRepository.setting(db, actor.activeAgencyId) : { nearDueWorkingDays: 3, defaultWorkingDays: 10 };
}

export async function updateTaskSettings(db: Database, actor: Actor, raw: unknown): Promise<void> {
  const agencyId = actor.activeAgencyId;
  if (!agencyId || !hasRole(actor, agencyId, 'leader', 'admin')) throw new AppError('forbidden', 'Chỉ lãnh đạo hoặc quản trị cơ quan được sửa quy định thời hạn.');
  const input = parseInput(settingsInput, raw);
  await db.transaction().execute(async (trx) => {
    const before = await taskRepository.setting(trx, agencyId);
    await taskRepository.upsertSetting(trx, agencyId, input);
    await appendAudit(trx, { actor: auditActor(actor), agencyId, action: 'task.settings.updated', entityType: 'task_setting', entityId: agencyId, before, after: input });
  });
}

/** Documents and people offered by the "giao nhiệm vụ" form. */
export async function newTaskFormModel(db: Executor, actor: Actor) {
  const agencyId = actor.activeAgencyId;
  if (!agencyId || !hasRole(actor, agencyId, 'leader', 'clerk')) throw new AppError('forbidden', 'Chỉ lãnh đạo hoặc văn thư được giao nhiệm vụ.');
  return {
    documents: await people.recentDocuments(db, agencyId, 200),
    units: await people.unitsOf(db, agencyId),
    users: await people.usersOf(db, agencyId),
    settings: await taskRepository.setting(db, agencyId),
  };
}

export const canGiveTasks = (actor: Actor): boolean => !!actor.activeAgencyId && hasRole(actor, actor.activeAgencyId, 'leader', 'clerk');
export const canSetRules = (actor: Actor): boolean => !!actor.activeAgencyId && hasRole(actor, actor.activeAgencyId, 'leader', 'admin');

/** Open tasks follow a merged agency to its successor (DOMAIN.md §2); finished ones keep their history. */
export async function moveOpenTasksToSuccessor(trx: Executor, e: { agencyId: string; successorId: string; actor: Actor }): Promise<number> {
  const moved = await taskRepository.moveOpenTasks(trx, e.agencyId, e.successorId);
  if (moved.length) {
    await appendAudit(trx, { actor: auditActor(e.actor), agencyId: e.successorId, action: 'task.moved_to_successor', entityType: 'agency', entityId: e.agencyId, after: { successorId: e.successorId, tasks: moved } });
  }
  return moved.length;
}
