// Every search condition beside the text in ONE GIN index, so that a rare filter drives the
// intersection with common words instead of the words' whole trigram bitmap being built first.
// - filter_keys: 'a:<agency>', 'd:<direction>', 't:<type>', 'u:<urgency>', and from the
//   promulgation date 'y:<year>' and 'm:<year>-<month>' (a date range becomes the months it spans);
// - issuer_search: issuer_code, a space, issuer_name — `X ilike '%q%'` on it is implied by the
//   search's issuer rule (code = q, or name ilike '%q%'), which stays checked on document;
// - one GIN index over filter_keys, access_keys and the three trigram columns (issuer, folded,
//   exact) replaces the three GIN and three btree indexes: GIN ANDs the keys of one scan by
//   leapfrogging from the rarest (PostgreSQL 15 ginget.c), where a BitmapAnd of separate indexes
//   built each bitmap whole. Measured on a copy of the side table over 1,000,000 documents
//   (PostgreSQL CPU, warm): "tai chinh" among the province's hỏa tốc documents 273 → 8 ms; a
//   specialist's "tai chinh" 184 → 30 ms; a specialist's "quyet dinh" among Quyết định 151 → 26 ms.
// Urgency and issuer code change with the text (edits before registration), not with the
// workflow; state and book stay on document only, so a state change still leaves this row alone.
// The table is rebuilt rather than updated in place (as in 2026_11_28_15_20_00).
// Frozen in time: no imports from server/.
import { sql, type Kysely } from 'kysely';

const EXACT = (r: string) =>
  `lower(${r}.subject || ' ' || coalesce(${r}.code_number, '') || '/' || coalesce(${r}.code_notation, '') || ' ' || coalesce(${r}.issuer_name, '') || ' ' || coalesce(${r}.signer_full_name, '') || ' ' || left(coalesce(${r}.extracted_text, ''), 20000))`;

const KEYS = (r: string) => `document_search_filter_keys(${r}.agency_id, ${r}.direction, ${r}.type_code, ${r}.urgency, ${r}.promulgation_date)`;
const ISSUER = (r: string) => `coalesce(${r}.issuer_code, '') || ' ' || coalesce(${r}.issuer_name, '')`;

