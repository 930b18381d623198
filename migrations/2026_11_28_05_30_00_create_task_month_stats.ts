// Monthly counters of directive tracking, kept by a trigger in the same transaction as the task
// change, so that the province dashboard and the monthly ranking read a few thousand counter rows
// instead of counting a million tasks (issue 6 benchmark: p95 ≤ 200 ms with 1,000,000 tasks).
// Dashboard periods (month, quarter, year) are whole months, so a monthly grain answers all three.
// Open tasks are still counted live from the partial index (their state depends on today).
// Frozen in time: no imports from server/ (STYLE.md convention 3).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // lead_unit_id 0: tasks led by a person (counted in the agency's totals, not in a unit's).
  await db.schema
    .createTable('task_month_stat')
    .addColumn('agency_id', 'bigint', (c) => c.notNull())
    .addColumn('lead_unit_id', 'bigint', (c) => c.notNull())
    .addColumn('month', 'date', (c) => c.notNull())
    .addColumn('received', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('on_time', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('late', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('task_month_stat_pk', ['agency_id', 'month', 'lead_unit_id'])
    .execute();

  await sql`
    create function task_month_stat_add(a bigint, u bigint, assigned date, completed date, deadline date, sign integer)
    returns void language sql as $$
      insert into task_month_stat (agency_id, lead_unit_id, month, received)
      values (a, coalesce(u, 0), date_trunc('month', assigned)::date, sign)
      on conflict (agency_id, month, lead_unit_id) do update set received = task_month_stat.received + excluded.received;
      insert into task_month_stat (agency_id, lead_unit_id, month, on_time, late)
      select a, coalesce(u, 0), date_trunc('month', completed)::date,
             case when completed <= deadline then sign else 0 end, case when completed > deadline then sign else 0 end
      where completed is not null
      on conflict (agency_id, month, lead_unit_id) do update
        set on_time = task_month_stat.on_time + excluded.on_time, late = task_month_stat.late + excluded.late;
    $$`.execute(db);

  await sql`
    create function task_month_stat_trigger() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then
        perform task_month_stat_add(old.agency_id, old.lead_unit_id, old.assigned_on, old.completed_on, old.deadline, -1);
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        perform task_month_stat_add(new.agency_id, new.lead_unit_id, new.assigned_on, new.completed_on, new.deadline, 1);
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger task_month_stat_insert_delete after insert or delete on task for each row execute function task_month_stat_trigger()`.execute(db);
  // Only changes that move a counter: progress reports and notes do not touch the table.
  await sql`
    create trigger task_month_stat_update after update of agency_id, lead_unit_id, assigned_on, completed_on, deadline on task
    for each row when (old.agency_id is distinct from new.agency_id or old.lead_unit_id is distinct from new.lead_unit_id
      or old.assigned_on is distinct from new.assigned_on or old.completed_on is distinct from new.completed_on
      or (new.completed_on is not null and old.deadline is distinct from new.deadline))
    execute function task_month_stat_trigger()`.execute(db);

  // Rebuilds every counter from the tasks (after a bulk load with the triggers disabled).
  await sql`
    create function task_month_stat_rebuild() returns void language sql as $$
      delete from task_month_stat;
      insert into task_month_stat (agency_id, lead_unit_id, month, received, on_time, late)
      select agency_id, u, month, sum(received), sum(on_time), sum(late) from (
        select agency_id, coalesce(lead_unit_id, 0) as u, date_trunc('month', assigned_on)::date as month, count(*) as received, 0 as on_time, 0 as late
        from task group by 1, 2, 3
        union all
        select agency_id, coalesce(lead_unit_id, 0), date_trunc('month', completed_on)::date, 0,
               count(*) filter (where completed_on <= deadline), count(*) filter (where completed_on > deadline)
        from task where completed_on is not null group by 1, 2, 3
      ) x group by 1, 2, 3;
    $$`.execute(db);
  await sql`select task_month_stat_rebuild()`.execute(db);

  // Overdue per unit (ranking) from the index alone.
  await sql`drop index task_open_deadline_idx`.execute(db);
  await sql`create index task_open_deadline_idx on task (agency_id, deadline) include (lead_unit_id) where completed_on is null`.execute(db);
  // The electronic share of documents per period (document.source), read from the index alone.
  await sql`create index document_agency_created_idx on document (agency_id, created_at) include (source)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index document_agency_created_idx`.execute(db);
  await sql`drop index task_open_deadline_idx`.execute(db);
  await sql`create index task_open_deadline_idx on task (agency_id, deadline) where completed_on is null`.execute(db);
  await sql`drop trigger task_month_stat_update on task`.execute(db);
  await sql`drop trigger task_month_stat_insert_delete on task`.execute(db);
  await sql`drop function task_month_stat_rebuild()`.execute(db);
  await sql`drop function task_month_stat_trigger()`.execute(db);
  await sql`drop function task_month_stat_add(bigint, bigint, date, date, date, integer)`.execute(db);
  await db.schema.dropTable('task_month_stat').execute();
}
