// `vanthu certs sample`, `vanthu sign`, `vanthu stamp-number`, `vanthu verify`: the signing module
// from the command line. Passphrases come from an environment variable (never argv, which `ps` shows).
import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { AppError } from '../../errors.ts';

// The signing stack (pdf-lib, pdfjs, pkijs, fontkit) loads only when a signing command runs, so the
// other `vanthu` commands start without it; each command loads only the modules it uses (the
// sample-PKI generator and its node-forge stay out of `sign` and `verify`).
const operations = () => import('../../signing/operations.ts');
const keys = () => import('../../signing/key-source.ts');
const verifier = () => import('../../signing/verify.ts');
const samplePki = () => import('../../signing/sample-pki.ts');
const images = () => import('../../signing/sample-images.ts');
const pki = () => import('../../signing/pki-util.ts');

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const out = (s: string) => process.stdout.write(s);
const collect = (v: string, prev: string[]) => [...prev, v];

function readInput(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new AppError('not_found', `Không đọc được tệp ${path}`);
  }
}

/** Write to a temporary name then rename, so a failed run never leaves a half-written PDF. */
function writeAtomically(path: string, ...parts: Uint8Array[]): void {
  const tmp = join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (const p of parts) for (let done = 0; done < p.length; ) done += writeSync(fd, p, done, p.length - done);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function registerSigningCommands(program: Command): void {
  const certs = program.command('certs').description('Chứng thư số');
  certs
    .command('sample')
    .description('Tạo bộ chứng thư số THỬ NGHIỆM (không dùng cho thực tế)')
    .option('--out <dir>', 'thư mục đích', join(repoRoot, 'certs-sample'))
    .action(async (o: { out: string }) => {
      const { generateSamplePki } = await samplePki();
      const manifest = await generateSamplePki(resolve(o.out));
      out(`Đã tạo PKI thử nghiệm (${manifest.entries.length} chứng thư) tại ${resolve(o.out)}\nMật khẩu PKCS#12 (chỉ để thử): ${manifest.passphrase}\n`);
    });

  program
    .command('sign')
    .description('Ký số văn bản PDF (lãnh đạo, cơ quan, tài liệu kèm theo)')
    .requiredOption('--in <file>', 'tệp PDF vào')
    .requiredOption('--out <file>', 'tệp PDF ra')
    .requiredOption('--p12 <file>', 'tệp PKCS#12 (.p12/.pfx)')
    .requiredOption('--passphrase-env <VAR>', 'tên biến môi trường chứa mật khẩu PKCS#12')
    .requiredOption('--as <role>', 'leader | agency | attachment')
    .option('--position <text>', 'chức vụ (dòng trên chữ ký)', 'CHỦ TỊCH')
    .option('--name <text>', 'họ tên người ký như in trong văn bản (mặc định: tên trong chứng thư)')
    .option('--image <png>', 'ảnh chữ ký (lãnh đạo) hoặc con dấu (cơ quan); mặc định vẽ từ chứng thư')
    .option('--number <text>', 'số, ký hiệu (cơ quan: ghi số trước khi đóng dấu; kèm theo: ký hiệu văn bản chính)')
    .option('--date <YYYY-MM-DD>', 'ngày ban hành (cùng --number)')
    .option('--place <text>', 'địa danh trên dòng ngày tháng')
    .option('--notation <text>', 'số ký hiệu văn bản chính (tài liệu kèm theo)')
    .option('--tsa <url>', 'máy chủ dấu thời gian RFC 3161 (PAdES B-T)')
    .option('--crl <file>', 'CRL của đơn vị cấp: từ chối ký nếu chứng thư đã bị thu hồi (lặp lại được)', collect, [] as string[])
    .action(async (o: Record<string, string | undefined> & { crl: string[] }) => {
      const [{ signAsAgency, signAsLeader, signAttachment, stampNumber }, { loadPkcs12 }] = await Promise.all([operations(), keys()]);
      const { parseCertificate, readName } = await pki();
      const passphrase = process.env[o.passphraseEnv!];
      if (passphrase === undefined) throw new AppError('validation', `Biến môi trường ${o.passphraseEnv} chưa được đặt`);
      const key = await loadPkcs12(readInput(o.p12!), passphrase);
      const input = readInput(o.in!);
      const chain = await key.certificateChain();
      const subject = readName(parseCertificate(chain[0]!).subject);
      const image = o.image ? readInput(o.image) : undefined;
      const crls = o.crl.map(readInput);
      let result;
      if (o.as === 'leader') {
        result = await signAsLeader(input, key, {
          position: o.position!,
          signerName: o.name,
          signatureImage: image ?? (await images()).drawSignaturePng(o.name ?? subject.commonName ?? ''),
          tsaUrl: o.tsa,
          crls,
        });
      } else if (o.as === 'agency') {
        let pdf: Uint8Array = input;
        if (o.number) {
          if (!o.date) throw new AppError('validation', 'Cần --date khi ghi số (--number)');
          pdf = await stampNumber(pdf, { number: o.number, date: o.date, place: o.place });
        }
        result = await signAsAgency(pdf, key, { sealImage: image ?? (await images()).drawSealPng(subject.organization ?? subject.commonName ?? ''), tsaUrl: o.tsa, crls });
      } else if (o.as === 'attachment') {
        const notation = o.notation ?? o.number;
        if (!notation) throw new AppError('validation', 'Cần --notation (số ký hiệu văn bản chính) khi ký tài liệu kèm theo');
        result = await signAttachment(input, key, { notation, tsaUrl: o.tsa, crls });
      } else {
        throw new AppError('validation', '--as phải là leader, agency hoặc attachment');
      }
      // The input untouched, then the appended update: no copy of a large file in memory.
      writeAtomically(o.out!, ...result.parts);
      out(`Đã ký: ${o.out} (trường ${result.fieldName}${result.timestamped ? ', có dấu thời gian' : ''})\n`);
    });

  program
    .command('stamp-number')
    .description('Ghi số, ký hiệu và ngày tháng vào văn bản đã được lãnh đạo ký (giữ nguyên chữ ký)')
    .requiredOption('--in <file>', 'tệp PDF vào')
    .requiredOption('--out <file>', 'tệp PDF ra')
    .requiredOption('--number <text>', 'số, ký hiệu, ví dụ 15/QĐ-UBND')
    .requiredOption('--date <YYYY-MM-DD>', 'ngày ban hành')
    .option('--place <text>', 'địa danh, ví dụ "Nghệ An"')
    .action(async (o: { in: string; out: string; number: string; date: string; place?: string }) => {
      const { stampNumber } = await operations();
      const pdf = await stampNumber(readInput(o.in), { number: o.number, date: o.date, place: o.place });
      writeAtomically(o.out, pdf);
      out(`Đã ghi số ${o.number}: ${o.out}\n`);
    });

  program
    .command('verify')
    .description('Kiểm tra chữ ký số trong tệp PDF (mã thoát 0 khi mọi chữ ký hợp lệ)')
    .requiredOption('--in <file>', 'tệp PDF')
    .option('--trust <pem>', 'chứng thư gốc tin cậy (lặp lại được)', collect, [] as string[])
    .option('--crl <file>', 'danh sách thu hồi CRL (lặp lại được)', collect, [] as string[])
    .option('--no-ocsp', 'không hỏi máy chủ OCSP khi không có CRL của đơn vị cấp')
    .option('--ocsp-timeout <ms>', 'thời gian chờ máy chủ OCSP (mili giây)', '5000')
    .option('--json', 'in JSON: mỗi chữ ký một dòng, dòng cuối là kết luận')
    .action(async (o: { in: string; trust: string[]; crl: string[]; ocsp: boolean; ocspTimeout: string; json?: boolean }) => {
      const timeoutMs = Number(o.ocspTimeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 60000) throw new AppError('validation', '--ocsp-timeout phải là số nguyên từ 100 đến 60000 (mili giây)');
      const { verifyPdf } = await verifier();
      const report = await verifyPdf(readInput(o.in), { trustRoots: o.trust.map(readInput), crls: o.crl.map(readInput), ocsp: { enabled: o.ocsp, timeoutMs } });
      if (o.json) {
        for (const s of report.signatures) out(`${JSON.stringify(s)}\n`);
        out(`${JSON.stringify({ verdict: report.verdict, message: report.message, count: report.signatures.length })}\n`);
      } else {
        report.signatures.forEach((s, i) => {
          out(`#${i + 1} ${s.signerName}${s.organization && s.organization !== s.signerName ? ` (${s.organization})` : ''} — ${s.signingTime ?? '?'}: ${s.valid ? 'HỢP LỆ' : 'KHÔNG HỢP LỆ'}${s.problems.length ? ` — ${s.problems.join('; ')}` : ''}${s.revocationNote ? ` (chưa kiểm tra được thu hồi: ${s.revocationNote})` : ''}\n`);
        });
        out(`${report.message}\n`);
      }
      process.exitCode = report.verdict === 'valid' ? 0 : 1;
    });
}
