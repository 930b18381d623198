// The plan of every statement one search runs on the bench database, with buffers and rows
// (auto_explain at NOTICE level on this connection only). Working tool for the search plans.
// Usage: npx tsx bench/search-explain.ts <username> '<json of the search form>'
import { createDatabase, createPool } from '../server/db/database.ts';
import { userRepository } from '../server/repositories/user.repository.ts';
import { searchDocuments } from '../server/services/search.service.ts';

const [username, rawJson] = process.argv.slice(2);
const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vanthu_bench';
const pool = createPool(url, 1);
const db = createDatabase(pool);
try {
  const u = (await userRepository.findByUsername(db, username!))!;
  const roles = await userRepository.rolesOf(db, u.id);
  const actor = { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
  const client = await pool.connect();
  await client.query(`load 'auto_explain'`);
  for (const s of ['auto_explain.log_min_duration = 0', 'auto_explain.log_analyze = on', 'auto_explain.log_buffers = on', 'auto_explain.log_level = notice', 'auto_explain.log_nested_statements = on']) await client.query(`set ${s}`);
  client.on('notice', (n) => process.stdout.write(`${n.message}\n\n`));
  client.release();
  const r = await searchDocuments(db, actor, JSON.parse(rawJson!));
  process.stdout.write(`${r.items.length} rows\n`);
} finally {
  await db.destroy();
}
