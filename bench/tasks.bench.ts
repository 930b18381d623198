// Directive tracking at province scale: 1,000,000 tasks across 2,000 units (a province with 99
// agencies below it), seeded with generate_series in a database of its own. Measures the p95 of the
// province dashboard (figures + monthly ranking + urges + electronic share, the whole service
// call) and of the overdue list (first page + total), and prints the plans of the queries they run
// (EXPLAIN ANALYZE, BUFFERS) to show index use. Target: p95 ≤ 200 ms each.
// Standalone: DATABASE_URL=postgres://… npx tsx bench/tasks.bench.ts
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from '../server/db/types.ts';
import { createPool } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { ensureAgencyLevels } from '../server/services/demo-seed.service.ts';
import { dashboardModel } from '../server/services/dashboard.service.ts';
import { listTasks } from '../server/services/task.service.ts';
import type { Actor } from '../server/domain/actor.ts';

const TASKS = Number(process.env.BENCH_TASKS ?? 1_000_000);
const UNITS = 2000;
const AGENCIES = 100; // the province and 99 agencies below it, 20 units each
const DOCUMENTS = 100_000;
const TODAY = '2026-11-27';
const RUNS = Number(process.env.BENCH_RUNS ?? 30);

const out = (s: string) => process.stdout.write(`${s}\n`);

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function freshDatabase(url: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await c.connect();
  try {
    await c.query(`drop database if exists ${name} with (force)`);
    await c.query(`create database ${name}`);
  } finally {
    await c.end();
  }
  return withDatabase(url, name);
}

async function seed(db: Kysely<DB>): Promise<Actor> {
  const t0 = Date.now();
  await ensureAgencyLevels(db);
  await sql`insert into agency (id, level_code, parent_id, abbreviation, qcvn_code, d20_code)
            select g, case when g = 1 then 'province' else 'commune' end, case when g = 1 then null else 1 end, 'UBND',
                   null, 'B' || g from generate_series(1, ${AGENCIES}) g`.execute(db);
  await sql`select setval('agency_id_seq', ${AGENCIES})`.execute(db);
  await sql`insert into agency_name (agency_id, name, valid_from)
            select g, case when g = 1 then 'Ủy ban nhân dân tỉnh Thử nghiệm' else 'Ủy ban nhân dân xã số ' || g end, 'epoch'
            from generate_series(1, ${AGENCIES}) g`.execute(db);
  await sql`insert into unit (id, agency_id, name, abbreviation)
            select g, 1 + (g - 1) / ${UNITS / AGENCIES}, 'Phòng số ' || g, 'P' || g from generate_series(1, ${UNITS}) g`.execute(db);
  await sql`select setval('unit_id_seq', ${UNITS})`.execute(db);
  const user = await db.insertInto('appUser').values({ username: 'bench.lanhdao', fullName: 'Lãnh đạo thử nghiệm', email: null, position: 'Chủ tịch', passwordHash: 'x' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('userRole').values({ userId: user.id, agencyId: '1', unitId: null, role: 'leader' }).execute();
  // Documents over the year; 85 % exchanged over the axis.
  await sql`insert into document (id, agency_id, direction, state, source, type_code, type_name, subject, created_at)
            select g, 1 + (g % ${AGENCIES}), case when g % 3 = 0 then 'outgoing' else 'incoming' end, 'done',
                   case when g % 100 < 85 then 'axis' else 'manual' end, 'CV', 'Công văn', 'Văn bản số ' || g,
                   timestamptz '2026-01-01 08:00+07' + ((g % 331) || ' days')::interval
            from generate_series(1, ${DOCUMENTS}) g`.execute(db);
  await sql`select setval('document_id_seq', ${DOCUMENTS})`.execute(db);

  // Tasks: bulk load without the secondary indexes, then build them (much faster than maintaining
  // seven indexes row by row).
  const defs = await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes where tablename = 'task' and indexname <> 'task_pkey'`.execute(db);
  for (const d of defs.rows) await sql.raw(`drop index ${d.indexname}`).execute(db);
  await sql`alter table task disable trigger user`.execute(db); // the monthly counters are rebuilt below
  await sql`
    insert into task (agency_id, document_id, title, lead_unit_id, assigned_on, deadline, original_deadline, completed_on, completed_at, progress)
    select 1 + (u - 1) / ${UNITS / AGENCIES}, 1 + (g % ${DOCUMENTS}), 'Nhiệm vụ số ' || g, u, a, a + dur, a + dur,
           c, c::timestamp at time zone 'Asia/Ho_Chi_Minh', case when c is null then 50 else 100 end
    from (
      select g, u, a, dur,
             case when (${TODAY}::date - a > 45 and r < 97) or (${TODAY}::date - a <= 45 and r < 50 and a + took <= ${TODAY}::date)
                  then least(a + took, ${TODAY}::date) end as c
      from (
        select g, 1 + ((g * 7919) % ${UNITS}) as u, date '2026-01-01' + (g % 331)::int as a, (3 + g % 28)::int as dur,
               (g * 104729) % 100 as r, (1 + (g * 31) % 40)::int as took
        from generate_series(1::bigint, ${TASKS}::bigint) g
      ) s
    ) x`.execute(db);
  for (const d of defs.rows) await sql.raw(d.indexdef).execute(db);
  await sql`alter table task enable trigger user`.execute(db);
  await sql`select task_month_stat_rebuild()`.execute(db);
  await sql`insert into task_urge (task_id, agency_id, grade, unit_id, urged_by, urged_on)
            select t.id, t.agency_id, (array['reminder','criticism','review'])[1 + t.id % 3], t.lead_unit_id, ${user.id}, t.deadline + 1
            from task t where t.completed_on is null and t.deadline < ${TODAY}::date and t.id % 5 = 0`.execute(db);
  // As autovacuum would after a bulk load: statistics, and the visibility map for index-only scans.
  await sql`vacuum (analyze) task`.execute(db);
  await sql`analyze`.execute(db);
  const n = await sql<{ n: string; open: string; overdue: string }>`select count(*) n, count(*) filter (where completed_on is null) open,
             count(*) filter (where completed_on is null and deadline < ${TODAY}::date) overdue from task`.execute(db);
  out(`seeded ${Number(n.rows[0]!.n).toLocaleString('en')} tasks (${Number(n.rows[0]!.open).toLocaleString('en')} open, ${Number(n.rows[0]!.overdue).toLocaleString('en')} overdue), ${UNITS} units in ${AGENCIES} agencies, ${DOCUMENTS.toLocaleString('en')} documents in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const roles = [{ agencyId: '1', unitId: null, role: 'leader' as const }];
  return { userId: String(user.id), username: 'bench.lanhdao', fullName: 'Lãnh đạo thử nghiệm', position: 'Chủ tịch', roles, activeAgencyId: '1' };
}

async function p95(label: string, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  const v = at(0.95);
  out(`${label.padEnd(44)} p50 ${at(0.5).toFixed(1).padStart(7)} ms   p95 ${v.toFixed(1).padStart(7)} ms   (${RUNS} runs)${v <= 200 ? '' : '   ABOVE 200 ms TARGET'}`);
  return v;
}

/** Runs `fn` once on a Kysely that records every query, then prints each query's plan. */
async function explain(label: string, pool: pg.Pool, fn: (db: Kysely<DB>) => Promise<unknown>, only: RegExp): Promise<void> {
  const seen: { sql: string; parameters: readonly unknown[] }[] = [];
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
    log: (e) => {
      if (e.level === 'query') seen.push({ sql: e.query.sql, parameters: e.query.parameters });
    },
  });
  await fn(db);
  for (const q of seen.filter((x) => only.test(x.sql))) {
    const r = await pool.query(`explain (analyze, buffers, costs off, timing on) ${q.sql}`, q.parameters as unknown[]);
    out(`\n--- ${label}: ${q.sql.replace(/\s+/g, ' ').slice(0, 110)}…`);
    for (const row of r.rows as { 'QUERY PLAN': string }[]) out(row['QUERY PLAN']);
  }
}

