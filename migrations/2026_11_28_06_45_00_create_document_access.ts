// Who may list a document without an agency-wide role (issue 3 item 6), denormalised so that a
// specialist's or a head's inbox and search read only their own rows instead of filtering the whole
// agency through document_assignment (1,000,000 documents: 160 ms → a few ms).
//
// One row per (principal, document):
//   'user'          — the creator, or a person assigned (lead, co-handling, for information);
//   'unit'          — a unit assigned (every member of that unit sees it);
//   'drafting_unit' — the unit that drafted an outgoing document (its heads see it once submitted).
// The document's list keys (agency, direction, state, urgency, handling deadline) are copied so an
// index serves "my documents of this tab, urgent first, newest first" and stops after one page.
//
// The rows are kept by triggers, in the same transaction as the write that changes them, so every
// writer stays in sync — assign, re-assign, forward, inform, the merge of agencies moving open
// documents, the axis, fixtures — without each having to remember it. document_access_source is the
// one definition of the relations; the table must always equal it (tests compare them).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create view document_access_source as
      select 'user'::text as principal_kind, created_by as principal_id, id as document_id from document where created_by is not null
      union
      select 'drafting_unit', drafting_unit_id, id from document where drafting_unit_id is not null
      union
      select case when user_id is not null then 'user' else 'unit' end, coalesce(user_id, unit_id), document_id from document_assignment where active`.execute(db);

  await sql`
    create table document_access (
      principal_kind text not null,
      principal_id bigint not null,
      document_id bigint not null references document (id) on delete cascade,
      agency_id bigint not null,
      direction text not null,
      state text not null,
      urgency smallint not null,
      handling_deadline date,
      constraint document_access_pk primary key (principal_kind, principal_id, document_id),
      constraint document_access_kind_check check (principal_kind in ('user', 'unit', 'drafting_unit'))
    )`.execute(db);
  // Inbox tabs: one index range per (principal, agency, direction, state), already in list order.
  await sql`create index document_access_list_idx on document_access (principal_kind, principal_id, agency_id, direction, state, urgency desc, document_id desc)`.execute(db);
  // The Quá hạn tab: the few documents past their handling deadline, without walking the whole state.
  await sql`create index document_access_deadline_idx on document_access (principal_kind, principal_id, agency_id, direction, state, handling_deadline) where handling_deadline is not null`.execute(db);
  await sql`create index document_access_document_idx on document_access (document_id)`.execute(db);

  // Recomputes the rows of one document from the source relations. ON CONFLICT: two transactions
  // refreshing the same document (writers lock the document row first, so only in odd cases) must
  // not fail on the primary key.
  await sql`
    create function document_access_refresh(doc bigint) returns void language sql as $$
      delete from document_access where document_id = doc;
      insert into document_access (principal_kind, principal_id, document_id, agency_id, direction, state, urgency, handling_deadline)
      select s.principal_kind, s.principal_id, d.id, d.agency_id, d.direction, d.state, d.urgency, d.handling_deadline
      from document_access_source s join document d on d.id = s.document_id
      where s.document_id = doc and d.id = doc
      on conflict do nothing;
    $$`.execute(db);

  await sql`
    create function document_access_on_assignment() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then perform document_access_refresh(old.document_id); end if;
      if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.document_id <> old.document_id) then perform document_access_refresh(new.document_id); end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger document_access_assignment after insert or update or delete on document_assignment for each row execute function document_access_on_assignment()`.execute(db);

  await sql`
    create function document_access_on_document() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' or new.created_by is distinct from old.created_by or new.drafting_unit_id is distinct from old.drafting_unit_id then
        perform document_access_refresh(new.id);
      else
        update document_access set agency_id = new.agency_id, direction = new.direction, state = new.state, urgency = new.urgency, handling_deadline = new.handling_deadline
        where document_id = new.id;
      end if;
      return null;
    end $$`.execute(db);
  // Only when something copied or a relation changed: a registration that changes nothing listed
  // here pays nothing.
  await sql`
    create trigger document_access_document_insert after insert on document for each row
    when (new.created_by is not null or new.drafting_unit_id is not null)
    execute function document_access_on_document()`.execute(db);
  await sql`
    create trigger document_access_document_update after update on document for each row
    when (new.created_by is distinct from old.created_by or new.drafting_unit_id is distinct from old.drafting_unit_id
       or new.agency_id <> old.agency_id or new.direction <> old.direction or new.state <> old.state
       or new.urgency <> old.urgency or new.handling_deadline is distinct from old.handling_deadline)
    execute function document_access_on_document()`.execute(db);

  // Existing documents.
  await sql`
    insert into document_access (principal_kind, principal_id, document_id, agency_id, direction, state, urgency, handling_deadline)
    select s.principal_kind, s.principal_id, d.id, d.agency_id, d.direction, d.state, d.urgency, d.handling_deadline
    from document_access_source s join document d on d.id = s.document_id`.execute(db);
  await sql`analyze document_access`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger document_access_document_update on document`.execute(db);
  await sql`drop trigger document_access_document_insert on document`.execute(db);
  await sql`drop trigger document_access_assignment on document_assignment`.execute(db);
  await sql`drop function document_access_on_document()`.execute(db);
  await sql`drop function document_access_on_assignment()`.execute(db);
  await sql`drop function document_access_refresh(bigint)`.execute(db);
  await sql`drop table document_access`.execute(db);
  await sql`drop view document_access_source`.execute(db);
}
