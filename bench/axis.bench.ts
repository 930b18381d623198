// Interconnection axis throughput and latency (issue 5, "Benchmarks"), beside a plain HTTP echo
// between two local processes measured in the same run:
//  - one hop: signed edXML packages (one digitally signed 200 KB PDF each) POSTed by a peer to a
//    node process, which checks the request signature, the package signature and the PDF
//    signature, and stores the package durably before answering its receipt id;
//  - commune → Government Office over three hops (commune's parent district → province → VPCP),
//    p50/p95 from the POST to the row committed in the Government Office's inbox.
// Standalone: npx tsx bench/axis.bench.ts   (needs PostgreSQL at DATABASE_URL and Redis)
// AXIS_BENCH_ONLY=one-hop: only the receiving node and its sender (status 01 goes back) and the one-hop figures (no in-process
// steps, no echo, no three hops) — a lighter run for profiling (AXIS_NODE_ARGS='--cpu-prof …').
// AXIS_BENCH_CHECK_THREADS=N: the nodes' checkThreads (0 = checks on the main thread).
// AXIS_BENCH_WARMUP=N: packages sent before measuring (default 3; a check thread compiles its code anew).
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { buildDocumentPackage, buildStatusPackage, parseEdxmlDocument, signPackage, toEdxmlTimestamp, verifyPackageSignature, type DocumentPackageInput } from '../server/axis/edxml/index.ts';
import { verifyRequest } from '../server/axis/request-signing.ts';
import { peekPackageBytes } from '../server/services/axis.service.ts';
import { prepareUploads } from '../server/services/file.service.ts';
import { verifyPdf } from '../server/signing/index.ts';
import { AXIS_HEADERS, sha256Hex, signRequest } from '../server/axis/request-signing.ts';
import { PACKAGES_PATH } from '../server/axis/http-transport.ts';
import { loadPkcs12 } from '../server/signing/key-source.ts';
import { signAttachment } from '../server/signing/operations.ts';
import { makeDecree30Pdf } from '../test/fixtures/signing/decree30-pdf.ts';
import { CODES, writeNetwork, type NodeName } from '../test/fixtures/axis/network.ts';
import { clientContext, createNodeDatabases, nodeProcess, type RunningNode } from '../test/fixtures/axis/harness.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const print = (s: string) => process.stdout.write(`${s}\n`);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** `concurrency` clients send `items` one after another; returns items per second. */
async function drive<T>(items: T[], concurrency: number, send: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await send(items[next++]!);
    }),
  );
  return items.length / ((performance.now() - t0) / 1000);
}

async function echoBaseline(body: Buffer, seconds: number): Promise<number> {
  // The echo server is its own process, as the nodes are.
  const code = `require('http').createServer((q,s)=>{const c=[];q.on('data',d=>c.push(d));q.on('end',()=>{s.setHeader('content-type','application/json');s.end(JSON.stringify({n:Buffer.concat(c).length}))})}).listen(0,'127.0.0.1',function(){process.send(this.address().port)})`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const port = await new Promise<number>((r) => child.once('message', (m) => r(Number(m))));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/echo', agent, headers: { 'content-type': 'application/xml', 'content-length': body.length } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
  let n = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (performance.now() < end) {
        await post();
        n++;
      }
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  agent.destroy();
  child.kill();
  return rate;
}