/** The trigger function and the update trigger: with the keys (up) or as 2026_11_28_15_20_00 left them (down). */
async function syncTrigger(db: Kysely<any>, withKeys: boolean): Promise<void> {
  const cols = withKeys ? 'filter_keys, issuer_search, ' : '';
  const vals = withKeys ? `${KEYS('new')}, ${ISSUER('new')}, ` : '';
  const sets = withKeys ? 'filter_keys = excluded.filter_keys, issuer_search = excluded.issuer_search, ' : '';
  await sql
    .raw(
      `create or replace function document_search_text_sync() returns trigger language plpgsql as $$
    begin
      insert into document_search_text (document_id, agency_id, direction, type_code, promulgation_date, ${cols}search_folded, search_exact, access_keys)
      values (new.id, new.agency_id, new.direction, new.type_code, new.promulgation_date, ${vals}new.search_folded, ${EXACT('new')}, new.access_keys)
      on conflict (document_id) do update set agency_id = excluded.agency_id, direction = excluded.direction, type_code = excluded.type_code,
        promulgation_date = excluded.promulgation_date, ${sets}search_folded = excluded.search_folded, search_exact = excluded.search_exact, access_keys = excluded.access_keys;
      return null;
    end $$`,
    )
    .execute(db);
  await sql`drop trigger if exists document_search_text_update on document`.execute(db);
  const ofCols = withKeys ? ', urgency, issuer_code' : '';
  const when = withKeys ? ' or new.urgency is distinct from old.urgency or new.issuer_code is distinct from old.issuer_code' : '';
  // UPDATE OF fires when a column is in the SET list; WHEN keeps it to real changes of the copied values.
  await sql
    .raw(
      `create trigger document_search_text_update
    after update of search_folded, subject, code_number, code_notation, issuer_name, signer_full_name, extracted_text, access_keys,
      agency_id, direction, type_code, promulgation_date${ofCols} on document
    for each row when (
      new.search_folded is distinct from old.search_folded or new.subject is distinct from old.subject
      or new.code_number is distinct from old.code_number or new.code_notation is distinct from old.code_notation
      or new.issuer_name is distinct from old.issuer_name or new.signer_full_name is distinct from old.signer_full_name
      or new.extracted_text is distinct from old.extracted_text or new.access_keys is distinct from old.access_keys
      or new.agency_id is distinct from old.agency_id or new.direction is distinct from old.direction
      or new.type_code is distinct from old.type_code or new.promulgation_date is distinct from old.promulgation_date${when}
    ) execute function document_search_text_sync()`,
    )
    .execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await sql`set local maintenance_work_mem = '256MB'`.execute(db);
  // The keys of the filters a search can ask for; the application builds the same strings
  // (server/repositories/search.repository.ts, filterKeysOf).
  await sql`
    create or replace function document_search_filter_keys(agency_id bigint, direction text, type_code text, urgency smallint, promulgation_date date)
    returns text[] language sql immutable as $$
      select array['a:' || agency_id, 'd:' || direction, 't:' || type_code, 'u:' || urgency]
        || case when promulgation_date is null then '{}'::text[]
           else array['y:' || extract(year from promulgation_date)::int,
                      'm:' || extract(year from promulgation_date)::int || '-' || lpad(extract(month from promulgation_date)::int::text, 2, '0')] end
    $$`.execute(db);
  await sql`
    create table document_search_text_new (
      document_id bigint not null,
      agency_id bigint not null,
      direction text not null,
      type_code text not null,
      promulgation_date date,
      filter_keys text[] not null,
      issuer_search text not null,
      search_folded text not null,
      search_exact text not null,
      access_keys text[] not null default '{}'
    )`.execute(db);
  await sql
    .raw(
      `insert into document_search_text_new (document_id, agency_id, direction, type_code, promulgation_date, filter_keys, issuer_search, search_folded, search_exact, access_keys)
    select s.document_id, s.agency_id, s.direction, s.type_code, s.promulgation_date, ${KEYS('d')}, ${ISSUER('d')}, s.search_folded, s.search_exact, s.access_keys
    from document_search_text s join document d on d.id = s.document_id`,
    )
    .execute(db);
  await sql`drop table document_search_text`.execute(db);
  await sql`alter table document_search_text_new rename to document_search_text`.execute(db);
  await sql`alter table document_search_text add constraint document_search_text_pkey primary key (document_id)`.execute(db);
  await sql`alter table document_search_text add constraint document_search_text_document_id_fkey foreign key (document_id) references document(id) on delete cascade`.execute(db);
  await sql`
    create index document_search_text_search_idx on document_search_text
    using gin (filter_keys, access_keys, issuer_search gin_trgm_ops, search_folded gin_trgm_ops, search_exact gin_trgm_ops)`.execute(db);
  await syncTrigger(db, true);
  await sql`analyze document_search_text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`set local maintenance_work_mem = '256MB'`.execute(db);
  await syncTrigger(db, false);
  await sql`drop index if exists document_search_text_search_idx`.execute(db);
  await sql`alter table document_search_text drop column filter_keys, drop column issuer_search`.execute(db);
  await sql`drop function if exists document_search_filter_keys(bigint, text, text, smallint, date)`.execute(db);
  await sql`create index document_search_text_folded_trgm_idx on document_search_text using gin (search_folded gin_trgm_ops)`.execute(db);
  await sql`create index document_search_text_exact_trgm_idx on document_search_text using gin (search_exact gin_trgm_ops)`.execute(db);
  await sql`create index document_search_text_access_keys_idx on document_search_text using gin (access_keys)`.execute(db);
  await sql`create index document_search_text_agency_date_idx on document_search_text (agency_id, promulgation_date)`.execute(db);
  await sql`create index document_search_text_direction_idx on document_search_text (agency_id, direction, promulgation_date)`.execute(db);
  await sql`create index document_search_text_type_idx on document_search_text (agency_id, type_code, promulgation_date)`.execute(db);
}
