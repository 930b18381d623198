// The search filters that never change with the workflow — agency, direction, type, promulgation
// date — copied into document_search_text beside the searched text, with btree indexes, so that a
// search with words and filters intersects the trigram bitmap with the filters' bitmaps in the side
// table before reading any row. Before, the filters could only be
// checked on `document` after each text match was read: a filter keeping few of the matches
// ("Sở Tài chính" among outgoing documents of 2025, or "BNV" among incoming ones) read every match
// of the words, up to 83,000 rows and 1.5 s of PostgreSQL CPU over 1,000,000 documents (2026-11-28).
// State, urgency and book stay on `document` only: they change with vào sổ, trình, giao…, and the
// side table is written only when the text changes (2026_11_28_12_55_00).
// The table is rebuilt rather than updated in place: an UPDATE of every row would re-enter its text
// into both trigram indexes and leave a copy of the table behind.
// Frozen in time: no imports from server/.
import { sql, type Kysely } from 'kysely';

const EXACT = (r: string) =>
  `lower(${r}.subject || ' ' || coalesce(${r}.code_number, '') || '/' || coalesce(${r}.code_notation, '') || ' ' || coalesce(${r}.issuer_name, '') || ' ' || coalesce(${r}.signer_full_name, '') || ' ' || left(coalesce(${r}.extracted_text, ''), 20000))`;

/** The trigger function and the update trigger, with or without the filter columns. */
async function syncTrigger(db: Kysely<any>, withFilters: boolean): Promise<void> {
  const cols = withFilters ? 'agency_id, direction, type_code, promulgation_date, ' : '';
  const vals = withFilters ? 'new.agency_id, new.direction, new.type_code, new.promulgation_date, ' : '';
  const sets = withFilters ? 'agency_id = excluded.agency_id, direction = excluded.direction, type_code = excluded.type_code, promulgation_date = excluded.promulgation_date, ' : '';
  await sql
    .raw(
      `create or replace function document_search_text_sync() returns trigger language plpgsql as $$
    begin
      insert into document_search_text (document_id, ${cols}search_folded, search_exact, access_keys)
      values (new.id, ${vals}new.search_folded, ${EXACT('new')}, new.access_keys)
      on conflict (document_id) do update set ${sets}search_folded = excluded.search_folded, search_exact = excluded.search_exact, access_keys = excluded.access_keys;
      return null;
    end $$`,
    )
    .execute(db);
  await sql`drop trigger if exists document_search_text_update on document`.execute(db);
  const ofCols = withFilters ? ', agency_id, direction, type_code, promulgation_date' : '';
  const when = withFilters
    ? ` or new.agency_id is distinct from old.agency_id or new.direction is distinct from old.direction
      or new.type_code is distinct from old.type_code or new.promulgation_date is distinct from old.promulgation_date`
    : '';
  // UPDATE OF fires when a column is in the SET list; WHEN keeps it to real changes of the copied values.
  await sql
    .raw(
      `create trigger document_search_text_update
    after update of search_folded, subject, code_number, code_notation, issuer_name, signer_full_name, extracted_text, access_keys${ofCols} on document
    for each row when (
      new.search_folded is distinct from old.search_folded or new.subject is distinct from old.subject
      or new.code_number is distinct from old.code_number or new.code_notation is distinct from old.code_notation
      or new.issuer_name is distinct from old.issuer_name or new.signer_full_name is distinct from old.signer_full_name
      or new.extracted_text is distinct from old.extracted_text or new.access_keys is distinct from old.access_keys${when}
    ) execute function document_search_text_sync()`,
    )
    .execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await sql`set local maintenance_work_mem = '256MB'`.execute(db);
  await sql`
    create table document_search_text_new (
      document_id bigint not null,
      agency_id bigint not null,
      direction text not null,
      type_code text not null,
      promulgation_date date,
      search_folded text not null,
      search_exact text not null,
      access_keys text[] not null default '{}'
    )`.execute(db);
  await sql`
    insert into document_search_text_new (document_id, agency_id, direction, type_code, promulgation_date, search_folded, search_exact, access_keys)
    select s.document_id, d.agency_id, d.direction, d.type_code, d.promulgation_date, s.search_folded, s.search_exact, s.access_keys
    from document_search_text s join document d on d.id = s.document_id`.execute(db);
  await sql`drop table document_search_text`.execute(db);
  await sql`alter table document_search_text_new rename to document_search_text`.execute(db);
  await sql`alter table document_search_text add constraint document_search_text_pkey primary key (document_id)`.execute(db);
  await sql`alter table document_search_text add constraint document_search_text_document_id_fkey foreign key (document_id) references document(id) on delete cascade`.execute(db);
  await sql`create index document_search_text_folded_trgm_idx on document_search_text using gin (search_folded gin_trgm_ops)`.execute(db);
  await sql`create index document_search_text_exact_trgm_idx on document_search_text using gin (search_exact gin_trgm_ops)`.execute(db);
  await sql`create index document_search_text_access_keys_idx on document_search_text using gin (access_keys)`.execute(db);
  // Btree indexes the planner ANDs with the trigram bitmap when they are selective enough, and
  // leaves out when not. (One GIN index over the four columns, with btree_gin, spent 450–900 ms of
  // CPU intersecting the agency's, the direction's and a year's posting lists: 60,000 documents.)
  await sql`create index document_search_text_agency_date_idx on document_search_text (agency_id, promulgation_date)`.execute(db);
  await sql`create index document_search_text_direction_idx on document_search_text (agency_id, direction, promulgation_date)`.execute(db);
  await sql`create index document_search_text_type_idx on document_search_text (agency_id, type_code, promulgation_date)`.execute(db);
  await syncTrigger(db, true);
  await sql`analyze document_search_text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await syncTrigger(db, false);
  await sql`alter table document_search_text drop column agency_id, drop column direction, drop column type_code, drop column promulgation_date`.execute(db);
}
