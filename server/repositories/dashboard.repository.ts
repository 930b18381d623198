// Figures of the directive-tracking dashboards. Period figures (received, on time, late) are sums of
// the monthly counters kept by triggers (task_month_stat); the live figures of open tasks (overdue,
// near due) are ranges over the partial index of open tasks by deadline, read from the index alone.
import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export interface FigureFilter {
  agencyIds: string[];
  leadUnitId?: string | undefined;
  leadUserId?: string | undefined;
  from: string;
  to: string;
  today: string;
  nearLimit: string;
}

export interface Figures {
  received: number;
  processed: number;
  onTime: number;
  late: number;
  overdue: number;
  nearDue: number;
  inProgress: number;
}

const scope = (f: FigureFilter) => {
  const parts = [sql`t.agency_id = any(${f.agencyIds}::bigint[])`];
  if (f.leadUnitId) parts.push(sql`t.lead_unit_id = ${f.leadUnitId}`);
  if (f.leadUserId) parts.push(sql`t.lead_user_id = ${f.leadUserId}`);
  return sql.join(parts, sql` and `);
};

export const dashboardRepository = {
  async figures(db: Executor, f: FigureFilter): Promise<Figures> {
    const w = scope(f);
    // Period figures of an agency or a unit come from the monthly counters (periods are whole
    // months); a person's from the task rows, through the lead_user_id index.
    const period = f.leadUserId
      ? sql`select (select count(*) from task t where ${w} and t.assigned_on between ${f.from}::date and ${f.to}::date) as received,
                   count(*) as processed,
                   count(*) filter (where t.completed_on <= t.deadline) as on_time,
                   count(*) filter (where t.completed_on > t.deadline) as late
            from task t where ${w} and t.completed_on between ${f.from}::date and ${f.to}::date`
      : sql`select coalesce(sum(s.received), 0) as received, coalesce(sum(s.on_time + s.late), 0) as processed,
                   coalesce(sum(s.on_time), 0) as on_time, coalesce(sum(s.late), 0) as late
            from task_month_stat s
            where s.agency_id = any(${f.agencyIds}::bigint[]) ${f.leadUnitId ? sql`and s.lead_unit_id = ${f.leadUnitId}` : sql``}
              and s.month between date_trunc('month', ${f.from}::date)::date and date_trunc('month', ${f.to}::date)::date`;
    const r = await sql<Record<keyof Figures, string>>`
      select c.received, c.processed, c.on_time as "onTime", c.late,
        o.overdue, o.near_due as "nearDue", o.in_progress as "inProgress"
      from (${period}) c,
           (select count(*) filter (where t.deadline < ${f.today}::date) as overdue,
                   count(*) filter (where t.deadline >= ${f.today}::date and t.deadline <= ${f.nearLimit}::date) as near_due,
                   count(*) filter (where t.deadline > ${f.nearLimit}::date) as in_progress
            from task t where ${w} and t.completed_on is null) o`.execute(db);
    const row = r.rows[0]!;
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as Figures;
  },

  /** Per unit of the agencies: the monthly ranking (lowest on-time share first, as provinces publish it). */
  async ranking(db: Executor, f: { agencyIds: string[]; from: string; to: string; today: string }) {
    const ids = sql`${f.agencyIds}::bigint[]`;
    const r = await sql<{ unitId: string; unitName: string; agencyName: string; received: string; onTime: string; late: string; overdue: string; urges: string }>`
      with s as (select s.lead_unit_id u, sum(s.received) n, sum(s.on_time) on_time, sum(s.late) late from task_month_stat s
                 where s.agency_id = any(${ids}) and s.lead_unit_id <> 0
                   and s.month between date_trunc('month', ${f.from}::date)::date and date_trunc('month', ${f.to}::date)::date group by 1),
           o as (select t.lead_unit_id u, count(*) n from task t
                 where t.agency_id = any(${ids}) and t.completed_on is null and t.deadline < ${f.today}::date and t.lead_unit_id is not null group by 1),
           g as (select g.unit_id u, count(*) n from task_urge g
                 where g.agency_id = any(${ids}) and g.urged_on between ${f.from}::date and ${f.to}::date and g.unit_id is not null group by 1),
           names as (select distinct on (n.agency_id) n.agency_id, n.name from agency_name n
                     where n.agency_id = any(${ids}) and n.valid_to is null order by n.agency_id, n.valid_from desc)
      select u.id::text as "unitId", u.name as "unitName", names.name as "agencyName",
             coalesce(s.n, 0) as received, coalesce(s.on_time, 0) as "onTime", coalesce(s.late, 0) as late,
             coalesce(o.n, 0) as overdue, coalesce(g.n, 0) as urges
      from unit u
      left join s on s.u = u.id left join o on o.u = u.id left join g on g.u = u.id
      left join names on names.agency_id = u.agency_id
      where u.agency_id = any(${ids}) and u.active`.execute(db);
    return r.rows.map((x) => ({ ...x, received: Number(x.received), onTime: Number(x.onTime), late: Number(x.late), overdue: Number(x.overdue), urges: Number(x.urges) }));
  },

  /** Urges in the period, per unit and per person, by grade. */
  async urges(db: Executor, f: { agencyIds: string[]; from: string; to: string }) {
    const r = await sql<{ kind: 'unit' | 'person'; name: string; reminder: string; criticism: string; review: string }>`
      select 'unit' as kind, u.name,
             count(*) filter (where g.grade = 'reminder') as reminder, count(*) filter (where g.grade = 'criticism') as criticism, count(*) filter (where g.grade = 'review') as review
      from task_urge g join unit u on u.id = g.unit_id
      where g.agency_id = any(${f.agencyIds}::bigint[]) and g.urged_on between ${f.from}::date and ${f.to}::date group by u.id, u.name
      union all
      select 'person', p.full_name,
             count(*) filter (where g.grade = 'reminder'), count(*) filter (where g.grade = 'criticism'), count(*) filter (where g.grade = 'review')
      from task_urge g join app_user p on p.id = g.user_id
      where g.agency_id = any(${f.agencyIds}::bigint[]) and g.urged_on between ${f.from}::date and ${f.to}::date group by p.id, p.full_name
      order by 1 desc, 2`.execute(db);
    return r.rows.map((x) => ({ kind: x.kind, name: x.name, reminder: Number(x.reminder), criticism: Number(x.criticism), review: Number(x.review) }));
  },

  /** Documents of the period by how they travelled: over the axis (electronic) or by hand. */
  async documentsBySource(db: Executor, f: { agencyIds: string[]; from: string; to: string }): Promise<{ electronic: number; total: number }> {
    const r = await sql<{ electronic: string; total: string }>`
      select count(*) filter (where d.source = 'axis') as electronic, count(*) as total
      from document d
      where d.agency_id = any(${f.agencyIds}::bigint[])
        and d.created_at >= (${f.from}::date::timestamp at time zone 'Asia/Ho_Chi_Minh')
        and d.created_at < ((${f.to}::date + 1)::timestamp at time zone 'Asia/Ho_Chi_Minh')`.execute(db);
    return { electronic: Number(r.rows[0]!.electronic), total: Number(r.rows[0]!.total) };
  },

  unitsOfAgencies(db: Executor, agencyIds: string[]) {
    return db.selectFrom('unit').select(['id', 'name', 'agencyId']).where('agencyId', '=', sql<string>`any(${agencyIds}::bigint[])`).where('active', '=', true).orderBy('name').execute();
  },
};
