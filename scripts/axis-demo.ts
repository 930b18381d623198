// `npm run axis:demo`: a test network of the interconnection axis on 127.0.0.1 — Văn phòng Chính
// phủ, the province of Nghệ An, the district of Hưng Nguyên, the commune of Hưng Lộc — each its own
// process, database and port. The commune sends a document to the Government Office and to a
// commune of another district; receipts flow back; a recall; the district node is killed in the
// middle and restarted; every copy arrives exactly once. Needs PostgreSQL (DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/postgres) and Redis (REDIS_URL, default 127.0.0.1:6379).
// AXIS_DEMO_KEEP=1 leaves the nodes running afterwards (Ctrl-C stops them and drops the databases).
import os from 'node:os';
import path from 'node:path';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { CODES, writeNetwork, type NodeName } from '../test/fixtures/axis/network.ts';
import { actorFor, clerkOf, clientContext, createNodeDatabases, issueAndRelease, nodeProcess, registerCopy, repoRoot, waitFor, type RunningNode } from '../test/fixtures/axis/harness.ts';
import { performAction } from '../server/services/document-actions.ts';
import { RECIPIENT_STATUS_LABELS } from '../server/services/document-view.service.ts';

const say = (s: string) => process.stdout.write(`${s}\n`);
const NAMES: NodeName[] = ['vpcp', 'province', 'district', 'commune'];
const LABEL: Record<NodeName, string> = { vpcp: 'Văn phòng Chính phủ', province: 'UBND tỉnh Nghệ An', district: 'UBND huyện Hưng Nguyên', commune: 'UBND xã Hưng Lộc' };

const dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-axis-demo-'));
const nodes = writeNetwork(dir, Number(process.env.AXIS_DEMO_PORT ?? 4101));
say(`Cấu hình và chứng thư thử nghiệm: ${dir}`);
const dbs = await createNodeDatabases('vanthu_axis_demo', NAMES);
const procs = {} as Record<NodeName, RunningNode>;
const ctxs = {} as Record<NodeName, ReturnType<typeof clientContext>>;
for (const n of NAMES) {
  const blobDir = path.join(dir, `blobs-${n}`);
  procs[n] = nodeProcess(nodes[n], { databaseUrl: dbs.urls[n]!, blobDir, logDir: path.join(dir, 'logs') });
  ctxs[n] = clientContext(dbs.urls[n]!, blobDir);
}
const cleanup = async () => {
  await Promise.all(NAMES.map((n) => procs[n].kill()));
  for (const n of NAMES) await ctxs[n].close();
  await dbs.drop();
  await rm(dir, { recursive: true, force: true });
};