export async function runTasksBench(): Promise<void> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    out('tasks bench: DATABASE_URL is required (a PostgreSQL where a database may be created); skipped.');
    return;
  }
  // BENCH_REUSE=1 measures again on the database seeded by a previous run.
  const reuse = process.env.BENCH_REUSE === '1';
  const url = reuse ? withDatabase(base, 'vanthu_bench_tasks') : await freshDatabase(base, 'vanthu_bench_tasks');
  const pool = createPool(url, 4);
  try {
    await migrateToLatest(pool);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
    const existing = reuse ? await db.selectFrom('appUser').select('id').where('username', '=', 'bench.lanhdao').executeTakeFirst() : undefined;
    const actor: Actor = existing
      ? { userId: String(existing.id), username: 'bench.lanhdao', fullName: 'Lãnh đạo thử nghiệm', position: 'Chủ tịch', roles: [{ agencyId: '1', unitId: null, role: 'leader' }], activeAgencyId: '1' }
      : await seed(db);
    const clock = { today: TODAY };
    out(`\nprovince = 1 agency + ${AGENCIES - 1} below it; today = ${TODAY}; ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    await p95('province dashboard, month (11/2026)', () => dashboardModel(db, actor, { period: 'month', year: '2026', month: '11' }, clock));
    await p95('province dashboard, quarter (IV/2026)', () => dashboardModel(db, actor, { period: 'quarter', year: '2026', quarter: '4' }, clock));
    await p95('province dashboard, year (2026)', () => dashboardModel(db, actor, { period: 'year', year: '2026' }, clock));
    await p95('overdue list, page 1 + total', () => listTasks(db, actor, { state: 'overdue' }, clock));
    await p95('overdue list, page 20 + total', () => listTasks(db, actor, { state: 'overdue', page: 20 }, clock));
    await explain('dashboard', pool, (d) => dashboardModel(d, actor, { period: 'month', year: '2026', month: '11' }, clock), /from task t|from task_urge|from document d|task_month_stat/);
    await explain('overdue list', pool, (d) => listTasks(d, actor, { state: 'overdue' }, clock), /"task" as "t"/);
  } finally {
    await pool.end();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runTasksBench();
}