export async function runAxisBench(): Promise<void> {
  const oneHopOnly = process.env.AXIS_BENCH_ONLY === 'one-hop';
  // AXIS_BENCH_CHECK_THREADS=0: the nodes check packages on their main thread (A/B of the pool).
  const checkThreads = process.env.AXIS_BENCH_CHECK_THREADS ? { checkThreads: Number(process.env.AXIS_BENCH_CHECK_THREADS) } : {};
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vanthu-axis-bench-'));
  const names: NodeName[] = ['vpcp', 'province', 'district', 'commune'];
  const nodes = writeNetwork(dir, 46000 + (process.pid % 1000) * 4, { trustRootPaths: ['root.pem', path.join(root, 'certs-sample/root-ca.pem')], sweepEveryMs: 1000, ...checkThreads });
  const dbs = await createNodeDatabases(`vanthu_axis_bench_${process.pid}`, names);
  const procs: Partial<Record<NodeName, RunningNode>> = {};
  const vpcpCtx = clientContext(dbs.urls.vpcp!, path.join(dir, 'blobs-vpcp'));
  try {
    // A 200 KB PDF signed by the Government Office's agency certificate (certs-sample PKI).
    const key = await loadPkcs12(readFileSync(path.join(root, 'certs-sample/agencies/van-phong-chinh-phu.p12')), 'VanThu-Test-Only-2026');
    // Every package carries its own signed PDF (distinct bytes, distinct CMS signature), so no
    // verdict kept by file hash can flatter the figure; the unsigned base is built once.
    const basePdf = await makeDecree30Pdf({ padToBytes: 200 * 1024 });
    const signedPdf = async (i: number) => (await signAttachment(basePdf, key, { notation: `${i}/QĐ-UBND` })).pdf;
    const pdf = await signedPdf(0);
    const agency = { keyPem: readFileSync(path.join(dir, 'province.agency.key.pem'), 'utf8'), certPem: readFileSync(path.join(dir, 'province.agency.pem'), 'utf8') };
    const provinceNodeKey = readFileSync(path.join(dir, 'province.node.key.pem'), 'utf8');
    const communeNodeKey = readFileSync(path.join(dir, 'commune.node.key.pem'), 'utf8');
    let seq = 1000;
    const model = (from: string, attachment: Uint8Array): DocumentPackageInput => ({
      MessageHeader: {
        From: { OrganId: from, OrganName: 'Cơ quan gửi' },
        To: [{ OrganId: CODES.vpcp, OrganName: 'Văn phòng Chính phủ' }],
        Code: { CodeNumber: String(seq++), CodeNotation: 'UBND-VX' },
        PromulgationInfo: { Place: 'Nghệ An', PromulgationDate: '2026/11/27' },
        DocumentType: { Type: 1, TypeName: 'Công văn' },
        Subject: 'V/v báo cáo kết quả chuyển đổi số (gói thử tải)',
      },
      TraceHeaderList: { TraceHeader: [{ OrganId: from, Timestamp: toEdxmlTimestamp(new Date()) }], Bussiness: { BussinessDocType: 0 } },
      Attachments: [{ AttachmentName: 'cong-van.pdf', ContentType: 'application/pdf', Content: attachment }],
    });
    const signWith = (k: { keyPem: string; certPem: string }) => async (from: string) => Buffer.from(signPackage(await buildDocumentPackage(model(from, await signedPdf(seq))), k), 'utf8');
    const oneHopCount = Number(process.env.AXIS_BENCH_PACKAGES ?? 60);
    print(`preparing ${oneHopCount} signed packages…`);
    const packages: Buffer[] = [];
    for (let i = 0; i < oneHopCount; i++) packages.push(await signWith(agency)(CODES.province));
    print(`package size ${(packages[0]!.length / 1024).toFixed(0)} KB (signed PDF ${(pdf.length / 1024).toFixed(0)} KB inside)`);

    if (!oneHopOnly) await receivePathCpu(packages.slice(0, 40), {
      trustRoots: [readFileSync(path.join(dir, 'root.pem'), 'utf8'), readFileSync(path.join(root, 'certs-sample/root-ca.pem'), 'utf8')],
      provinceNodeKey,
      provinceNodeCert: readFileSync(path.join(dir, 'province.node.pem'), 'utf8'),
      vpcpAgency: { keyPem: readFileSync(path.join(dir, 'vpcp.agency.key.pem'), 'utf8'), certPem: readFileSync(path.join(dir, 'vpcp.agency.pem'), 'utf8') },
    });

    const echo = oneHopOnly ? NaN : await echoBaseline(packages[0]!, 3);
    if (!oneHopOnly) print(`plain HTTP echo between two local processes (same body, 4 connections): ${echo.toFixed(0)} req/s`);

    for (const n of oneHopOnly ? (['vpcp', 'province'] as const) : names) procs[n] = nodeProcess(nodes[n], { databaseUrl: dbs.urls[n]!, blobDir: path.join(dir, `blobs-${n}`), logDir: path.join(dir, 'logs'), logLevel: 'warn' });
    await Promise.all(Object.values(procs).map((p) => p.start()));

    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const postTo = (port: number, nodeId: string, nodeKey: string, body: Buffer, recipient: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const date = new Date().toISOString();
        const trace = JSON.stringify([{ OrganId: nodeId === 'province' ? CODES.province : CODES.commune1, Timestamp: toEdxmlTimestamp(new Date()) }]);
        const bodySha256 = sha256Hex(body);
        const signature = signRequest({ method: 'POST', path: PACKAGES_PATH, nodeId, date, recipient, trace, bodySha256 }, nodeKey);
        const req = http.request(
          { host: '127.0.0.1', port, method: 'POST', path: PACKAGES_PATH, agent, headers: { 'content-type': 'application/xml', 'content-length': body.length, [AXIS_HEADERS.node]: nodeId, [AXIS_HEADERS.date]: date, [AXIS_HEADERS.recipient]: encodeURIComponent(recipient), [AXIS_HEADERS.trace]: encodeURIComponent(trace), [AXIS_HEADERS.digest]: bodySha256, [AXIS_HEADERS.signature]: signature } },
          (res) => {
            const c: Buffer[] = [];
            res.on('data', (d) => c.push(d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(c).toString() }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });

    // Warm-up (JIT, connection pools, pdfjs and its fonts code), then the measured run. The idle
    // cost is measured after everything the warm-up packages caused (documents, text extraction,
    // receipts) is over: before, its tail was counted as the idle node's cost.
    for (let i = 0; i < Number(process.env.AXIS_BENCH_WARMUP ?? 3); i++) await postTo(nodes.vpcp.port, 'province', provinceNodeKey, packages.pop()!, CODES.vpcp);
    await waitIdle(vpcpCtx);
    await new Promise((r) => setTimeout(r, 2000));
    let refused = 0;
    const vpcpPid = procs.vpcp!.proc!.pid!;
    // What the idle node burns per second (sweep every second here, queue polling, timers): on a
    // loaded machine the run lasts long and this would otherwise be charged to the packages.
    const idle0 = processCpuMs(vpcpPid);
    const idleT0 = performance.now();
    await new Promise((r) => setTimeout(r, 5000));
    const idleMsPerS = (processCpuMs(vpcpPid) - idle0) / ((performance.now() - idleT0) / 1000);
    const vpcpDb = new URL(dbs.urls.vpcp!).pathname.slice(1);
    const pg0 = await postgresCpu(vpcpCtx, vpcpDb);
    const cpu0 = processCpuMs(vpcpPid);
    const main0 = processCpuMs(vpcpPid, vpcpPid);
    const t0 = performance.now();
    const perS = await drive(packages, 4, async (p) => {
      const r = await postTo(nodes.vpcp.port, 'province', provinceNodeKey, p, CODES.vpcp);
      if (r.status !== 200) refused++;
    });
    const cpuReceive = processCpuMs(vpcpPid) - cpu0;
    const mainReceive = processCpuMs(vpcpPid, vpcpPid) - main0;
    const pgReceive = await postgresCpuSince(vpcpCtx, vpcpDb, pg0);
    const receiveS = (performance.now() - t0) / 1000;
    print(`one hop, signed package + signed 200 KB PDF, request/package/PDF signatures verified, stored before the receipt: ${perS.toFixed(1)} packages/s — target ≥ 300 (${packages.length} packages, 4 connections, ${refused} refused; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    if (!oneHopOnly) print(`  ratio to the plain echo: ${((perS / echo) * 100).toFixed(1)} %`);
    // CPU time of the receiving node process (load-independent): while answering, and afterwards to
    // turn the stored packages into incoming documents (registration workflow, files, receipts 01).
    await waitIdle(vpcpCtx);
    const cpuTotal = processCpuMs(vpcpPid) - cpu0;
    const mainTotal = processCpuMs(vpcpPid, vpcpPid) - main0;
    const pgTotal = await postgresCpuSince(vpcpCtx, vpcpDb, pg0);
    const totalS = (performance.now() - t0) / 1000;
    const perPkg = cpuReceive / packages.length;
    const net = (ms: number, s: number) => Math.max(0, ms - idleMsPerS * s) / packages.length;
    print(`  receiving node CPU (/proc, all threads): ${perPkg.toFixed(1)} ms/package while receiving (→ ${(1000 / perPkg).toFixed(0)} packages/s per core), ${(cpuTotal / packages.length).toFixed(1)} ms/package including processing into documents (incoming document, files, text extraction, status 01 sent)`);
    print(`  the same without the idle node's own ${idleMsPerS.toFixed(1)} ms CPU per second (sweeps, queue polling) over the ${receiveS.toFixed(0)} s / ${totalS.toFixed(0)} s it lasted: ${net(cpuReceive, receiveS).toFixed(1)} ms/package while receiving, ${net(cpuTotal, totalS).toFixed(1)} ms/package sustained — target ≤ 6.7 (300 packages/s on 2 cores)`);

    // The JavaScript thread alone: what bounds one process whatever the other cores do.
    print(`  of which its main thread (/proc/<pid>/task/<pid>): ${(mainReceive / packages.length).toFixed(1)} ms/package while receiving, ${(mainTotal / packages.length).toFixed(1)} ms/package including processing (→ at most ${((1000 * packages.length) / mainTotal).toFixed(0)} packages/s for one process)`);
    print(`  PostgreSQL backends of the receiving node's database (/proc): ${(pgReceive / packages.length).toFixed(1)} ms/package while receiving, ${(pgTotal / packages.length).toFixed(1)} ms/package sustained`);
    const sustained = net(cpuTotal, totalS) + pgTotal / packages.length;
    print(`  node + PostgreSQL sustained: ${sustained.toFixed(1)} ms CPU/package → ceiling ${((2 * 1000) / sustained).toFixed(0)} packages/s on 2 cores with nothing else running`);

    if (oneHopOnly) {
      agent.destroy();
      return;
    }
    // Three hops: POSTed by the commune node to its parent (district) → province → VPCP.
    const hops = Number(process.env.AXIS_BENCH_HOPS ?? 15);
    const hopPackages: Buffer[] = [];
    const communeAgency = { keyPem: readFileSync(path.join(dir, 'commune.agency.key.pem'), 'utf8'), certPem: readFileSync(path.join(dir, 'commune.agency.pem'), 'utf8') };
    for (let i = 0; i < hops; i++) hopPackages.push(await signWith(communeAgency)(CODES.commune1));
    // Let the one-hop backlog (document creation at VPCP) drain first.
    await waitIdle(vpcpCtx);
    const latencies: number[] = [];
    for (const p of hopPackages) {
      const t0 = performance.now();
      const r = await postTo(nodes.district.port, 'commune', communeNodeKey, p, CODES.vpcp);
      if (r.status !== 200) throw new Error(`3-hop post refused: ${r.body}`);
      const id = /<edXML:DocumentId>([^<]+)</.exec(p.toString('utf8'))![1]!;
      for (;;) {
        const row = await vpcpCtx.db.selectFrom('axisInbox').select('id').where('edxmlDocumentId', '=', id).executeTakeFirst();
        if (row) break;
        await new Promise((res) => setTimeout(res, 5));
      }
      latencies.push(performance.now() - t0);
    }
    print(`commune → Government Office, 3 hops, all nodes up: p50 ${pct(latencies, 50).toFixed(0)} ms, p95 ${pct(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms (${hops} packages, one at a time)`);
    agent.destroy();
  } finally {
    await Promise.all(Object.values(procs).map((p) => p?.kill()));
    await vpcpCtx.close();
    await dbs.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * CPU time (process.cpuUsage: user + system of this process, so independent of the machine's load
 * except for cache effects) of each step a node runs on a package, in process, on the same distinct
 * packages the node receives: the steps before the receipt id is answered (DOMAIN.md §5, issue 5
 * items 3 and 5), then the first step after it (signing the status 01). Medians per package.
 * What is not here — HTTP and Express, PostgreSQL round trips, the queue, GC of the request,
 * turning the package into a document, text extraction — is the node's whole CPU printed below
 * minus these.
 */
async function receivePathCpu(packages: Buffer[], o: { trustRoots: string[]; provinceNodeKey: string; provinceNodeCert: string; vpcpAgency: { keyPem: string; certPem: string } }): Promise<void> {
  const steps: Record<string, number[]> = {};
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const step = async <T>(name: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = cpu();
    const r = await f();
    (steps[name] ??= []).push(cpu() - t0);
    return r;
  };
  const limits = { maxPackageBytes: 64 * 1024 * 1024, maxAttachmentBytes: 50 * 1024 * 1024, maxTotalAttachmentBytes: 200 * 1024 * 1024 };
  for (const [i, bytes] of packages.entries()) {
    if (i === 3) for (const k of Object.keys(steps)) steps[k] = []; // warm-up: JIT, pdfjs loaded
    const date = new Date().toISOString();
    const parts = { method: 'POST', path: PACKAGES_PATH, nodeId: 'province', date, recipient: CODES.vpcp, trace: '[]', bodySha256: sha256Hex(bytes) };
    const signature = signRequest(parts, o.provinceNodeKey);
    await step('request: SHA-256 of the body + RSA signature check', () => verifyRequest({ ...parts, bodySha256: sha256Hex(bytes) }, signature, o.provinceNodeCert, { skewMs: 300_000 }));
    await step('key read from the header (peek)', () => peekPackageBytes(bytes));
    const v = await step('package: decode, scan, DOM, XML signature, chain', () => verifyPackageSignature(bytes, { trustRoots: o.trustRoots, includeDocument: true, limits }));
    if (!v.valid || !v.document) throw new Error(v.reason);
    const parsed = await step('parse from the verified DOM (Base64, unzip, SHA-256)', () => parseEdxmlDocument(v.document!, { includeContent: true, limits }));
    const file = parsed.attachments[0]!;
    await step('attachment acceptable as a file (prepareUploads)', () => prepareUploads([{ fileName: file.AttachmentName, bytes: file.content! }], limits.maxAttachmentBytes));
    const report = await step('PDF signatures (verifyPdf)', () => verifyPdf(file.content!, { trustRoots: o.trustRoots }));
    if (report.verdict !== 'valid') throw new Error(report.message);
    const h = (parsed.kind === 'document' && parsed.package.MessageHeader) || null;
    await step('after the receipt: status 01 built and signed', () =>
      signPackage(buildStatusPackage({ MessageHeader: { From: { OrganId: CODES.vpcp, OrganName: 'Văn phòng Chính phủ' }, ResponseFor: { OrganId: CODES.province, DocumentId: h!.DocumentId }, StatusCode: '01', Description: 'Văn bản đã đến.', Timestamp: toEdxmlTimestamp(new Date()) } }), o.vpcpAgency),
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
  let before = 0;
  print(`CPU per package of each step, in process (median of ${packages.length - 3} distinct packages, process.cpuUsage):`);
  for (const [name, xs] of Object.entries(steps)) {
    const m = median(xs);
    if (!name.startsWith('after')) before += m;
    print(`  ${name.padEnd(58)} ${m.toFixed(2).padStart(7)} ms`);
  }
  print(`  before the receipt id, these steps: ${before.toFixed(1)} ms/package — budget for 300 packages/s on 2 cores, everything included: 6.7 ms`);
}

/** CPU (/proc) of each PostgreSQL backend serving one database, by pid. */
async function postgresCpu(ctx: ReturnType<typeof clientContext>, database: string): Promise<Map<number, number>> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = ${database}`.execute(ctx.db);
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      out.set(pid, processCpuMs(pid));
    } catch {
      /* ended meanwhile */
    }
  }
  return out;
}

/** CPU the backends used since `before` (a backend started meanwhile counts whole; one that ended takes its time with it). */
async function postgresCpuSince(ctx: ReturnType<typeof clientContext>, database: string, before: Map<number, number>): Promise<number> {
  let total = 0;
  for (const [pid, ms] of await postgresCpu(ctx, database)) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** user + system CPU of a process (or of one of its threads, `tid`) in ms (Linux /proc). */
function processCpuMs(pid: number, tid?: number): number {
  const f = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Until the node has nothing left of what arrived: packages processed, texts extracted, receipts sent. */
async function waitIdle(ctx: ReturnType<typeof clientContext>): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const inbox = await ctx.db.selectFrom('axisInbox').select('id').where('state', 'in', ['stored', 'processing']).limit(1).execute();
    const texts = await ctx.db.selectFrom('documentFile').select('id').where('textStatus', '=', 'pending').limit(1).execute();
    const outbox = await ctx.db.selectFrom('axisOutbox').select('id').where('state', '=', 'pending').limit(1).execute();
    if (!inbox.length && !texts.length && !outbox.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runAxisBench();
  process.exit(0);
}