try {
  await Promise.all(NAMES.map((n) => procs[n].start()));
  for (const n of NAMES) say(`  nút ${n.padEnd(8)} ${LABEL[n].padEnd(26)} ${nodes[n].url}  (tiếp nhận: ${nodes[n].config.agencies.join(', ')})`);
  const scan = await readFile(path.join(repoRoot, 'certs-sample/images/seal-uy-ban-nhan-dan-xa-hung-loc.png'));
  const who = { specialist: 'xa1.vanthu', head: 'xa1.truongphong', leader: 'xa1.lanhdao', clerk: 'xa1.vanthu' };
  const externalIdOf = async (id: string) => (await ctxs.commune.db.selectFrom('axisOutbox').select('edxmlDocumentId').where('documentId', '=', id).executeTakeFirstOrThrow()).edxmlDocumentId!;
  const copyAt = (n: NodeName, externalId: string) => ctxs[n].db.selectFrom('document').selectAll().where('direction', '=', 'incoming').where('externalId', '=', externalId).execute();
  const table = async (id: string) => {
    const rows = await ctxs.commune.db.selectFrom('documentRecipient').selectAll().where('documentId', '=', id).orderBy('agencyCode').execute();
    for (const r of rows) say(`      ${r.agencyCode?.padEnd(15)} ${(RECIPIENT_STATUS_LABELS[r.status] ?? r.status).padEnd(16)} ${r.remoteNumber ? `số đến ${r.remoteNumber}` : ''} ${r.statusNote ?? ''}`);
  };

  say('\n1. Xã Hưng Lộc ban hành công văn gửi Văn phòng Chính phủ (3 chặng) và xã Hưng Thịnh, huyện khác (2 chặng)');
  let t0 = performance.now();
  const d1 = await issueAndRelease(ctxs.commune, { ...who, subject: 'Báo cáo tình hình chuyển đổi số cấp xã năm 2026', externalCodes: [CODES.vpcp, CODES.otherCommune], pdf: scan });
  const e1 = await externalIdOf(d1);
  const atVpcp = await waitFor('VPCP', async () => (await copyAt('vpcp', e1))[0]);
  const atOther = await waitFor('xã Hưng Thịnh', async () => (await copyAt('province', e1))[0]);
  await waitFor('01', async () => (await ctxs.commune.db.selectFrom('documentRecipient').select('status').where('documentId', '=', d1).execute()).every((r) => r.status === 'arrived'));
  say(`   đã đến cả hai nơi và có biên nhận 01 sau ${(performance.now() - t0).toFixed(0)} ms; mã văn bản ${e1}`);
  const trace = await ctxs.vpcp.db.selectFrom('axisInbox').select('trace').where('edxmlDocumentId', '=', e1).where('businessType', '=', 'doc:0').executeTakeFirstOrThrow();
  say(`   hành trình tới VPCP: ${(trace.trace as { OrganId: string }[]).map((x) => x.OrganId).join(' → ')} → ${CODES.vpcp}`);
  await registerCopy(ctxs.vpcp, await actorFor(ctxs.vpcp, 'vpcp.vanthu'), atVpcp.id);
  await registerCopy(ctxs.province, await clerkOf(ctxs.province, CODES.otherCommune), atOther.id);
  await waitFor('03', async () => (await ctxs.commune.db.selectFrom('documentRecipient').select('status').where('documentId', '=', d1).execute()).every((r) => r.status === 'registered'));
  say('   hai nơi nhận vào sổ; bảng nơi nhận của xã:');
  await table(d1);

  say('\n2. Thu hồi: công văn gửi nhầm, nơi nhận chưa vào sổ');
  const d2 = await issueAndRelease(ctxs.commune, { ...who, subject: 'Công văn gửi nhầm cần thu hồi', externalCodes: [CODES.vpcp], pdf: scan });
  const e2 = await externalIdOf(d2);
  await waitFor('arrival', async () => (await copyAt('vpcp', e2)).length);
  await performAction(ctxs.commune, await actorFor(ctxs.commune, 'xa1.vanthu'), d2, 'recall', { reason: 'Gửi nhầm nơi nhận, đề nghị thu hồi' });
  await waitFor('15', async () => (await ctxs.commune.db.selectFrom('documentRecipient').select('status').where('documentId', '=', d2).executeTakeFirstOrThrow()).status === 'recalled');
  say(`   VPCP đồng ý thu hồi (15); bản tại VPCP: ${(await copyAt('vpcp', e2))[0]!.state}`);
  await table(d2);

  say('\n3. Nút huyện ngừng đột ngột (SIGKILL) giữa chừng; xã vẫn ban hành; nút huyện khởi động lại');
  await procs.district.kill('SIGKILL');
  const d3 = await issueAndRelease(ctxs.commune, { ...who, subject: 'Văn bản gửi khi nút huyện mất kết nối', externalCodes: [CODES.vpcp, CODES.otherCommune], pdf: scan });
  await waitFor('retries', async () => (await ctxs.commune.db.selectFrom('axisOutbox').select('attempts').where('documentId', '=', d3).execute()).every((r) => r.attempts >= 1));
  const pending = await ctxs.commune.db.selectFrom('axisOutbox').select(['targetCode', 'attempts', 'lastError']).where('documentId', '=', d3).execute();
  for (const p of pending) say(`   chờ gửi tới ${p.targetCode}: ${p.attempts} lần thử — ${p.lastError}`);
  t0 = performance.now();
  await procs.district.start();
  const e3 = await externalIdOf(d3);
  await waitFor('arrival after restart', async () => (await copyAt('vpcp', e3)).length === 1 && (await copyAt('province', e3)).length === 1, 60_000);
  await waitFor('01 after restart', async () => (await ctxs.commune.db.selectFrom('documentRecipient').select('status').where('documentId', '=', d3).execute()).every((r) => r.status === 'arrived'), 60_000);
  await new Promise((r) => setTimeout(r, 1500));
  say(`   đã đến ${(performance.now() - t0).toFixed(0)} ms sau khi nút huyện chạy lại; số bản tại VPCP: ${(await copyAt('vpcp', e3)).length}, tại xã Hưng Thịnh: ${(await copyAt('province', e3)).length}`);
  await table(d3);
  say('\nHoàn tất.');
  if (process.env.AXIS_DEMO_KEEP) {
    say(`Các nút vẫn chạy (đăng nhập xa1.vanthu / vpcp.vanthu, mật khẩu VanThu@2026; trang /axis). Nhật ký: ${dir}/logs. Ctrl-C để dừng.`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
} catch (e) {
  say(`Lỗi: ${(e as Error).message} — nhật ký các nút: ${dir}/logs`);
  process.exitCode = 1;
} finally {
  if (!process.exitCode) await cleanup();
  else {
    await Promise.all(NAMES.map((n) => procs[n].kill()));
    for (const n of NAMES) await ctxs[n].close();
    await dbs.drop();
  }
}
process.exit(process.exitCode ?? 0);
