// The searched text of a document and its two trigram indexes move to a side table, 1:1 with
// document and written only when that text changes (creation, edit, number and notation of an
// outgoing document, text extraction). Every update of a document that is not HOT (a state change:
// vào sổ, trình, giao, …) made new entries in every index of the row, and the two GIN trigram sets
// over up to 20,000 characters of extracted text were most of that cost (~2.8 ms of PostgreSQL CPU
// per registration with 5,600 characters of text, ~0.17 ms with a subject only; measured 2026-11-28).
// - search_folded: document.search_folded (written by the services with searchFoldedOf), copied;
// - search_exact: what a person reads, lower-cased with its diacritics — the expression of the
//   former document_search_exact_trgm_idx (2026_11_28_09_30_00), character for character;
// - access_keys: document.access_keys (2026_11_28_07_10_00), copied with its GIN index, so that a
//   person's search still ANDs the trigram bitmap with their keys in one table (a join instead read
//   4× the buffers: 48,700 vs 12,350 for a head of unit's "quyet dinh" over 1,000,000 documents).
//   It changes with assignments (giao, chuyển, thu hồi), not with states; document's own GIN index
//   on it goes, which makes one GIN index fewer on every state change.
// A trigger on document keeps the copy in the writer's transaction, like document_access.
// Frozen in time: no imports from server/.
import { sql, type Kysely } from 'kysely';

const EXACT = (r: string) =>
  `lower(${r}.subject || ' ' || coalesce(${r}.code_number, '') || '/' || coalesce(${r}.code_notation, '') || ' ' || coalesce(${r}.issuer_name, '') || ' ' || coalesce(${r}.signer_full_name, '') || ' ' || left(coalesce(${r}.extracted_text, ''), 20000))`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table document_search_text (
      document_id bigint primary key references document(id) on delete cascade,
      search_folded text not null,
      search_exact text not null,
      access_keys text[] not null default '{}'
    )`.execute(db);
  await sql
    .raw(
      `create or replace function document_search_text_sync() returns trigger language plpgsql as $$
    begin
      insert into document_search_text (document_id, search_folded, search_exact, access_keys)
      values (new.id, new.search_folded, ${EXACT('new')}, new.access_keys)
      on conflict (document_id) do update set search_folded = excluded.search_folded, search_exact = excluded.search_exact, access_keys = excluded.access_keys;
      return null;
    end $$`,
    )
    .execute(db);
  await sql`create trigger document_search_text_insert after insert on document for each row execute function document_search_text_sync()`.execute(db);
  // UPDATE OF fires when a column is in the SET list; WHEN keeps it to real changes of the copied values.
  await sql`
    create trigger document_search_text_update
    after update of search_folded, subject, code_number, code_notation, issuer_name, signer_full_name, extracted_text, access_keys on document
    for each row when (
      new.search_folded is distinct from old.search_folded or new.subject is distinct from old.subject
      or new.code_number is distinct from old.code_number or new.code_notation is distinct from old.code_notation
      or new.issuer_name is distinct from old.issuer_name or new.signer_full_name is distinct from old.signer_full_name
      or new.extracted_text is distinct from old.extracted_text or new.access_keys is distinct from old.access_keys
    ) execute function document_search_text_sync()`.execute(db);
  // Existing rows first, the indexes after: one build instead of a million inserts into GIN.
  await sql.raw(`insert into document_search_text (document_id, search_folded, search_exact, access_keys) select d.id, d.search_folded, ${EXACT('d')}, d.access_keys from document d`).execute(db);
  await sql`create index document_search_text_folded_trgm_idx on document_search_text using gin (search_folded gin_trgm_ops)`.execute(db);
  await sql`create index document_search_text_exact_trgm_idx on document_search_text using gin (search_exact gin_trgm_ops)`.execute(db);
  await sql`create index document_search_text_access_keys_idx on document_search_text using gin (access_keys)`.execute(db);
  await sql`drop index if exists document_search_trgm_idx`.execute(db);
  await sql`drop index if exists document_search_exact_trgm_idx`.execute(db);
  await sql`drop index if exists document_access_keys_idx`.execute(db);
  await sql`analyze document_search_text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create index if not exists document_access_keys_idx on document using gin (access_keys)`.execute(db);
  await sql`create index if not exists document_search_trgm_idx on document using gin (search_folded gin_trgm_ops)`.execute(db);
  await sql.raw(`create index if not exists document_search_exact_trgm_idx on document using gin ((${EXACT('document').replaceAll('document.', '')}) gin_trgm_ops)`).execute(db);
  await sql`drop trigger if exists document_search_text_update on document`.execute(db);
  await sql`drop trigger if exists document_search_text_insert on document`.execute(db);
  await sql`drop function if exists document_search_text_sync()`.execute(db);
  await sql`drop table if exists document_search_text`.execute(db);
}
