// `npm run bench:seed`: 1,000,000 documents with realistic Vietnamese metadata, for the inbox and
// search benchmarks. The database is BENCH_DATABASE_URL, else `vanthu_bench` on the server of
// DATABASE_URL (created when missing, migrated, demo agencies and users seeded). Rows are generated
// inside PostgreSQL with generate_series from small vocabularies whose folded forms are computed
// here with the application's own foldDiacritics, so search_folded is exactly what the service writes.
// Usage: npx tsx bench/seed.ts [count]   (default 1,000,000; BENCH_SEED_COUNT also works)
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createDatabase, createPool } from '../server/db/database.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { ensureAgencyLevels, seedDemoIfEmpty } from '../server/services/demo-seed.service.ts';
import { foldDiacritics } from '../server/domain/vietnamese-text.ts';

const print = (s: string) => process.stdout.write(`${s}\n`);

/** The benchmark database URL; creates the database when it does not exist. */
export async function benchDatabaseUrl(): Promise<string> {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('Set DATABASE_URL (a PostgreSQL server) or BENCH_DATABASE_URL for the benchmarks.');
  const u = new URL(base);
  u.pathname = '/vanthu_bench';
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', ['vanthu_bench']);
    if (!exists.rowCount) await admin.query('create database vanthu_bench');
  } finally {
    await admin.end();
  }
  return u.toString();
}

export async function prepareBenchDatabase(url: string): Promise<void> {
  const pool = createPool(url, 4);
  try {
    await migrateToLatest(pool);
    const db = createDatabase(pool);
    await ensureAgencyLevels(db);
    await seedDemoIfEmpty(db);
  } finally {
    await pool.end();
  }
}

// Vocabulary of real administrative documents (trích yếu, cơ quan ban hành, người ký).
const TYPES: [string, string, string | null][] = [
  ['cong_van', 'Công văn', null],
  ['quyet_dinh', 'Quyết định', 'QĐ'],
  ['ke_hoach', 'Kế hoạch', 'KH'],
  ['bao_cao', 'Báo cáo', 'BC'],
  ['thong_bao', 'Thông báo', 'TB'],
  ['to_trinh', 'Tờ trình', 'TTr'],
  ['giay_moi', 'Giấy mời', 'GM'],
  ['chi_thi', 'Chỉ thị', 'CT'],
  ['huong_dan', 'Hướng dẫn', 'HD'],
  ['nghi_quyet', 'Nghị quyết', 'NQ'],
];
const SUBJECT_HEADS = [
  'Về việc triển khai',
  'Về việc phê duyệt',
  'Về việc hướng dẫn thực hiện',
  'Về việc tổ chức',
  'Về việc báo cáo kết quả',
  'Về việc đôn đốc thực hiện',
  'Về việc góp ý dự thảo',
  'Về việc kiện toàn',
  'Về việc điều chỉnh',
  'Về việc tăng cường công tác',
  'Về việc phân bổ kinh phí',
  'Về việc cử cán bộ tham dự',
];
const SUBJECT_TOPICS = [
  'kế hoạch phát triển kinh tế - xã hội',
  'phòng, chống thiên tai và tìm kiếm cứu nạn',
  'chuyển đổi số trong cơ quan nhà nước',
  'cải cách hành chính',
  'giải phóng mặt bằng dự án đường cao tốc Bắc - Nam',
  'quản lý đất đai và cấp giấy chứng nhận quyền sử dụng đất',
  'phòng cháy, chữa cháy rừng mùa khô',
  'sản xuất vụ Đông Xuân',
  'tuyển sinh đầu cấp',
  'chương trình mục tiêu quốc gia xây dựng nông thôn mới',
  'bảo đảm trật tự an toàn giao thông',
  'phòng, chống dịch bệnh trên gia súc, gia cầm',
  'thực hành tiết kiệm, chống lãng phí',
  'công tác văn thư, lưu trữ',
  'đầu tư công trung hạn',
  'hội nghị tổng kết công tác thi đua, khen thưởng',
  'tiếp công dân và giải quyết khiếu nại, tố cáo',
  'quy hoạch sử dụng đất',
  'bồi thường, hỗ trợ, tái định cư',
  'ứng dụng công nghệ thông tin',
];
const SUBJECT_TAILS = ['năm 2024', 'năm 2025', 'năm 2026', 'giai đoạn 2026-2030', 'quý I năm 2026', '6 tháng đầu năm 2025', 'trên địa bàn tỉnh', 'tại xã Hưng Lộc', 'trên địa bàn huyện Hưng Nguyên', 'đợt 2'];
const ISSUERS: [string, string][] = [
  ['Bộ Nội vụ', 'BNV'],
  ['Bộ Tài chính', 'BTC'],
  ['Bộ Nông nghiệp và Môi trường', 'BNNMT'],
  ['Văn phòng Chính phủ', 'VPCP'],
  ['Ủy ban nhân dân tỉnh Nghệ An', 'UBND'],
  ['Sở Tài chính tỉnh Nghệ An', 'STC'],
  ['Sở Nội vụ tỉnh Nghệ An', 'SNV'],
  ['Sở Giáo dục và Đào tạo', 'SGDĐT'],
  ['Sở Xây dựng', 'SXD'],
  ['Ủy ban nhân dân huyện Hưng Nguyên', 'UBND'],
  ['Công an tỉnh Nghệ An', 'CAT'],
  ['Bộ Chỉ huy Quân sự tỉnh', 'BCH'],
];
const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý'];
const MIDDLE = ['Văn', 'Thị', 'Đức', 'Minh', 'Quốc', 'Thị Thu', 'Hữu', 'Thanh', 'Ngọc', 'Xuân'];
const GIVEN = ['An', 'Bình', 'Cường', 'Dũng', 'Đông', 'Giang', 'Hà', 'Hải', 'Hùng', 'Hương', 'Khải', 'Lan', 'Long', 'Mai', 'Nam', 'Phúc', 'Quang', 'Sơn', 'Tâm', 'Thảo', 'Tuấn', 'Việt', 'Yến', 'Ánh'];
const BENCH_UNITS: [string, string][] = [
  ['Phòng Kinh tế', 'KT'],
  ['Phòng Nội chính', 'NC'],
  ['Phòng Nông nghiệp', 'NN'],
  ['Phòng Công nghiệp - Xây dựng', 'CN'],
  ['Phòng Tài chính - Kế hoạch', 'TCKH'],
  ['Phòng Hành chính - Tổ chức', 'HCTC'],
  ['Phòng Quản trị - Tài vụ', 'QTTV'],
  ['Ban Tiếp công dân', 'TCD'],
  ['Trung tâm Phục vụ hành chính công', 'PVHCC'],
  ['Phòng Khoa giáo', 'KG'],
];
const INCOMING_STATES = ['received', 'registered', 'presented', 'assigned', 'in_progress', 'done', 'done', 'done'];
const OUTGOING_STATES = ['draft', 'in_review', 'awaiting_signature', 'numbered', 'released', 'released', 'released', 'released'];

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const arr = (xs: string[]) => `array[${xs.map(lit).join(',')}]::text[]`;

