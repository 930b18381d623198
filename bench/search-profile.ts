// Per query PostgreSQL CPU of searchDocuments on the bench database (a working tool for the search
// plans, not a benchmark with targets): every role × filter × query of the search bench, each run
// REPS times on one connection whose backend's on-CPU time is read from /proc/<pid>/schedstat
// (nanoseconds, load-independent unlike wall time). Writes the ids of every first page to
// SEARCH_PROFILE_OUT (JSON) so that two versions of the code can be compared row for row.
// Usage: BENCH_DATABASE_URL=postgres://…/vanthu_bench [REPS=3] [TOP=6] [SEARCH_TUNING='{…}'] npx tsx bench/search-profile.ts [role] [filter]
import { readFileSync, writeFileSync } from 'node:fs';
import { createDatabase, createPool, type Database } from '../server/db/database.ts';
import { userRepository } from '../server/repositories/user.repository.ts';
import { searchDocuments } from '../server/services/search.service.ts';
import { SEARCH_TUNING } from '../server/repositories/search.repository.ts';
import type { Actor } from '../server/domain/actor.ts';

const SEARCHES = ['quyet dinh', 'Quyết định', 'kế hoạch phát triển', 'dat dai', 'đất đai', '123/QĐ', '45/KH', 'Nguyễn Văn', 'bao cao ket qua', 'chuyển đổi số', 'phòng cháy', 'giải phóng mặt bằng', 'hung nguyen', 'nong thon moi', 'tuyển sinh', 'BNV', 'Sở Tài chính', 'tiep cong dan', 'thi đua khen thưởng', 'Trần Thị', ''];
const FILTERS: [string, Record<string, string>[]][] = [
  ['none', [{}]],
  ['year+direction', [{ year: '2024', direction: 'incoming' }, { year: '2025', direction: 'outgoing' }]],
  ['type+state', [{ type: 'cong_van', state: 'done' }, { type: 'quyet_dinh', state: 'released' }]],
  ['urgency', [{ urgency: '3' }]],
  ['issuer+dates', [{ issuer: 'Bộ Nội vụ', from: '2025-01-01', to: '2025-06-30' }, { issuer: 'Sở Tài chính', from: '2025-01-01', to: '2025-06-30' }]],
];
const ROLES: [string, string][] = [['clerk', 'tinh.vanthu'], ['leader', 'tinh.lanhdao'], ['head', 'tinh.truongphong'], ['specialist', 'tinh.chuyenvien']];
const REPS = Number(process.env.REPS ?? 3);
// SEARCH_TUNING='{"narrowOrderedTimeoutMs":100}' tries other tunings without editing the code.
if (process.env.SEARCH_TUNING) Object.assign(SEARCH_TUNING, JSON.parse(process.env.SEARCH_TUNING));

async function actorFor(db: Database, username: string): Promise<Actor> {
  const u = await userRepository.findByUsername(db, username);
  if (!u) throw new Error(`no user ${username}`);
  const roles = await userRepository.rolesOf(db, u.id);
  return { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
}

const onCpuNs = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vanthu_bench';
const pool = createPool(url, 1);
const db = createDatabase(pool);
const [onlyRole, onlyFilter] = process.argv.slice(2);
const out: Record<string, string[]> = {};
try {
  const pid = (await pool.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
  for (const [label, username] of ROLES) {
    if (onlyRole && onlyRole !== label) continue;
    const actor = await actorFor(db, username);
    await searchDocuments(db, actor, { q: 'quyet dinh' });
    for (const [fname, filters] of FILTERS) {
      if (onlyFilter && onlyFilter !== fname) continue;
      const lines: [number, string][] = [];
      let sum = 0;
      let n = 0;
      for (const f of filters) {
        for (const q of fname === 'none' ? SEARCHES.slice(0, -1) : SEARCHES) {
          const raw = { q, ...f };
          let ids: string[] = [];
          const c0 = onCpuNs(pid);
          const t0 = performance.now();
          for (let r = 0; r < REPS; r++) ids = (await searchDocuments(db, actor, raw)).items.map((i) => i.id);
          const cpu = (onCpuNs(pid) - c0) / 1e6 / REPS;
          const wall = (performance.now() - t0) / REPS;
          out[`${label}|${JSON.stringify(raw)}`] = ids;
          sum += cpu;
          n++;
          lines.push([cpu, `  ${cpu.toFixed(1).padStart(7)} ms CPU ${wall.toFixed(0).padStart(5)} ms wall ${String(ids.length).padStart(2)} rows  ${JSON.stringify(raw)}`]);
        }
      }
      lines.sort((a, b) => b[0] - a[0]);
      process.stdout.write(`${label} / ${fname}: mean ${(sum / n).toFixed(1)} ms PostgreSQL CPU per search, max ${lines[0]![0].toFixed(1)}\n${lines.slice(0, Number(process.env.TOP ?? 6)).map((l) => l[1]).join('\n')}\n`);
    }
  }
} finally {
  await db.destroy();
}
if (process.env.SEARCH_PROFILE_OUT) writeFileSync(process.env.SEARCH_PROFILE_OUT, JSON.stringify(out, null, 1));
