// Reader for incoming edXML packages (QCVN 102:2016/BTTTT). Tolerant of the quirks real systems send
// (DOMAIN.md §5), each one recorded as a warning, and strict about safety and about the fields
// without which a package cannot be registered: those refuse the package with an AppError.
import type { Document, Element } from '@xmldom/xmldom';
import { AppError } from '../../errors.ts';
import {
  decodeBase64Strict,
  guessContentType,
  unzipFirstFile,
} from './edxml-attachments.ts';
import { normalizeDate, normalizeTimestamp } from './edxml-dates.ts';
import {
  DEFAULT_LIMITS,
  EDXML_NS,
  XLINK_NS,
  XMLDSIG_NS,
  type AttachmentHeader,
  type AttachmentSummary,
  type Bussiness,
  type BussinessDocTypeValue,
  type BussinessDocumentInfo,
  type DocumentMessageHeader,
  type EdxmlLimits,
  type EdxmlWarning,
  type Organization,
  type OtherInfo,
  type ParseOptions,
  type ParsedEdxml,
  type ReplacementInfo,
  type ResponseFor,
  type SignatureInfo,
  type StaffInfo,
  type StatusMessageHeader,
  type TraceHeader,
  type TraceHeaderList,
} from './edxml-model.ts';
import { isStatusCode } from './status-codes.ts';
import { decodePackageText, parseXmlDocument, scanMarkup } from './xml-safety.ts';

const ELEMENT_NODE = 1;

/** Children in the edXML namespace, or in no namespace (some systems drop the prefix). */
function isEdxmlNs(el: Element): boolean {
  return el.namespaceURI === EDXML_NS || el.namespaceURI === null || el.namespaceURI === '';
}

function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === ELEMENT_NODE) out.push(n as Element);
  }
  return out;
}

/** Collects warnings and missing required fields while walking one package. */
class Reader {
  readonly warnings: EdxmlWarning[] = [];
  readonly missing: string[] = [];

  children(el: Element | undefined, name: string): Element[] {
    if (!el) return [];
    return elementChildren(el).filter((c) => c.localName === name && isEdxmlNs(c));
  }

  child(el: Element | undefined, name: string): Element | undefined {
    return this.children(el, name)[0];
  }

  /** `Bussiness…` written as `Business…` by other systems: accepted, with one warning each. */
  childBussiness(el: Element | undefined, name: string, path: string): Element | undefined {
    const found = this.child(el, name);
    if (found) return found;
    const alt = this.child(el, name.replace('Bussiness', 'Business'));
    if (alt) {
      this.warn('business_spelling', `${path}/${name}`, `Phần tử "${alt.localName}" được hiểu là "${name}".`);
    }
    return alt;
  }

  text(el: Element | undefined, name: string): string | undefined {
    const c = this.child(el, name);
    return c ? (c.textContent ?? '').trim() : undefined;
  }

  required(el: Element | undefined, name: string, path: string): string {
    const v = this.text(el, name);
    if (v === undefined || v === '') {
      this.missing.push(`${path}/${name}`);
      return '';
    }
    return v;
  }

  warn(code: EdxmlWarning['code'], path: string, message: string, raw?: string): void {
    this.warnings.push(raw === undefined ? { code, path, message } : { code, path, message, raw });
  }

  date(el: Element | undefined, name: string, path: string, required = false): string | undefined {
    const raw = required ? this.required(el, name, path) : this.text(el, name);
    if (raw === undefined || raw === '') return raw;
    const n = normalizeDate(raw);
    if (n.kind === 'reformatted') {
      this.warn('date_format', `${path}/${name}`, `Ngày "${raw}" không đúng định dạng yyyy/MM/dd; đã chuyển thành ${n.value}.`, raw);
    } else if (n.kind === 'invalid') {
      this.warn('invalid_date', `${path}/${name}`, `Ngày "${raw}" không hợp lệ; giữ nguyên giá trị gốc.`, raw);
    }
    return n.value;
  }

  timestamp(el: Element | undefined, name: string, path: string, required = false): string | undefined {
    const raw = required ? this.required(el, name, path) : this.text(el, name);
    if (raw === undefined || raw === '') return raw;
    const n = normalizeTimestamp(raw);
    if (n.kind === 'reformatted') {
      this.warn('timestamp_format', `${path}/${name}`, `Thời điểm "${raw}" không đúng định dạng yyyy/MM/dd HH:mm:ss; đã chuyển thành ${n.value}.`, raw);
    } else if (n.kind === 'invalid') {
      this.warn('invalid_timestamp', `${path}/${name}`, `Thời điểm "${raw}" không hợp lệ; giữ nguyên giá trị gốc.`, raw);
    }
    return n.value;
  }

