// Directive tracking (issue 6; DOMAIN.md §6, Decision 42/2014/QĐ-TTg amended by 23/2018): calendar
// overrides, tasks with one lead, progress, extensions, urging, notifications.
// Frozen in time: no imports from server/ (STYLE.md convention 3).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Administrators' corrections of the computed calendar (the Government's yearly Tết and 2/9
  // decisions, make-up Saturdays). One row per date: a date is either off or working.
  await db.schema
    .createTable('calendar_override')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('date', 'date', (c) => c.notNull().unique())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_by', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('calendar_override_kind_check', sql`kind in ('day_off', 'working_day')`)
    .addCheckConstraint('calendar_override_year_check', sql`year = extract(year from date)::int`)
    .execute();
  await db.schema.createIndex('calendar_override_year_idx').on('calendar_override').column('year').execute();

  // Per-agency rules: the "sắp đến hạn" window and the default handling time in working days.
  await db.schema
    .createTable('task_setting')
    .addColumn('agency_id', 'bigint', (c) => c.primaryKey().references('agency.id'))
    .addColumn('near_due_working_days', 'integer', (c) => c.notNull().defaultTo(3))
    .addColumn('default_working_days', 'integer', (c) => c.notNull().defaultTo(10))
    .addCheckConstraint('task_setting_near_check', sql`near_due_working_days between 0 and 30`)
    .addCheckConstraint('task_setting_default_check', sql`default_working_days between 1 and 365`)
    .execute();

  // One task per lead (Decision 42/2014: every task has one lead, a deadline and a result). The
  // lead is a unit or a person, never both. Dates are Vietnamese civil dates; the state is derived
  // in SQL from deadline and completed_on (see task.repository.ts), never stored.
  await db.schema
    .createTable('task')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('agency_id', 'bigint', (c) => c.notNull().references('agency.id'))
    .addColumn('document_id', 'bigint', (c) => c.notNull().references('document.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('direction', 'text')
    .addColumn('expected_result', 'text')
    .addColumn('lead_unit_id', 'bigint', (c) => c.references('unit.id'))
    .addColumn('lead_user_id', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('assigned_on', 'date', (c) => c.notNull())
    .addColumn('deadline', 'date', (c) => c.notNull())
    .addColumn('original_deadline', 'date', (c) => c.notNull())
    // Set when the deadline was given as N working days: a future calendar change recomputes it.
    .addColumn('deadline_working_days', 'integer')
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('completed_on', 'date')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('reply_document_id', 'bigint', (c) => c.references('document.id'))
    .addColumn('completion_note', 'text')
    .addColumn('assigned_by', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('task_lead_check', sql`(lead_unit_id is null) <> (lead_user_id is null)`)
    .addCheckConstraint('task_deadline_check', sql`deadline >= assigned_on`)
    .addCheckConstraint('task_progress_check', sql`progress between 0 and 100`)
    .addCheckConstraint('task_completion_check', sql`(completed_on is null) = (completed_at is null)`)
    .execute();
  // Open tasks by deadline: overdue / near-due lists and counts (index-only with agency_id).
  await sql`create index task_open_deadline_idx on task (agency_id, deadline) where completed_on is null`.execute(db);
  await sql`create index task_open_global_deadline_idx on task (deadline, agency_id) where completed_on is null`.execute(db);
  // Period figures: received (assigned_on) and processed (completed_on, with deadline for on time).
  await sql`create index task_assigned_idx on task (agency_id, assigned_on) include (completed_on, deadline, lead_unit_id)`.execute(db);
  await sql`create index task_completed_idx on task (agency_id, completed_on) include (deadline, lead_unit_id) where completed_on is not null`.execute(db);
  await sql`create index task_lead_unit_idx on task (lead_unit_id, deadline) where lead_unit_id is not null`.execute(db);
  await sql`create index task_lead_user_idx on task (lead_user_id, deadline) where lead_user_id is not null`.execute(db);
  await sql`create index task_document_idx on task (document_id)`.execute(db);

  // Co-handlers (phối hợp): units or persons.
  await db.schema
    .createTable('task_co_handler')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_id', 'bigint', (c) => c.notNull().references('task.id').onDelete('cascade'))
    .addColumn('unit_id', 'bigint', (c) => c.references('unit.id'))
    .addColumn('user_id', 'bigint', (c) => c.references('app_user.id'))
    .addCheckConstraint('task_co_handler_target_check', sql`(unit_id is null) <> (user_id is null)`)
    .execute();
  await sql`create unique index task_co_handler_unique on task_co_handler (task_id, coalesce(unit_id, 0), coalesce(user_id, 0))`.execute(db);
  await sql`create index task_co_handler_user_idx on task_co_handler (user_id) where user_id is not null`.execute(db);

  await db.schema
    .createTable('task_report')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_id', 'bigint', (c) => c.notNull().references('task.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id'))
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('task_report_progress_check', sql`progress between 0 and 100`)
    .execute();
  await db.schema.createIndex('task_report_task_idx').on('task_report').columns(['task_id', 'id']).execute();

  await db.schema
    .createTable('task_extension')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_id', 'bigint', (c) => c.notNull().references('task.id').onDelete('cascade'))
    .addColumn('requested_by', 'bigint', (c) => c.notNull().references('app_user.id'))
    .addColumn('current_deadline', 'date', (c) => c.notNull())
    .addColumn('requested_deadline', 'date', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('decided_by', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('decided_at', 'timestamptz')
    .addColumn('decision_note', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('task_extension_status_check', sql`status in ('pending', 'approved', 'rejected')`)
    .execute();
  // At most one pending request per task.
  await sql`create unique index task_extension_one_pending on task_extension (task_id) where status = 'pending'`.execute(db);

  // Đôn đốc: to a person, or to a unit (reaching its heads). unit_id is the unit it counts against
  // (the target unit, or the task's lead unit / the person's unit for a person).
  await db.schema
    .createTable('task_urge')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_id', 'bigint', (c) => c.notNull().references('task.id').onDelete('cascade'))
    .addColumn('agency_id', 'bigint', (c) => c.notNull().references('agency.id'))
    .addColumn('grade', 'text', (c) => c.notNull())
    .addColumn('unit_id', 'bigint', (c) => c.references('unit.id'))
    .addColumn('user_id', 'bigint', (c) => c.references('app_user.id'))
    .addColumn('note', 'text')
    .addColumn('urged_by', 'bigint', (c) => c.notNull().references('app_user.id'))
    .addColumn('urged_on', 'date', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('task_urge_grade_check', sql`grade in ('reminder', 'criticism', 'review')`)
    .addCheckConstraint('task_urge_target_check', sql`unit_id is not null or user_id is not null`)
    .execute();
  await db.schema.createIndex('task_urge_agency_idx').on('task_urge').columns(['agency_id', 'urged_on']).execute();
  await db.schema.createIndex('task_urge_task_idx').on('task_urge').column('task_id').execute();

  // In-app notifications (the bell).
  await db.schema
    .createTable('notification')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('task_id', 'bigint', (c) => c.references('task.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('read_at', 'timestamptz')
    .execute();
  await sql`create index notification_unread_idx on notification (user_id, id desc) where read_at is null`.execute(db);
  await db.schema.createIndex('notification_user_idx').on('notification').columns(['user_id', 'id']).execute();

  // What was sent, once: the unique key makes a second run of the reminder job a no-op. E-mail is
  // sent after commit and marked here; a row with email_to and no email_sent_at is retried.
  await db.schema
    .createTable('sent_notification')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('task_id', 'bigint', (c) => c.references('task.id').onDelete('cascade'))
    .addColumn('notification_id', 'bigint', (c) => c.references('notification.id').onDelete('set null'))
    .addColumn('email_to', 'text')
    .addColumn('email_subject', 'text')
    .addColumn('email_text', 'text')
    .addColumn('email_sent_at', 'timestamptz')
    .addColumn('email_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('email_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index sent_notification_pending_idx on sent_notification (id) where email_to is not null and email_sent_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['sent_notification', 'notification', 'task_urge', 'task_extension', 'task_report', 'task_co_handler', 'task', 'task_setting', 'calendar_override']) {
    await db.schema.dropTable(t).execute();
  }
}
