// Every SQL query of directive tracking. The state of a task is never stored: stateSql derives it
// from deadline and completed_on (indexed columns) so that lists and counts stay fast at scale.
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { TaskRow, TaskState, UrgeGrade } from '../db/tables/tasks.tables.ts';

/** CASE over deadline/completed_on; `alias` is the task table's alias in the query. */
export function stateSql(today: string, nearLimit: string, alias = 't'): RawBuilder<TaskState> {
  const c = (col: string) => sql.ref(`${alias}.${col}`);
  return sql<TaskState>`case
    when ${c('completed_on')} is not null then (case when ${c('completed_on')} <= ${c('deadline')} then 'done_on_time' else 'done_late' end)
    when ${c('deadline')} < ${today}::date then 'overdue'
    when ${c('deadline')} <= ${nearLimit}::date then 'near_due'
    else 'in_progress' end`;
}

export interface TaskListFilter {
  agencyIds: string[];
  state?: TaskState | undefined;
  leadUnitId?: string | undefined;
  leadUserId?: string | undefined;
  documentId?: string | undefined;
  today: string;
  nearLimit: string;
  limit: number;
  offset: number;
}

export interface TaskListItem {
  id: string;
  agencyId: string;
  documentId: string;
  title: string;
  leadUnitId: string | null;
  leadUserId: string | null;
  leadName: string;
  assignedOn: string;
  deadline: string;
  completedOn: string | null;
  progress: number;
  state: TaskState;
}

const leadName = sql<string>`coalesce((select u.name from unit u where u.id = t.lead_unit_id), (select p.full_name from app_user p where p.id = t.lead_user_id), '')`;

function applyFilter<Q extends { where: (...a: any[]) => Q }>(q: Q, f: TaskListFilter): Q {
  let r = q.where('t.agencyId', '=', sql<string>`any(${f.agencyIds}::bigint[])`);
  if (f.leadUnitId) r = r.where('t.leadUnitId', '=', f.leadUnitId);
  if (f.leadUserId) r = r.where('t.leadUserId', '=', f.leadUserId);
  if (f.documentId) r = r.where('t.documentId', '=', f.documentId);
  // Each state is written as a range over the indexed columns, so the planner can use the partial
  // indexes instead of evaluating the CASE on every row.
  switch (f.state) {
    case 'overdue':
      r = r.where('t.completedOn', 'is', null).where('t.deadline', '<', f.today);
      break;
    case 'near_due':
      r = r.where('t.completedOn', 'is', null).where('t.deadline', '>=', f.today).where('t.deadline', '<=', f.nearLimit);
      break;
    case 'in_progress':
      r = r.where('t.completedOn', 'is', null).where('t.deadline', '>', f.nearLimit);
      break;
    case 'done_on_time':
      r = r.where('t.completedOn', 'is not', null).where(sql<boolean>`t.completed_on <= t.deadline`);
      break;
    case 'done_late':
      r = r.where('t.completedOn', 'is not', null).where(sql<boolean>`t.completed_on > t.deadline`);
      break;
    default:
  }
  return r;
}

