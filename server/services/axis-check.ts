// The CPU-bound half of checking an arriving package (issue 5 items 3 and 5): package signature,
// parse from the verified DOM, header fields, metadata, attachments acceptable as files, PDF
// signatures. No database and no I/O, so it runs unchanged in a worker thread (axis-check-pool.ts)
// or in the calling thread; the caller looks the recipient agency up and decides in the order
// below, so every verdict and every status-02 reason is the one the checks in one thread gave.
import { documentTypeByName } from '../domain/document-types.ts';
import { AppError } from '../errors.ts';
import { checkUpload } from '../files/upload-check.ts';
import { parseEdxml, parseEdxmlDate, parseEdxmlDocument, verifyPackageSignature, type ParsedDocumentPackage, type ParsedEdxml, type VerifyPackageResult } from '../axis/edxml/index.ts';
import { verifyPdf } from '../signing/index.ts';
import { parseDocumentMetadata } from './document-input.ts';
import { safeFileName, type PreparedFile } from './file.service.ts';

/** What the checks need from the node configuration (plain data: sent to a worker thread as is). */
export interface ArrivalCheckSettings {
  trustRoots: string[];
  crls: Uint8Array[];
  maxPackageBytes: number;
  maxAttachmentBytes: number;
  verifyPdfSignatures: boolean;
  /** OCSP for the PDF signatures (config OCSP_ENABLED, OCSP_TIMEOUT_MS); verifyPdf's default when absent. */
  ocsp?: { enabled: boolean; timeoutMs: number };
}

/** An attachment that passed the file check; its bytes are in the parsed package. */
export type CheckedAttachment = Omit<PreparedFile, 'bytes'>;

export type ArrivalVerdict =
  /** Hostile or malformed XML refused by the signature check itself (DOCTYPE, depth, size): the AppError. */
  | { kind: 'error'; code: AppError['code']; message: string }
  /** Refused before the recipient agency is looked at (signature, QCVN fields, To). */
  | { kind: 'refused'; reason: string }
  | { kind: 'status'; parsed: ParsedEdxml }
  /** `refusal`: refused by a check that comes after the recipient agency's (metadata, files, PDF signatures). */
  | { kind: 'document'; parsed: ParsedDocumentPackage; files: CheckedAttachment[]; refusal?: string };

const isoDate = (d: string | undefined): string | null => {
  const p = d ? parseEdxmlDate(d) : null;
  return p ? `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}` : null;
};

/** The incoming document's metadata as the package gives it (fields cut to the registry's sizes). */
export function metadataOf(p: ParsedDocumentPackage): Record<string, unknown> {
  const h = p.package.MessageHeader;
  const type = (h.DocumentType?.TypeName && documentTypeByName(h.DocumentType.TypeName)) || null;
  return {
    typeCode: type?.code ?? 'cong_van',
    codeNumber: h.Code.CodeNumber.slice(0, 20),
    codeNotation: h.Code.CodeNotation.slice(0, 60),
    promulgationDate: isoDate(h.PromulgationInfo.PromulgationDate) ?? '',
    place: h.PromulgationInfo.Place ?? '',
    issuerName: (h.From.OrganName ?? h.From.OrganizationInCharge ?? h.From.OrganId).slice(0, 300),
    issuerCode: h.From.OrganId.slice(0, 40),
    subject: h.Subject.slice(0, 500).padEnd(3, '.'),
    content: h.Content?.slice(0, 20000) ?? '',
    signerCompetence: h.SignerInfo?.Competence?.slice(0, 20) ?? '',
    signerFullName: h.SignerInfo?.FullName?.slice(0, 200) ?? '',
    signerPosition: h.SignerInfo?.Position?.slice(0, 200) ?? '',
    urgency: Math.min(3, Math.max(0, Number(h.OtherInfo?.Priority ?? 0) || 0)),
    dueDate: isoDate(h.DueDate) ?? '',
    pageAmount: h.OtherInfo?.PageAmount ?? '',
    promulgationAmount: h.OtherInfo?.PromulgationAmount ?? '',
    externalId: h.DocumentId.slice(0, 200),
  };
}

/**
 * The package as signed: read from the verified DOM (whose canonical form gave the signed digest)
 * or, when the signature needed the general verifier, from the signed canonical text.
 */
export function parseSigned(s: Pick<ArrivalCheckSettings, 'maxPackageBytes' | 'maxAttachmentBytes'>, v: VerifyPackageResult): Promise<ParsedEdxml> {
  const opts = { includeContent: true, limits: { maxPackageBytes: s.maxPackageBytes, maxAttachmentBytes: s.maxAttachmentBytes, maxTotalAttachmentBytes: s.maxAttachmentBytes * 4 } };
  return v.document ? parseEdxmlDocument(v.document, opts) : parseEdxml(v.signedContent!, opts);
}