  /** Integer field: a non-numeric value is dropped with a warning carrying the raw text. */
  int(el: Element | undefined, name: string, path: string): number | undefined {
    const raw = this.text(el, name);
    if (raw === undefined || raw === '') return undefined;
    if (/^-?\d{1,9}$/.test(raw)) return Number(raw);
    this.warn('non_numeric', `${path}/${name}`, `Giá trị "${raw}" không phải số nguyên; bỏ qua.`, raw);
    return undefined;
  }

  bool(el: Element | undefined, name: string, path: string): boolean | undefined {
    const raw = this.text(el, name);
    if (raw === undefined || raw === '') return undefined;
    const v = raw.toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    this.warn('unexpected_value', `${path}/${name}`, `Giá trị "${raw}" không phải true/false; bỏ qua.`, raw);
    return undefined;
  }
}

/** The date inside a DocumentId (`<OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>`) should be a real date. */
function checkDocumentIdDate(r: Reader, id: string | undefined, path: string): void {
  if (!id) return;
  const date = id.split(',')[1];
  if (date !== undefined && normalizeDate(date).kind !== 'ok') {
    r.warn('invalid_date', path, `Ngày "${date}" trong DocumentId không hợp lệ; giữ nguyên giá trị gốc.`, date);
  }
}

/** Drop undefined members so parsed models compare equal to the models they were built from. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function readOrganization(r: Reader, el: Element | undefined, path: string): Organization {
  return compact({
    OrganId: r.required(el, 'OrganId', path),
    OrganizationInCharge: r.text(el, 'OrganizationInCharge'),
    OrganName: r.text(el, 'OrganName'),
    OrganAdd: r.text(el, 'OrganAdd'),
    Email: r.text(el, 'Email'),
    Telephone: r.text(el, 'Telephone'),
    Fax: r.text(el, 'Fax'),
    Website: r.text(el, 'Website'),
  });
}

function readStaffInfo(r: Reader, el: Element | undefined): StaffInfo | undefined {
  if (!el) return undefined;
  return compact({
    Department: r.text(el, 'Department'),
    Staff: r.text(el, 'Staff'),
    Email: r.text(el, 'Email'),
    Mobile: r.text(el, 'Mobile'),
  });
}

function readOtherInfo(r: Reader, el: Element | undefined): OtherInfo | undefined {
  if (!el) return undefined;
  const p = 'MessageHeader/OtherInfo';
  const appendixes = r.child(el, 'Appendixes');
  return compact({
    Priority: r.int(el, 'Priority', p),
    SphereOfPromulgation: r.text(el, 'SphereOfPromulgation'),
    TyperNotation: r.text(el, 'TyperNotation'),
    PromulgationAmount: r.int(el, 'PromulgationAmount', p),
    PageAmount: r.int(el, 'PageAmount', p),
    Direction: r.bool(el, 'Direction', p),
    Appendixes: appendixes
      ? r.children(appendixes, 'Appendix').map((a) => (a.textContent ?? '').trim())
      : undefined,
  });
}

function readDocumentHeader(r: Reader, mh: Element): DocumentMessageHeader {
  const p = 'MessageHeader';
  const fromEl = r.child(mh, 'From');
  if (!fromEl) r.missing.push(`${p}/From`);
  const toEls = r.children(mh, 'To');
  if (toEls.length === 0) r.missing.push(`${p}/To`);
  const codeEl = r.child(mh, 'Code');
  if (!codeEl) r.missing.push(`${p}/Code`);
  const promEl = r.child(mh, 'PromulgationInfo');
  if (!promEl) r.missing.push(`${p}/PromulgationInfo`);
  const typeEl = r.child(mh, 'DocumentType');
  if (!typeEl) r.missing.push(`${p}/DocumentType`);

  const From = readOrganization(r, fromEl, `${p}/From`);
  const To = toEls.map((t, i) => readOrganization(r, t, `${p}/To[${i + 1}]`));
  const Code = {
    CodeNumber: codeEl ? r.required(codeEl, 'CodeNumber', `${p}/Code`) : '',
    CodeNotation: codeEl ? r.required(codeEl, 'CodeNotation', `${p}/Code`) : '',
  };
  const PromulgationInfo = compact({
    Place: r.text(promEl, 'Place'),
    PromulgationDate: promEl ? r.date(promEl, 'PromulgationDate', `${p}/PromulgationInfo`, true) ?? '' : '',
  });
  let docType = typeEl ? r.int(typeEl, 'Type', `${p}/DocumentType`) : undefined;
  if (typeEl && docType === undefined) {
    r.missing.push(`${p}/DocumentType/Type`);
    docType = 0;
  }
  const DocumentType = compact({
    Type: docType ?? 0,
    TypeDetail: r.int(typeEl, 'TypeDetail', `${p}/DocumentType`),
    TypeName: r.text(typeEl, 'TypeName'),
  });
  const Subject = r.required(mh, 'Subject', p);
  const signerEl = r.child(mh, 'SignerInfo');
  const toPlacesEl = r.child(mh, 'ToPlaces');
  const responseFor = r.children(mh, 'ResponseFor').map(
    (el, i): ResponseFor =>
      compact({
        OrganId: r.required(el, 'OrganId', `${p}/ResponseFor[${i + 1}]`),
        Code: r.text(el, 'Code'),
        PromulgationDate: r.date(el, 'PromulgationDate', `${p}/ResponseFor[${i + 1}]`),
        DocumentId: r.text(el, 'DocumentId'),
      }),
  );

  if (Code.CodeNumber && !/^\d+$/.test(Code.CodeNumber)) {
    r.warn('non_numeric', `${p}/Code/CodeNumber`, `Số văn bản "${Code.CodeNumber}" không phải số; giữ nguyên dạng chữ.`, Code.CodeNumber);
  }
  let DocumentId = r.text(mh, 'DocumentId') ?? '';
  checkDocumentIdDate(r, DocumentId, `${p}/DocumentId`);
  if (DocumentId === '' && From.OrganId && Code.CodeNumber) {
    // QCVN 102:2016 DocumentId = <OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>: derivable from the rest.
    DocumentId = `${From.OrganId},${PromulgationInfo.PromulgationDate},${Code.CodeNumber}/${Code.CodeNotation}`;
    r.warn('missing_document_id', `${p}/DocumentId`, `Thiếu DocumentId; đã tạo từ mã cơ quan, ngày và số ký hiệu: ${DocumentId}.`);
  }

  return compact({
    From,
    To,
    DocumentId,
    Code,
    PromulgationInfo,
    DocumentType,
    Subject,
    Content: r.text(mh, 'Content'),
    SignerInfo: signerEl
      ? compact({
          Competence: r.text(signerEl, 'Competence'),
          Position: r.text(signerEl, 'Position'),
          FullName: r.text(signerEl, 'FullName'),
        })
      : undefined,
    DueDate: r.date(mh, 'DueDate', p),
    OtherInfo: readOtherInfo(r, r.child(mh, 'OtherInfo')),
    ResponseFor: responseFor.length > 0 ? responseFor : undefined,
    SteeringType: r.int(mh, 'SteeringType', p),
    ToPlaces: toPlacesEl ? r.children(toPlacesEl, 'Place').map((e) => (e.textContent ?? '').trim()) : undefined,
  });
}

function readBussiness(r: Reader, el: Element | undefined): Bussiness {
  const p = 'TraceHeaderList/Bussiness';
  if (!el) {
    // Packages from systems predating the 2022 amendment have no Bussiness block: a new document.
    r.warn('unexpected_value', p, 'Thiếu khối Bussiness; coi là văn bản mới (BussinessDocType 0).');
    return { BussinessDocType: 0 };
  }
  const typeEl = r.childBussiness(el, 'BussinessDocType', p);
  const rawType = typeEl ? (typeEl.textContent ?? '').trim() : '';
  let docType: BussinessDocTypeValue = 0;
  if (/^[0-3]$/.test(rawType)) {
    docType = Number(rawType) as BussinessDocTypeValue;
  } else {
    // Revoke/update/replace change what the receiver must do: never guess.
    r.missing.push(`${p}/BussinessDocType`);
  }
  const infoEl = r.childBussiness(el, 'BussinessDocumentInfo', p);
  let info: BussinessDocumentInfo | undefined;
  if (infoEl) {
    const listEl = r.child(infoEl, 'ReceiverList');
    info = compact({
      DocumentInfo: r.int(infoEl, 'DocumentInfo', `${p}/BussinessDocumentInfo`),
      DocumentReceiver: r.int(infoEl, 'DocumentReceiver', `${p}/BussinessDocumentInfo`),
      ReceiverList: listEl
        ? r.children(listEl, 'Receiver').map((rc, i) =>
            compact({
              OrganId: r.required(rc, 'OrganId', `${p}/BussinessDocumentInfo/ReceiverList/Receiver[${i + 1}]`),
              ReceiverType: r.int(rc, 'ReceiverType', `${p}/BussinessDocumentInfo/ReceiverList/Receiver[${i + 1}]`),
            }),
          )
        : undefined,
    });
  }
  const replEl = r.child(el, 'ReplacementInfoList');
  const replacements: ReplacementInfo[] | undefined = replEl
    ? r.children(replEl, 'ReplacementInfo').map((ri, i) => ({
        DocumentId: r.required(ri, 'DocumentId', `${p}/ReplacementInfoList/ReplacementInfo[${i + 1}]`),
        OrganIdList: r
          .children(r.child(ri, 'OrganIdList'), 'OrganId')
          .map((o) => (o.textContent ?? '').trim()),
      }))
    : undefined;
  const reasonEl = r.childBussiness(el, 'BussinessDocReason', p);
  checkDocumentIdDate(r, r.text(el, 'DocumentId'), `${p}/DocumentId`);
  return compact({
    DocumentId: r.text(el, 'DocumentId'),
    BussinessDocType: docType,
    BussinessDocReason: reasonEl ? (reasonEl.textContent ?? '').trim() : undefined,
    Paper: r.int(el, 'Paper', p),
    BussinessDocumentInfo: info,
    ReplacementInfoList: replacements,
    StaffInfo: readStaffInfo(r, r.child(el, 'StaffInfo')),
  });
}

function readTraceHeaderList(r: Reader, el: Element | undefined): TraceHeaderList {
  const TraceHeader: TraceHeader[] = r.children(el, 'TraceHeader').map((t, i) => ({
    OrganId: r.required(t, 'OrganId', `TraceHeaderList/TraceHeader[${i + 1}]`),
    Timestamp: r.timestamp(t, 'Timestamp', `TraceHeaderList/TraceHeader[${i + 1}]`, true) ?? '',
  }));
  return { TraceHeader, Bussiness: readBussiness(r, r.childBussiness(el, 'Bussiness', 'TraceHeaderList')) };
}

function readStatusHeader(r: Reader, mh: Element): StatusMessageHeader {
  const p = 'MessageHeader';
  const fromEl = r.child(mh, 'From');
  if (!fromEl) r.missing.push(`${p}/From`);
  const rfEl = r.child(mh, 'ResponseFor');
  if (!rfEl) r.missing.push(`${p}/ResponseFor`);
  let StatusCode = r.required(mh, 'StatusCode', p);
  if (/^\d$/.test(StatusCode)) {
    r.warn('unexpected_value', `${p}/StatusCode`, `Mã trạng thái "${StatusCode}" thiếu số 0 đứng đầu.`, StatusCode);
    StatusCode = `0${StatusCode}`;
  }
  if (StatusCode && !isStatusCode(StatusCode)) {
    r.warn('unknown_status_code', `${p}/StatusCode`, `Mã trạng thái "${StatusCode}" không có trong QCVN 102:2016.`, StatusCode);
  }
  return compact({
    From: readOrganization(r, fromEl, `${p}/From`),
    ResponseFor: compact({
      OrganId: rfEl ? r.required(rfEl, 'OrganId', `${p}/ResponseFor`) : '',
      Code: r.text(rfEl, 'Code'),
      PromulgationDate: r.date(rfEl, 'PromulgationDate', `${p}/ResponseFor`),
      DocumentId: rfEl ? r.required(rfEl, 'DocumentId', `${p}/ResponseFor`) : '',
    }),
    StaffInfo: readStaffInfo(r, r.child(mh, 'StaffInfo')),
    StatusCode,
    Description: r.text(mh, 'Description'),
    Timestamp: r.timestamp(mh, 'Timestamp', p, true) ?? '',
  });
}

function readManifest(r: Reader, body: Element | undefined): AttachmentHeader[] {
  const manifest = r.child(body, 'edXMLManifest');
  return r.children(manifest, 'Reference').map((ref, i) => {
    let contentId = r.text(ref, 'ContentId');
    if (!contentId) {
      // Older writers link the manifest with xlink:href="cid:…" instead of a ContentId child.
      const href = ref.getAttributeNS(XLINK_NS, 'href') || ref.getAttribute('xlink:href') || ref.getAttribute('href');
      if (href) {
        r.warn('xlink_reference', `edXMLBody/edXMLManifest/Reference[${i + 1}]`, `Tham chiếu tệp đính kèm dạng xlink:href="${href}".`, href);
        contentId = href.trim();
      }
    }
    return compact({
      ContentId: contentId ?? '',
      AttachmentName: r.text(ref, 'AttachmentName') ?? '',
      Description: r.text(ref, 'Description'),
      ContentType: r.text(ref, 'ContentType') ?? ref.getAttribute('ContentType') ?? undefined,
    });
  });
}

function readSignatureInfo(r: Reader, header: Element): SignatureInfo | null {
  const sigs = elementChildren(header).filter((c) => c.localName === 'Signature');
  const sig = sigs.find((s) => s.namespaceURI === XMLDSIG_NS) ?? sigs[0];
  if (!sig) return null;
  const xmldsig = sig.namespaceURI === XMLDSIG_NS;
  const byName = (el: Element | undefined, name: string): Element | undefined =>
    el ? elementChildren(el).find((c) => c.localName === name) : undefined;
  const signedInfo = byName(sig, 'SignedInfo');
  const info: SignatureInfo = compact({
    xmldsig,
    signatureMethod: byName(signedInfo, 'SignatureMethod')?.getAttribute('Algorithm') ?? undefined,
    digestMethod: byName(byName(signedInfo, 'Reference'), 'DigestMethod')?.getAttribute('Algorithm') ?? undefined,
    subjectName: (byName(byName(byName(sig, 'KeyInfo'), 'X509Data'), 'X509SubjectName')?.textContent ?? undefined)?.trim(),
  });
  if (!xmldsig) {
    // The official samples write <Signature> in the edXML default namespace: not a W3C XMLDSig.
    r.warn('legacy_signature', 'edXMLHeader/Signature', 'Chữ ký không thuộc không gian tên XMLDSig; không kiểm tra được theo chuẩn.');
  }
  return info;
}

function refuseMissing(missing: string[]): never {
  throw new AppError(
    'validation',
    `Gói tin edXML thiếu thông tin bắt buộc: ${missing.join(', ')}.`,
    { missing },
  );
}

async function readAttachments(
  r: Reader,
  root: Element,
  limits: EdxmlLimits,
  includeContent: boolean,
): Promise<AttachmentSummary[]> {
  const encoded = r.child(root, 'AttachmentEncoded');
  const items = r.children(encoded, 'Attachment');
  if (items.length > limits.maxAttachments) {
    throw new AppError('too_large', `Gói tin edXML có quá nhiều tệp đính kèm (${items.length}, tối đa ${limits.maxAttachments}).`, {
      count: items.length,
      maxAttachments: limits.maxAttachments,
    });
  }
  const out: AttachmentSummary[] = [];
  let total = 0;
  const seen = new Set<string>();
  for (const [i, att] of items.entries()) {
    const path = `AttachmentEncoded/Attachment[${i + 1}]`;
    const ContentId = r.text(att, 'ContentId') ?? '';
    const AttachmentName = r.text(att, 'AttachmentName') ?? '';
    if (!AttachmentName) r.missing.push(`${path}/AttachmentName`);
    if (!ContentId) r.missing.push(`${path}/ContentId`);
    if (r.missing.length) refuseMissing(r.missing);
    if (seen.has(ContentId)) {
      throw new AppError('validation', `Gói tin edXML có hai tệp đính kèm cùng ContentId "${ContentId}".`, { ContentId });
    }
    seen.add(ContentId);
    const label = AttachmentName;
    const encodedEl = r.child(att, 'ContentTransferEncoded');
    const zipped = decodeBase64Strict(encodedEl?.textContent ?? '', label);
    const remaining = limits.maxTotalAttachmentBytes - total;
    const file = await unzipFirstFile(
      zipped,
      label,
      { maxBytes: Math.min(limits.maxAttachmentBytes, remaining), maxEntries: limits.maxZipEntries },
      includeContent,
    );
    total += file.size;
    if (file.entryCount > 1) {
      r.warn('zip_entries', path, `Tệp nén của "${label}" có ${file.entryCount} mục; chỉ đọc tệp đầu tiên.`);
    }
    const ContentType = r.text(att, 'ContentType');
    const Description = r.text(att, 'Description');
    out.push(
      compact({
        ContentId,
        AttachmentName,
        Description,
        ContentType,
        zippedSize: zipped.length,
        fileName: file.fileName,
        fileContentType:
          guessContentType(AttachmentName) !== 'application/octet-stream'
            ? guessContentType(AttachmentName)
            : guessContentType(file.fileName),
        size: file.size,
        sha256: file.sha256,
        content: file.content,
      }),
    );
  }
  return out;
}

/**
 * Parse an incoming edXML package (document or status). Refusals throw AppError with a Vietnamese
 * message; tolerated irregularities are returned in `warnings`.
 */