export const taskRepository = {
  async insert(
    db: Executor,
    t: Pick<TaskRow, 'agencyId' | 'documentId' | 'title' | 'direction' | 'expectedResult' | 'leadUnitId' | 'leadUserId' | 'assignedOn' | 'deadline' | 'deadlineWorkingDays' | 'assignedBy'>,
  ): Promise<TaskRow> {
    return db.insertInto('task').values({ ...t, originalDeadline: t.deadline }).returningAll().executeTakeFirstOrThrow();
  },

  async insertCoHandlers(db: Executor, taskId: string, list: { unitId: string | null; userId: string | null }[]): Promise<void> {
    if (list.length === 0) return;
    await db.insertInto('taskCoHandler').values(list.map((c) => ({ taskId, unitId: c.unitId, userId: c.userId }))).execute();
  },

  findById(db: Executor, id: string): Promise<TaskRow | undefined> {
    return db.selectFrom('task').selectAll().where('id', '=', id).executeTakeFirst();
  },

  lockById(db: Executor, id: string): Promise<TaskRow | undefined> {
    return db.selectFrom('task').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },

  openForDocument(db: Executor, documentId: string, agencyId: string): Promise<TaskRow[]> {
    return db.selectFrom('task').selectAll().where('documentId', '=', documentId).where('agencyId', '=', agencyId).where('completedOn', 'is', null).forUpdate().execute();
  },

  async list(db: Executor, f: TaskListFilter): Promise<TaskListItem[]> {
    const q = db
      .selectFrom('task as t')
      .select(['t.id', 't.agencyId', 't.documentId', 't.title', 't.leadUnitId', 't.leadUserId', 't.assignedOn', 't.deadline', 't.completedOn', 't.progress'])
      .select([leadName.as('leadName'), stateSql(f.today, f.nearLimit).as('state')]);
    return applyFilter(q, f).orderBy('t.deadline').orderBy('t.id').limit(f.limit).offset(f.offset).execute() as Promise<TaskListItem[]>;
  },

  async count(db: Executor, f: TaskListFilter): Promise<number> {
    const q = db.selectFrom('task as t').select((eb) => eb.fn.countAll<string>().as('n'));
    return Number((await applyFilter(q, f).executeTakeFirstOrThrow()).n);
  },

  async update(db: Executor, id: string, patch: Partial<Pick<TaskRow, 'deadline' | 'progress' | 'completedOn' | 'completedAt' | 'replyDocumentId' | 'completionNote'>>): Promise<void> {
    await db.updateTable('task').set({ ...patch, updatedAt: sql<Date>`now()` }).where('id', '=', id).execute();
  },

  /** Open tasks whose deadline counted `date` as a working day or not (deadline given in working days, never extended). */
  openWorkingDayTasksSpanning(db: Executor, date: string) {
    return db
      .selectFrom('task')
      .select(['id', 'assignedOn', 'deadline', 'deadlineWorkingDays'])
      .where('completedOn', 'is', null)
      .where('deadlineWorkingDays', 'is not', null)
      .where(sql<boolean>`deadline = original_deadline`)
      .where('assignedOn', '<', date)
      .where('deadline', '>=', date)
      .forUpdate()
      .execute() as Promise<{ id: string; assignedOn: string; deadline: string; deadlineWorkingDays: number }[]>;
  },

  async recomputeDeadline(db: Executor, id: string, deadline: string): Promise<void> {
    await db.updateTable('task').set({ deadline, originalDeadline: deadline, updatedAt: sql<Date>`now()` }).where('id', '=', id).execute();
  },

  coHandlers(db: Executor, taskId: string) {
    return db
      .selectFrom('taskCoHandler as c')
      .leftJoin('unit as u', 'u.id', 'c.unitId')
      .leftJoin('appUser as p', 'p.id', 'c.userId')
      .select(['c.unitId', 'c.userId', sql<string>`coalesce(u.name, p.full_name)`.as('name')])
      .where('c.taskId', '=', taskId)
      .orderBy('c.id')
      .execute();
  },

  reports(db: Executor, taskId: string) {
    return db
      .selectFrom('taskReport as r')
      .innerJoin('appUser as p', 'p.id', 'r.userId')
      .select(['r.id', 'r.progress', 'r.content', 'r.createdAt', 'p.fullName'])
      .where('r.taskId', '=', taskId)
      .orderBy('r.id', 'desc')
      .execute();
  },

  async insertReport(db: Executor, r: { taskId: string; userId: string; progress: number; content: string }): Promise<string> {
    return (await db.insertInto('taskReport').values(r).returning('id').executeTakeFirstOrThrow()).id;
  },

  extensions(db: Executor, taskId: string) {
    return db
      .selectFrom('taskExtension as e')
      .innerJoin('appUser as p', 'p.id', 'e.requestedBy')
      .leftJoin('appUser as d', 'd.id', 'e.decidedBy')
      .select(['e.id', 'e.currentDeadline', 'e.requestedDeadline', 'e.reason', 'e.status', 'e.decidedAt', 'e.decisionNote', 'e.createdAt', 'p.fullName as requestedByName', 'd.fullName as decidedByName'])
      .where('e.taskId', '=', taskId)
      .orderBy('e.id', 'desc')
      .execute();
  },

  pendingExtension(db: Executor, taskId: string) {
    return db.selectFrom('taskExtension').selectAll().where('taskId', '=', taskId).where('status', '=', 'pending').forUpdate().executeTakeFirst();
  },

  lockExtension(db: Executor, id: string) {
    return db.selectFrom('taskExtension').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },

  async insertExtension(db: Executor, e: { taskId: string; requestedBy: string; currentDeadline: string; requestedDeadline: string; reason: string }): Promise<string> {
    return (await db.insertInto('taskExtension').values(e).returning('id').executeTakeFirstOrThrow()).id;
  },

  async decideExtension(db: Executor, id: string, d: { status: 'approved' | 'rejected'; decidedBy: string; decisionNote: string | null }): Promise<void> {
    await db.updateTable('taskExtension').set({ ...d, decidedAt: sql<Date>`now()` }).where('id', '=', id).execute();
  },

  async insertUrge(db: Executor, u: { taskId: string; agencyId: string; grade: UrgeGrade; unitId: string | null; userId: string | null; note: string | null; urgedBy: string; urgedOn: string }): Promise<string> {
    return (await db.insertInto('taskUrge').values(u).returning('id').executeTakeFirstOrThrow()).id;
  },

  urges(db: Executor, taskId: string) {
    return db
      .selectFrom('taskUrge as g')
      .innerJoin('appUser as by', 'by.id', 'g.urgedBy')
      .leftJoin('unit as u', 'u.id', 'g.unitId')
      .leftJoin('appUser as p', 'p.id', 'g.userId')
      .select(['g.id', 'g.grade', 'g.note', 'g.urgedOn', 'by.fullName as byName', 'u.name as unitName', 'p.fullName as userName'])
      .where('g.taskId', '=', taskId)
      .orderBy('g.id', 'desc')
      .execute();
  },

  async setting(db: Executor, agencyId: string): Promise<{ nearDueWorkingDays: number; defaultWorkingDays: number }> {
    const r = await db.selectFrom('taskSetting').select(['nearDueWorkingDays', 'defaultWorkingDays']).where('agencyId', '=', agencyId).executeTakeFirst();
    return r ?? { nearDueWorkingDays: 3, defaultWorkingDays: 10 };
  },

  async allSettings(db: Executor): Promise<Map<string, number>> {
    const rows = await db.selectFrom('taskSetting').select(['agencyId', 'nearDueWorkingDays']).execute();
    return new Map(rows.map((r) => [String(r.agencyId), r.nearDueWorkingDays]));
  },

  async upsertSetting(db: Executor, agencyId: string, s: { nearDueWorkingDays: number; defaultWorkingDays: number }): Promise<void> {
    await db.insertInto('taskSetting').values({ agencyId, ...s }).onConflict((oc) => oc.column('agencyId').doUpdateSet(s)).execute();
  },

  /** Open tasks of the agencies, grouped later by document: the "nợ văn bản chỉ đạo" view. */
  openByDocument(db: Executor, agencyIds: string[], limit: number) {
    return db
      .selectFrom('task as t')
      .innerJoin('document as d', 'd.id', 't.documentId')
      .select([
        't.id', 't.documentId', 't.leadUnitId', 't.leadUserId', 't.assignedOn', 't.deadline', 't.progress',
        'd.subject', 'd.codeNumber', 'd.codeNotation', 'd.promulgationDate', 'd.direction as documentDirection',
        leadName.as('leadName'),
      ])
      .where('t.agencyId', '=', sql<string>`any(${agencyIds}::bigint[])`)
      .where('t.completedOn', 'is', null)
      .orderBy('t.documentId')
      .orderBy('t.deadline')
      .limit(limit)
      .execute();
  },

  /** Open tasks due on or before `until`, for reminders. */
  openDueBy(db: Executor, until: string) {
    return db
      .selectFrom('task as t')
      .select(['t.id', 't.agencyId', 't.title', 't.deadline', 't.leadUnitId', 't.leadUserId'])
      .where('t.completedOn', 'is', null)
      .where('t.deadline', '<=', until)
      .orderBy('t.deadline')
      .execute();
  },

  /** A new direction on the same document: new lead, co-handlers and deadline for the open task. */
  async redirect(
    db: Executor,
    id: string,
    patch: Pick<TaskRow, 'leadUnitId' | 'leadUserId' | 'direction' | 'expectedResult' | 'deadline' | 'deadlineWorkingDays'>,
    coHandlers: { unitId: string | null; userId: string | null }[],
  ): Promise<void> {
    await db.updateTable('task').set({ ...patch, originalDeadline: patch.deadline, updatedAt: sql<Date>`now()` }).where('id', '=', id).execute();
    await db.deleteFrom('taskCoHandler').where('taskId', '=', id).execute();
    if (coHandlers.length) await db.insertInto('taskCoHandler').values(coHandlers.map((c) => ({ taskId: id, unitId: c.unitId, userId: c.userId }))).execute();
  },

  async moveOpenTasks(db: Executor, fromAgencyId: string, toAgencyId: string): Promise<string[]> {
    const rows = await db.updateTable('task').set({ agencyId: toAgencyId, updatedAt: sql<Date>`now()` }).where('agencyId', '=', fromAgencyId).where('completedOn', 'is', null).returning('id').execute();
    return rows.map((r) => r.id);
  },

  coHandlersOf(db: Executor, taskIds: string[]) {
    if (taskIds.length === 0) return Promise.resolve([]);
    return db.selectFrom('taskCoHandler').select(['taskId', 'unitId', 'userId']).where('taskId', 'in', taskIds).execute();
  },
};

