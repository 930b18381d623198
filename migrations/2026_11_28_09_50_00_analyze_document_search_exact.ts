// Statistics for the expression of document_search_exact_trgm_idx (added by 2026_11_28_09_30_00,
// which did not analyze): ANALYZE collects them only once the expression index exists. Without
// them the planner takes every exact-word LIKE for a single row and reads the exact trigram bitmap
// alone, instead of ANDing it with a person's access keys (41,000 heap pages instead of 1,700 for
// a head of unit searching "kế hoạch phát triển" over 1,000,000 documents).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`analyze document`.execute(db);
}

export async function down(): Promise<void> {
  // Statistics are not schema: nothing to undo.
}
