// Upload check under load (issue 8 item 2): 50 concurrent 2 MB PDF uploads must not take a GB of
// memory in the web process, and no hostile file may pin a core. Figures: resident-memory growth
// (peak RSS sampled every 10 ms, minus RSS before), CPU time per check (process.cpuUsage), wall time
// and the load average (wall figures are noisy on a shared 2-core machine; CPU time is not).
// Run: npx tsx bench/run.ts upload-check
import { loadavg } from 'node:os';
import { PDFDocument } from '@cantoo/pdf-lib';
import jpeg from 'jpeg-js';
import { checkUpload, PDF_CHECK_TIME_LIMIT_MS, uploadCheckSlots } from '../server/files/upload-check.ts';
import { hostileUploads } from '../scripts/gen-hostile-corpus.ts';

const print = (s: string) => process.stdout.write(`${s}\n`);
const MB = 1024 * 1024;
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** A one-page "scan": a JPEG of noise (incompressible, like a real scan) in a PDF of about 2 MB. */
async function scannedPdf(targetBytes: number): Promise<Buffer> {
  let side = 1100;
  for (;;) {
    const data = Buffer.alloc(side * side * 4);
    let x = 12345;
    for (let i = 0; i < data.length; i++) data[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    const jpg = jpeg.encode({ data, width: side, height: side }, 90).data;
    const doc = await PDFDocument.create();
    const img = await doc.embedJpg(jpg);
    const page = doc.addPage([595.28, 841.89]);
    page.drawImage(img, { x: 0, y: 0, width: 595.28, height: 841.89 });
    const pdf = Buffer.from(await doc.save());
    if (pdf.length >= targetBytes) return pdf;
    side = Math.ceil(side * Math.sqrt(targetBytes / pdf.length) * 1.02);
  }
}

export async function runUploadCheckBench(): Promise<void> {
  const pdf = await scannedPdf(2 * MB);
  await checkUpload(pdf, 'warm-up.pdf'); // loads pdfjs once, as a running server has
  const uploads = Array.from({ length: 50 }, () => Buffer.from(pdf)); // 50 distinct request bodies
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const results = await Promise.all(uploads.map((b, i) => checkUpload(b, `scan-${i}.pdf`)));
  const wall = performance.now() - t0;
  const cpu = cpuMs(process.cpuUsage(cpu0));
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const grown = (peak - rssBefore) / MB;
  print(`50 concurrent uploads of a ${(pdf.length / MB).toFixed(2)} MB scanned PDF, ${uploadCheckSlots.limit} checks at a time: all accepted = ${results.every((r) => r.pageCount === 1)}`);
  print(`  resident memory growth (peak): ${grown.toFixed(0)} MB   target < 1024 MB (50 × 2 MB must not take a GB)   ${grown < 1024 ? 'MET' : 'NOT MET'}`);
  print(`  CPU per check: ${(cpu / 50).toFixed(1)} ms   total CPU ${cpu.toFixed(0)} ms   wall ${wall.toFixed(0)} ms   load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  // Hostile corpus: every file refused, none allowed to pin a core (CPU per file vs. the time limit).
  const hostile = await hostileUploads();
  let worst = { name: '', ms: 0 };
  let total = 0;
  let accepted = 0;
  for (const u of hostile) {
    const c0 = process.cpuUsage();
    await checkUpload(u.bytes, u.name).then(() => accepted++, () => undefined);
    const ms = cpuMs(process.cpuUsage(c0));
    total += ms;
    if (ms > worst.ms) worst = { name: u.name, ms };
  }
  print(`${hostile.length} hostile uploads: ${hostile.length - accepted} refused, ${accepted} accepted (target: 0 accepted)   ${accepted === 0 ? 'MET' : 'NOT MET'}`);
  print(`  CPU per hostile file: mean ${(total / hostile.length).toFixed(1)} ms, worst ${worst.ms.toFixed(0)} ms (${worst.name})   target < ${PDF_CHECK_TIME_LIMIT_MS} ms per file   ${worst.ms < PDF_CHECK_TIME_LIMIT_MS ? 'MET' : 'NOT MET'}   load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}