/** People and units as directive tracking needs them. */
export const taskPeopleRepository = {
  async unitInAgency(db: Executor, unitId: string, agencyId: string): Promise<{ id: string; name: string } | undefined> {
    return db.selectFrom('unit').select(['id', 'name']).where('id', '=', unitId).where('agencyId', '=', agencyId).where('active', '=', true).executeTakeFirst();
  },

  async userInAgency(db: Executor, userId: string, agencyId: string): Promise<{ id: string; fullName: string } | undefined> {
    return db
      .selectFrom('appUser as p')
      .select(['p.id', 'p.fullName'])
      .where('p.id', '=', userId)
      .where('p.active', '=', true)
      .where((eb) => eb.exists(eb.selectFrom('userRole as r').select('r.id').whereRef('r.userId', '=', 'p.id').where('r.agencyId', '=', agencyId)))
      .executeTakeFirst();
  },

  /** Heads (trưởng/phó phòng) of a unit. */
  async headsOfUnit(db: Executor, unitId: string): Promise<string[]> {
    const rows = await db.selectFrom('userRole as r').innerJoin('appUser as p', 'p.id', 'r.userId').select('p.id').distinct().where('r.unitId', '=', unitId).where('r.role', '=', 'head').where('p.active', '=', true).execute();
    return rows.map((r) => r.id);
  },

  async leadersOf(db: Executor, agencyId: string): Promise<string[]> {
    const rows = await db.selectFrom('userRole as r').innerJoin('appUser as p', 'p.id', 'r.userId').select('p.id').distinct().where('r.agencyId', '=', agencyId).where('r.role', '=', 'leader').where('p.active', '=', true).execute();
    return rows.map((r) => r.id);
  },

  async unitsOfUser(db: Executor, userId: string, agencyId: string): Promise<string[]> {
    const rows = await db.selectFrom('userRole').select('unitId').distinct().where('userId', '=', userId).where('agencyId', '=', agencyId).where('unitId', 'is not', null).execute();
    return rows.map((r) => String(r.unitId));
  },

  unitsOf(db: Executor, agencyId: string) {
    return db.selectFrom('unit').select(['id', 'name']).where('agencyId', '=', agencyId).where('active', '=', true).orderBy('name').execute();
  },

  usersOf(db: Executor, agencyId: string) {
    return db
      .selectFrom('appUser as p')
      .select(['p.id', 'p.fullName', 'p.position'])
      .where('p.active', '=', true)
      .where((eb) => eb.exists(eb.selectFrom('userRole as r').select('r.id').whereRef('r.userId', '=', 'p.id').where('r.agencyId', '=', agencyId)))
      .orderBy('p.fullName')
      .execute();
  },

  usersByIds(db: Executor, ids: string[]) {
    if (ids.length === 0) return Promise.resolve([]);
    return db.selectFrom('appUser').select(['id', 'fullName', 'email']).where('id', 'in', ids).where('active', '=', true).execute();
  },

  documentInAgency(db: Executor, documentId: string, agencyId: string) {
    return db.selectFrom('document').select(['id', 'subject', 'codeNumber', 'codeNotation', 'direction', 'agencyId']).where('id', '=', documentId).where('agencyId', '=', agencyId).executeTakeFirst();
  },

  recentDocuments(db: Executor, agencyId: string, limit = 100) {
    return db.selectFrom('document').select(['id', 'subject', 'codeNumber', 'codeNotation', 'direction']).where('agencyId', '=', agencyId).orderBy('id', 'desc').limit(limit).execute();
  },
};