export async function seedDocuments(url: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const agencies = (await client.query<{ id: string }>('select id from agency order by id')).rows.map((r) => r.id);
    // A People's Committee has a dozen or so units (phòng, ban): the demo tree has two or three per
    // agency, which would put a third of a province's documents on one unit's desk.
    for (const a of agencies) {
      for (const [name, abbr] of BENCH_UNITS) {
        await client.query('insert into unit (agency_id, name, abbreviation) values ($1, $2, $3) on conflict do nothing', [a, name, abbr]);
      }
    }
    const have = Number((await client.query('select count(*) from document')).rows[0].count);
    if (have >= count) {
      print(`already ${have.toLocaleString('en')} documents: nothing to do (drop database vanthu_bench to start again)`);
      return;
    }
    const n = count - have;
    const signers = FAMILY.flatMap((f, i) => MIDDLE.map((m, j) => `${f} ${m} ${GIVEN[(i * 7 + j * 3) % GIVEN.length]}`));
    const subjects: string[] = [];
    for (const h of SUBJECT_HEADS) for (const t of SUBJECT_TOPICS) for (const tail of SUBJECT_TAILS) subjects.push(`${h} ${t} ${tail}`);
    const types = TYPES;
    await client.query(`set maintenance_work_mem = '512MB'`);
    await client.query('set synchronous_commit = off');
    // Indexes are rebuilt once after the load: much faster than maintaining them row by row. The
    // searched text (document_search_text) is written by its trigger during the insert, as the
    // application writes it; its trigram indexes are rebuilt with the others.
    const indexes = (await client.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes
       where tablename in ('document', 'document_search_text') and indexname not in ('document_pkey', 'document_search_text_pkey')`,
    )).rows;
    const t0 = performance.now();
    for (const ix of indexes) await client.query(`drop index if exists ${ix.indexname}`);
    try {
      // g drives the vocabulary choices through coprime strides, so combinations spread evenly.
      await client.query(`
        with v as (
          select ${arr(subjects)} as subj, ${arr(subjects.map(foldDiacritics))} as subj_f,
                 ${arr(ISSUERS.map((i) => i[0]))} as iss, ${arr(ISSUERS.map((i) => foldDiacritics(i[0])))} as iss_f,
                 ${arr(ISSUERS.map((i) => i[1]))} as iss_abbr, ${arr(ISSUERS.map((i) => foldDiacritics(i[1])))} as iss_abbr_f,
                 ${arr(signers)} as sig, ${arr(signers.map(foldDiacritics))} as sig_f,
                 ${arr(types.map((t) => t[0]))} as tcode, ${arr(types.map((t) => t[1]))} as tname, ${arr(types.map((t) => foldDiacritics(t[1])))} as tname_f,
                 ${arr(types.map((t) => t[2] ?? ''))} as tabbr, ${arr(types.map((t) => foldDiacritics(t[2] ?? '')))} as tabbr_f,
                 ${arr(INCOMING_STATES)} as ist, ${arr(OUTGOING_STATES)} as ost,
                 array[${agencies.join(',')}]::bigint[] as ag
        ), g as (
          select g, v.*,
            (1 + (g * 7919) % ${subjects.length})::int as si, (1 + (g * 31) % ${ISSUERS.length})::int as ii, (1 + (g * 13) % ${signers.length})::int as gi,
            (1 + (g * 17) % ${types.length})::int as ti, (g % 3 <> 0) as incoming,
            -- 40 % of the documents belong to the province, the rest spread over the other agencies.
            -- hashint8 decorrelates the choices that strides would tie together (agency, state, relations).
            case when g % 5 < 2 then ag[least(2, array_length(ag, 1))] else ag[(1 + (hashint8(g) & 2147483647) % array_length(ag, 1))::int] end as agency,
            1 + (g * 97) % 999 as num, date '2024-01-01' + ((g * 37) % 1060)::int as pdate
          from generate_series(${have + 1}::bigint, ${have + n}::bigint) g, v
        )
        insert into document (agency_id, direction, state, type_code, type_name, code_number, code_notation, promulgation_date,
          subject, issuer_name, signer_full_name, signer_position, urgency, due_date, created_by, created_at, registered_at, search_folded)
        select agency, case when incoming then 'incoming' else 'outgoing' end,
          case when incoming then ist[(1 + (hashint8(g * 3) & 2147483647) % 8)::int] else ost[(1 + (hashint8(g * 3) & 2147483647) % 8)::int] end,
          tcode[ti], tname[ti], num::text,
          case when tabbr[ti] = '' then iss_abbr[ii] || '-VP' else tabbr[ti] || '-' || iss_abbr[ii] end,
          pdate, subj[si], iss[ii], sig[gi], 'Phó Chủ tịch',
          case when g % 50 = 0 then 3 when g % 20 = 0 then 2 when g % 10 = 0 then 1 else 0 end,
          case when g % 4 = 0 then pdate + 15 else null end,
          null, pdate + interval '1 day', pdate + interval '1 day 2 hours',
          -- As searchFoldedOf writes it: type name, subject, number/notation, issuer, signer.
          lower(tname_f[ti]) || ' ' || subj_f[si] || ' ' || num || '/' || case when tabbr_f[ti] = '' then lower(iss_abbr_f[ii]) || '-vp' else lower(tabbr_f[ti]) || '-' || lower(iss_abbr_f[ii]) end
            || ' ' || iss_f[ii] || ' ' || sig_f[gi]
        from g`);
      const t1 = performance.now();
      print(`inserted ${n.toLocaleString('en')} documents in ${((t1 - t0) / 1000).toFixed(1)} s`);
      // Relations, as the workflows leave them (issue 3 item 6). Every incoming document being or
      // having been handled (assigned, in progress, done) has one lead unit of its agency; one in
      // five also a co-handling unit; one in thirty a personal co-handling by the agency's first
      // specialist, one in forty that specialist for information. Handling deadlines: ten days after
      // registration for handled ones; for open ones around today, so that some are overdue.
      // Outgoing documents carry their drafting unit; one in fifty was drafted by that specialist.
      // The triggers that keep document_access and access_keys are off during the load; both are
      // rebuilt in one pass afterwards (the migration's backfill).
      await client.query('alter table document disable trigger user');
      await client.query('alter table document_assignment disable trigger user');
      const firstSpecialist = `(select user_id from user_role r where r.agency_id = d.agency_id and r.role = 'specialist' order by user_id limit 1)`;
      const unitOf = (salt: number) => `(select u.id from unit u where u.agency_id = d.agency_id order by u.id offset (hashint8(d.id * ${salt}) & 2147483647) % greatest(1, (select count(*) from unit c where c.agency_id = d.agency_id)) limit 1)`;
      const mine = `d.id > ${have} and d.direction = 'incoming' and d.state in ('assigned', 'in_progress', 'done')`;
      await client.query(`
        insert into document_assignment (document_id, kind, unit_id, deadline, active, created_at)
        select d.id, 'lead', ${unitOf(7)}, d.due_date, true, d.registered_at from document d where ${mine}`);
      await client.query(`
        insert into document_assignment (document_id, kind, unit_id, deadline, active, created_at)
        select d.id, 'co', ${unitOf(11)}, d.due_date, true, d.registered_at from document d
        where ${mine} and (hashint8(d.id * 13) & 2147483647) % 5 = 0 and ${unitOf(11)} <> ${unitOf(7)}`);
      for (const [kind, every, salt] of [['co', 30, 17], ['info', 40, 19]] as const) {
        await client.query(`
          insert into document_assignment (document_id, kind, user_id, deadline, active, created_at)
          select d.id, '${kind}', ${firstSpecialist}, ${kind === 'co' ? 'd.due_date' : 'null'}, true, d.registered_at from document d
          where ${mine} and (hashint8(d.id * ${salt}) & 2147483647) % ${every} = 0 and ${firstSpecialist} is not null`);
      }
      await client.query(`
        update document d set handling_deadline = case when d.state = 'done' then (d.registered_at + interval '10 days')::date
          else current_date + ((hashint8(d.id * 23) & 2147483647) % 40 - 5)::int end
        where ${mine}`);
      await client.query(`
        update document d set drafting_unit_id = ${unitOf(29)},
          created_by = case when (hashint8(d.id * 31) & 2147483647) % 50 = 0 then ${firstSpecialist} else null end
        where d.id > ${have} and d.direction = 'outgoing'`);
      await client.query(`
        insert into document_access (principal_kind, principal_id, document_id, agency_id, direction, state, urgency, handling_deadline)
        select s.principal_kind, s.principal_id, d.id, d.agency_id, d.direction, d.state, d.urgency, d.handling_deadline
        from document_access_source s join document d on d.id = s.document_id
        where d.id > ${have}
        on conflict do nothing`);
      await client.query(`
        update document d set access_keys = k.keys
        from (
          select document_id, array_agg(key order by key) as keys
          from (select document_id, case principal_kind when 'user' then 'u:' when 'unit' then 'n:' else 'd:' end || principal_id as key from document_access where document_id > ${have}) a
          group by document_id
        ) k
        where d.id = k.document_id`);
      // The copy of the keys beside the searched text (document_search_text), which the disabled
      // trigger would have made.
      await client.query(`
        update document_search_text s set access_keys = d.access_keys
        from document d where d.id = s.document_id and d.id > ${have} and d.access_keys <> '{}'`);
      print(`assignments and authors in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    } finally {
      // Put the triggers and the indexes back even when the load failed: the database stays usable.
      await client.query('alter table document enable trigger user');
      await client.query('alter table document_assignment enable trigger user');
      const t2 = performance.now();
      for (const ix of indexes) await client.query(ix.indexdef.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS '));
      print(`${indexes.length} indexes rebuilt in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
    }
    // VACUUM as well as ANALYZE: the load's second pass (authors, assignments) left ~770,000 dead rows in
    // document, and only a vacuum sets the visibility map index-only scans need — what autovacuum
    // does to a production table long before it holds a million documents.
    for (const table of ['document', 'document_search_text', 'document_assignment', 'document_access']) await client.query(`vacuum (analyze) ${table}`);
    print(`total ${((performance.now() - t0) / 1000).toFixed(1)} s; ${count.toLocaleString('en')} documents in the bench database`);
  } finally {
    await client.end();
  }
}

export async function runSeed(count: number): Promise<void> {
  const url = await benchDatabaseUrl();
  print(`bench database: ${url.replace(/\/\/[^@]*@/, '//…@')}`);
  await prepareBenchDatabase(url);
  await seedDocuments(url, count);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const count = Number(process.argv[2] ?? process.env.BENCH_SEED_COUNT ?? 1_000_000);
  await runSeed(count);
}
