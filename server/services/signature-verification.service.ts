// Stored verification of every PDF that arrives (upload, axis) or is signed here (issue 4 item 7):
// computed by the `signing.verify` job, shown on the document page with one verdict.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../app-context.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../domain/actor.ts';
import { verifyPdf } from '../signing/index.ts';
import { signingRepository } from '../repositories/signing.repository.ts';
import { loadVisibleDocument } from './document-access.ts';

const SAMPLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../certs-sample');

/**
 * Trust roots: the configured PEM files; in development and test only, the sample root when none is
 * configured (the sample PKI is test material and never trusted in production: DOMAIN.md §4).
 */
export async function trustRoots(ctx: AppContext): Promise<Buffer[]> {
  const paths = ctx.config.trustRoots.length ? ctx.config.trustRoots : ctx.config.env === 'production' ? [] : [path.join(SAMPLE_DIR, 'root-ca.pem')];
  return Promise.all(paths.map((p) => readFile(p)));
}

/** CRLs used when signing and verifying: the sample CRL in development and test (production: none configured yet). */
export async function signingCrls(ctx: AppContext): Promise<Buffer[]> {
  // Configured CRLs (CRL_FILES) in every environment; the sample CA's CRL only outside production.
  const configured = await Promise.all(ctx.config.crlFiles.map((f) => readFile(f)));
  if (ctx.config.env === 'production') return configured;
  return [...configured, await readFile(path.join(SAMPLE_DIR, 'crl/issuing-ca.crl')).catch(() => Buffer.alloc(0))].filter((b) => b.length > 0);
}

/** Verifies one stored PDF and stores the verdict. Runs in the worker (hashing, chain building). */
export async function verifyStoredFile(ctx: AppContext, fileId: string): Promise<void> {
  const file = await signingRepository.file(ctx.db, fileId);
  if (!file || file.contentType !== 'application/pdf') return;
  const bytes = await ctx.blobs.get(file.blobSha256);
  try {
    const report = await verifyPdf(bytes, { trustRoots: await trustRoots(ctx), crls: await signingCrls(ctx), ocsp: ctx.config.ocsp });
    await signingRepository.saveVerification(ctx.db, fileId, { verdict: report.verdict, message: report.message, signatures: report.signatures });
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    await signingRepository.saveVerification(ctx.db, fileId, { verdict: 'error', message: e.message, signatures: [] });
  }
}

const VERDICT_LABEL: Record<string, string> = { valid: 'Chữ ký số hợp lệ', invalid: 'Chữ ký số không hợp lệ', unsigned: 'Chưa ký số', error: 'Không kiểm tra được' };

interface StoredSignature {
  fieldName?: string;
  signerName?: string;
  organization?: string;
  signingTime?: string;
  timestamped?: boolean;
  valid?: boolean;
  problems?: string[];
  modificationsAfter?: string;
  revoked?: boolean | null;
  revocationSource?: string;
  revocationNote?: string;
}

const MODIFICATIONS: Record<string, string> = { none: 'không thay đổi sau khi ký', annotations_or_forms: 'chỉ thêm chú thích/trường biểu mẫu sau khi ký', content: 'nội dung bị thay đổi sau khi ký' };

/** The revocation line of one stored signature (verdicts stored before OCSP have no source). */
export function revocationLabel(s: Pick<StoredSignature, 'revoked' | 'revocationSource' | 'revocationNote'>): string {
  const via = s.revocationSource === 'ocsp' ? 'OCSP' : s.revocationSource === 'crl' ? 'CRL' : '';
  if (s.revoked === true) return `đã bị thu hồi${via ? ` (theo ${via})` : ''}`;
  if (s.revoked === false) return `chưa bị thu hồi${via ? ` (kiểm tra qua ${via})` : ''}`;
  return s.revocationNote ? `chưa kiểm tra được: ${s.revocationNote}` : 'chưa kiểm tra (không có CRL hay OCSP của đơn vị cấp)';
}

/** The verdicts of a document's PDFs for the page (JSON for signing-status.js). */
export async function documentVerifications(ctx: AppContext, actor: Actor, documentId: string) {
  await loadVisibleDocument(ctx.db, actor, documentId);
  const rows = await signingRepository.verificationsForDocument(ctx.db, documentId);
  return rows.map((r) => ({
    fileId: r.fileId,
    fileName: r.fileName,
    verdict: r.status === 'done' ? r.verdict : 'pending',
    label: r.status === 'done' ? VERDICT_LABEL[r.verdict ?? 'error'] : 'Đang kiểm tra chữ ký số…',
    message: r.message,
    verifiedAt: r.verifiedAt,
    signatures: ((r.signatures ?? []) as StoredSignature[]).map((s) => ({
      signer: [s.signerName, s.organization].filter(Boolean).join(' — ') || s.fieldName || '',
      time: s.signingTime ?? '',
      timestamped: !!s.timestamped,
      valid: !!s.valid,
      problems: s.problems ?? [],
      changes: MODIFICATIONS[String(s.modificationsAfter)] ?? '',
      revocation: revocationLabel(s),
    })),
  }));
}
