// edXML throughput: build + sign and parse + verify of a document package carrying one 200 KB
// PDF-sized attachment (incompressible bytes, like a PDF's image and font streams).
// Standalone: npx tsx bench/edxml.bench.ts
import { generateKeyPairSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import forge from 'node-forge';
import {
  buildDocumentPackage,
  parseEdxml,
  signPackage,
  verifyPackageSignature,
  type DocumentPackageInput,
} from '../server/axis/edxml/index.ts';

function throwawayIdentity(): { keyPem: string; certPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const name = [{ shortName: 'CN', value: 'Bench agency' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { keyPem: privateKey, certPem: forge.pki.certificateToPem(cert) };
}

function pdfLike(size: number): Buffer {
  const out = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  out.write('%PDF-1.7\n', 0);
  return out;
}

function model(pdf: Buffer): DocumentPackageInput {
  return {
    MessageHeader: {
      From: { OrganId: '000.00.00.H41', OrganName: 'UBND Tỉnh Nghệ An' },
      To: [{ OrganId: '000.00.00.G22', OrganName: 'Văn phòng Chính phủ' }],
      Code: { CodeNumber: '15', CodeNotation: 'QĐ-UBND' },
      PromulgationInfo: { Place: 'Nghệ An', PromulgationDate: '2026/11/27' },
      DocumentType: { Type: 1, TypeName: 'Quyết định' },
      Subject: 'Về việc phê duyệt kế hoạch chuyển đổi số năm 2027',
      OtherInfo: { Priority: 0, PageAmount: 4 },
    },
    TraceHeaderList: {
      TraceHeader: [{ OrganId: '000.00.00.H41', Timestamp: '2026/11/27 09:14:03' }],
      Bussiness: { BussinessDocType: 0, BussinessDocReason: 'Văn bản điện tử mới', Paper: 0 },
    },
    Attachments: [{ AttachmentName: '15_QĐ-UBND.pdf', Content: pdf }],
  };
}

async function rate(label: string, seconds: number, op: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await op(); // warm-up
  let n = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  while (performance.now() < deadline) {
    await op();
    n++;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const perSecond = n / elapsed;
  process.stdout.write(`${label.padEnd(34)} ${perSecond.toFixed(1).padStart(8)} gói/s  (${n} gói, ${((elapsed / n) * 1000).toFixed(1)} ms/gói)\n`);
  return perSecond;
}

export async function runEdxmlBench(): Promise<void> {
  const id = throwawayIdentity();
  const m = model(pdfLike(200 * 1024));
  const sample = signPackage(await buildDocumentPackage(m), id);
  process.stdout.write(`edXML: gói có 1 tệp PDF 200 KB, gói đã ký ${(Buffer.byteLength(sample) / 1024).toFixed(0)} KB\n`);
  await rate('build (zip + Base64)', 2, () => buildDocumentPackage(m));
  await rate('build + sign (RSA-2048, SHA-256)', 3, async () => signPackage(await buildDocumentPackage(m), id));
  const bytes = Buffer.from(sample);
  await rate('parse (unzip + SHA-256)', 2, () => parseEdxml(bytes));
  await rate('parse + verify', 3, async () => {
    await parseEdxml(bytes);
    const r = verifyPackageSignature(bytes);
    if (!r.valid) throw new Error(r.reason);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runEdxmlBench();
}
