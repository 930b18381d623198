// The principals of document_access also on the document row, as a GIN-indexed array: search for a
// person who sees only their own relations intersects the trigram index with this one (a bitmap
// AND) instead of reading each of their documents (tens of thousands for a busy unit) or walking the
// whole table. Keys: 'u:<user id>' (creator or personal assignment), 'n:<unit id>' (unit
// assignment), 'd:<unit id>' (drafting unit). Kept by the same triggers as document_access, in the
// same transaction; always equal to the document's rows there (tests compare them).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table document add column access_keys text[] not null default '{}'`.execute(db);

  // A new document's keys come from its own columns (no assignment exists yet): set before the row
  // is written, so that receiving or drafting a document writes it once.
  await sql`
    create function document_access_keys_on_insert() returns trigger language plpgsql as $$
    begin
      new.access_keys := array(select k from unnest(array['u:' || new.created_by, 'd:' || new.drafting_unit_id]) k where k is not null order by k);
      return new;
    end $$`.execute(db);
  await sql`create trigger document_access_keys_insert before insert on document for each row execute function document_access_keys_on_insert()`.execute(db);

  await sql`
    create or replace function document_access_refresh(doc bigint) returns void language sql as $$
      delete from document_access where document_id = doc;
      insert into document_access (principal_kind, principal_id, document_id, agency_id, direction, state, urgency, handling_deadline)
      select s.principal_kind, s.principal_id, d.id, d.agency_id, d.direction, d.state, d.urgency, d.handling_deadline
      from document_access_source s join document d on d.id = s.document_id
      where s.document_id = doc and d.id = doc
      on conflict do nothing;
      update document set access_keys = k.keys
      from (
        select coalesce(array_agg(key order by key), '{}') as keys
        from (select case principal_kind when 'user' then 'u:' when 'unit' then 'n:' else 'd:' end || principal_id as key from document_access where document_id = doc) a
      ) k
      where id = doc and access_keys is distinct from k.keys;
    $$`.execute(db);

  await sql`
    update document d set access_keys = k.keys
    from (
      select document_id, array_agg(key order by key) as keys
      from (select document_id, case principal_kind when 'user' then 'u:' when 'unit' then 'n:' else 'd:' end || principal_id as key from document_access) a
      group by document_id
    ) k
    where d.id = k.document_id`.execute(db);
  await sql`create index document_access_keys_idx on document using gin (access_keys)`.execute(db);
  await sql`analyze document`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger document_access_keys_insert on document`.execute(db);
  await sql`drop function document_access_keys_on_insert()`.execute(db);
  await sql`
    create or replace function document_access_refresh(doc bigint) returns void language sql as $$
      delete from document_access where document_id = doc;
      insert into document_access (principal_kind, principal_id, document_id, agency_id, direction, state, urgency, handling_deadline)
      select s.principal_kind, s.principal_id, d.id, d.agency_id, d.direction, d.state, d.urgency, d.handling_deadline
      from document_access_source s join document d on d.id = s.document_id
      where s.document_id = doc and d.id = doc
      on conflict do nothing;
    $$`.execute(db);
  await sql`alter table document drop column access_keys`.execute(db);
}