/**
 * Verdicts on attachment content, by SHA-256: a document released to many agencies of one node
 * (or re-sent, updated, replaced) carries the same files again, and checking a PDF (pdf-lib and
 * pdfjs open it; every CMS signature and chain verified) costs far more than the rest of a
 * package. File checks depend on the bytes only; PDF signature verdicts also on the time and the
 * CRLs, so they are kept for 5 minutes.
 */
class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

export interface ArrivalChecker {
  check(bytes: Uint8Array, recipientCode: string, at: Date): Promise<ArrivalVerdict>;
}

/** One checker per node configuration (its caches hold verdicts under its trust roots and CRLs). */
export function createArrivalChecker(s: ArrivalCheckSettings): ArrivalChecker {
  const fileChecks = new TtlCache<Pick<PreparedFile, 'contentType' | 'pageCount'>>(24 * 3600_000, 2000);
  const pdfVerdicts = new TtlCache<{ verdict: string; message: string }>(5 * 60_000, 500);

  async function check(bytes: Uint8Array, recipientCode: string, at: Date): Promise<ArrivalVerdict> {
    let verdict: VerifyPackageResult;
    try {
      verdict = verifyPackageSignature(bytes, { at, trustRoots: s.trustRoots, includeDocument: true, limits: { maxPackageBytes: s.maxPackageBytes } });
    } catch (e) {
      if (e instanceof AppError) return { kind: 'error', code: e.code, message: e.message };
      throw e;
    }
    if (!verdict.valid || !verdict.trusted || !(verdict.document || verdict.signedContent)) return { kind: 'refused', reason: `Chữ ký số của gói tin không hợp lệ: ${verdict.reason}` };
    let parsed: ParsedEdxml;
    try {
      parsed = await parseSigned(s, verdict);
    } catch (e) {
      return { kind: 'refused', reason: `Gói tin không đúng QCVN 102:2016: ${(e as Error).message}` };
    }
    if (parsed.kind === 'status') {
      const h = parsed.package.MessageHeader;
      if (!h.From?.OrganId || !h.ResponseFor?.DocumentId || !h.StatusCode) return { kind: 'refused', reason: 'Gói tin trạng thái thiếu From, ResponseFor/DocumentId hoặc StatusCode.' };
      return { kind: 'status', parsed };
    }
    const h = parsed.package.MessageHeader;
    const missing = [
      !h.From?.OrganId && 'From/OrganId',
      !h.DocumentId && 'DocumentId',
      !h.Code?.CodeNumber && 'Code/CodeNumber',
      !h.Code?.CodeNotation && 'Code/CodeNotation',
      !h.Subject?.trim() && 'Subject',
      !h.PromulgationInfo?.PromulgationDate && 'PromulgationInfo/PromulgationDate',
    ].filter(Boolean);
    if (missing.length) return { kind: 'refused', reason: `Gói tin thiếu trường bắt buộc: ${missing.join(', ')}.` };
    if (!h.To?.some((t) => t.OrganId === recipientCode)) return { kind: 'refused', reason: `Cơ quan ${recipientCode} không có trong danh sách nơi nhận (To) của gói tin.` };
    // From here on a refusal is reported only if the recipient agency exists here (the caller's check).
    const refused = (refusal: string): ArrivalVerdict => ({ kind: 'document', parsed, files: [], refusal });
    try {
      // The same validation the incoming document will get: refused now rather than after the 01.
      parseDocumentMetadata(metadataOf(parsed));
    } catch (e) {
      return refused(`Thông tin văn bản không hợp lệ: ${(e as Error).message}`);
    }
    const files: CheckedAttachment[] = [];
    for (const f of parsed.attachments) {
      const fileName = safeFileName(f.AttachmentName || f.fileName);
      const key = `${f.sha256}:${s.maxAttachmentBytes}`;
      let checked = fileChecks.get(key);
      if (!checked) {
        try {
          checked = await checkUpload(f.content!, fileName, s.maxAttachmentBytes);
        } catch (e) {
          return refused(`Tệp đính kèm không được chấp nhận: ${(e as Error).message}`);
        }
        fileChecks.set(key, { contentType: checked.contentType, pageCount: checked.pageCount });
      }
      files.push({ fileName, sha256: f.sha256, contentType: checked.contentType, pageCount: checked.pageCount });
    }
    if (s.verifyPdfSignatures) {
      for (const f of parsed.attachments) {
        if (!f.content || f.content.subarray(0, 5).toString('latin1') !== '%PDF-') continue;
        if (!f.content.includes('/ByteRange')) continue; // unsigned PDF: nothing to verify
        let report = pdfVerdicts.get(f.sha256);
        if (!report) {
          const r = await verifyPdf(f.content, { trustRoots: s.trustRoots, crls: s.crls, ocsp: s.ocsp });
          report = { verdict: r.verdict, message: r.message };
          pdfVerdicts.set(f.sha256, report);
        }
        if (report.verdict === 'invalid') return refused(`Chữ ký số trong tệp ${f.AttachmentName} không hợp lệ: ${report.message}`);
      }
    }
    return { kind: 'document', parsed, files };
  }
  return { check };
}