export async function parseEdxml(input: Uint8Array | string, opts: ParseOptions = {}): Promise<ParsedEdxml> {
  const limits: EdxmlLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const decoded = decodePackageText(input, limits.maxPackageBytes);
  scanMarkup(decoded.text, limits);
  const doc = parseXmlDocument(decoded.text);
  return readPackage(doc, decoded.warnings, limits, opts);
}

/**
 * Read a package from a document already decoded, scanned and parsed by the safe path (as
 * `verifyPackageSignature(…, { includeDocument: true })` returns it): no second parse.
 */
export async function parseEdxmlDocument(doc: Document, opts: ParseOptions = {}): Promise<ParsedEdxml> {
  return readPackage(doc, [], { ...DEFAULT_LIMITS, ...opts.limits }, opts);
}

async function readPackage(doc: Document, decodedWarnings: EdxmlWarning[], limits: EdxmlLimits, opts: ParseOptions): Promise<ParsedEdxml> {
  const root = doc.documentElement as Element;
  if (root.localName !== 'edXML') {
    throw new AppError('validation', `Không phải gói tin edXML: phần tử gốc là "${root.localName}".`, { root: root.localName });
  }
  if (root.namespaceURI !== EDXML_NS) {
    throw new AppError(
      'validation',
      `Gói tin edXML sai không gian tên: "${root.namespaceURI ?? ''}", phải là "${EDXML_NS}" (QCVN 102:2016).`,
      { namespace: root.namespaceURI },
    );
  }
  const r = new Reader();
  r.warnings.push(...decodedWarnings);
  const envelope = r.child(root, 'edXMLEnvelope');
  const header = r.child(envelope, 'edXMLHeader');
  const mh = r.child(header, 'MessageHeader');
  if (!envelope || !header || !mh) {
    refuseMissing([!envelope ? 'edXMLEnvelope' : !header ? 'edXMLEnvelope/edXMLHeader' : 'edXMLHeader/MessageHeader']);
  }
  const signature = readSignatureInfo(r, header);

  if (r.child(mh, 'StatusCode')) {
    const MessageHeader = readStatusHeader(r, mh);
    if (r.missing.length) refuseMissing(r.missing);
    return { kind: 'status', package: { MessageHeader }, attachments: [], signature, warnings: r.warnings };
  }

  const MessageHeader = readDocumentHeader(r, mh);
  const traceEl = r.child(header, 'TraceHeaderList');
  const TraceHeaderList = readTraceHeaderList(r, traceEl);
  if (r.missing.length) refuseMissing(r.missing);
  const Manifest = readManifest(r, r.child(envelope, 'edXMLBody'));
  const attachments = await readAttachments(r, root, limits, opts.includeContent === true);

  const attachmentIds = new Set(attachments.map((a) => a.ContentId));
  const manifestIds = new Set(Manifest.map((m) => m.ContentId));
  for (const m of Manifest) {
    if (!attachmentIds.has(m.ContentId)) {
      r.warn('manifest_mismatch', 'edXMLBody/edXMLManifest', `Danh mục có "${m.ContentId}" nhưng không có tệp đính kèm tương ứng.`, m.ContentId);
    }
  }
  for (const a of attachments) {
    if (!manifestIds.has(a.ContentId)) {
      r.warn('manifest_mismatch', 'AttachmentEncoded', `Tệp đính kèm "${a.ContentId}" không có trong danh mục.`, a.ContentId);
    }
  }
  return {
    kind: 'document',
    package: { MessageHeader, TraceHeaderList, Manifest },
    attachments,
    signature,
    warnings: r.warnings,
  };
}
