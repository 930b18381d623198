// A trigram index on what a person reads, lower-cased with its diacritics (the expression of
// exactHaystack in server/repositories/search.repository.ts, character for character: the planner
// only uses an expression index for the identical expression). Search ranks exact-diacritic
// matches first (issue 3 item 10); without this index, finding the few exact matches among many
// folded ones ("Quyết định" where "quyet dinh" is in a tenth of all documents) meant reading every
// folded match. Costs one more GIN entry set per document write, like search_folded's.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create index if not exists document_search_exact_trgm_idx on document using gin (
      (lower(subject || ' ' || coalesce(code_number, '') || '/' || coalesce(code_notation, '') || ' ' || coalesce(issuer_name, '') || ' ' || coalesce(signer_full_name, '') || ' ' || left(coalesce(extracted_text, ''), 20000))) gin_trgm_ops
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists document_search_exact_trgm_idx`.execute(db);
}
