// Writer for outgoing edXML packages (QCVN 102:2016/BTTTT). Strict: every field is validated before
// a byte is written, dates must be real dates in the QCVN format, and our own OrganId must follow the
// 13-character QCVN 102 scheme. Element order and namespace layout follow the official SDK samples
// (shared/corpus/edxml); where the samples disagree with each other the choice is noted inline.
import { AppError } from '../../errors.ts';
import { guessContentType, zipSingleFile } from './edxml-attachments.ts';
import { parseEdxmlDate, parseEdxmlTimestamp } from './edxml-dates.ts';
import {
  EDXML_NS,
  type AttachmentInput,
  type Bussiness,
  type DocumentMessageHeader,
  type DocumentPackageInput,
  type Organization,
  type OtherInfo,
  type StaffInfo,
  type StatusPackageInput,
  type TraceHeaderList,
} from './edxml-model.ts';
import { isStatusCode } from './status-codes.ts';

/** QCVN 102:2016 OrganId: `DDD.CC.BB.Lnn`, level 1 on the right (DOMAIN.md §2). */
export const QCVN102_ORGAN_ID = /^\d{3}\.\d{2}\.\d{2}\.[A-K]\d{2}$/;

// XML 1.0 forbids these characters outright; writing them would make a package nobody can parse.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function escapeXml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** Collects every problem of a model so the caller sees them all at once. */
class Checker {
  readonly errors: string[] = [];

  fail(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }

  text(value: unknown, path: string, { required = false, max = 2000 } = {}): void {
    if (value === undefined || value === null) {
      if (required) this.fail(path, 'bắt buộc');
      return;
    }
    if (typeof value !== 'string') return this.fail(path, 'phải là chuỗi');
    if (required && value.trim() === '') return this.fail(path, 'không được để trống');
    if (value.length > max) this.fail(path, `dài quá ${max} ký tự`);
    if (INVALID_XML_CHARS.test(value)) this.fail(path, 'chứa ký tự điều khiển không hợp lệ trong XML');
  }

  int(value: unknown, path: string, { required = false, min = 0, max = 1_000_000 } = {}): void {
    if (value === undefined || value === null) {
      if (required) this.fail(path, 'bắt buộc');
      return;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `phải là số nguyên từ ${min} đến ${max}`);
    }
  }

  date(value: unknown, path: string, required = false): void {
    this.text(value, path, { required });
    if (typeof value === 'string' && value !== '' && !parseEdxmlDate(value)) {
      this.fail(path, `"${value}" không phải ngày hợp lệ dạng yyyy/MM/dd`);
    }
  }

  timestamp(value: unknown, path: string, required = false): void {
    this.text(value, path, { required });
    if (typeof value === 'string' && value !== '' && !parseEdxmlTimestamp(value)) {
      this.fail(path, `"${value}" không phải thời điểm hợp lệ dạng yyyy/MM/dd HH:mm:ss`);
    }
  }

  /** OrganIds of other agencies are accepted as text (real packages carry `28.22.H17`, `vxp.saas.03`). */
  foreignOrganId(value: unknown, path: string): void {
    this.text(value, path, { required: true, max: 64 });
    if (typeof value === 'string' && /\s/.test(value)) this.fail(path, 'mã định danh không được chứa khoảng trắng');
  }

  ownOrganId(value: unknown, path: string): void {
    this.text(value, path, { required: true, max: 13 });
    if (typeof value === 'string' && value !== '' && !QCVN102_ORGAN_ID.test(value)) {
      this.fail(path, `"${value}" không đúng mã định danh QCVN 102:2016 (DDD.CC.BB.Lnn)`);
    }
  }

  organization(o: Organization | undefined, path: string, own: boolean): void {
    if (!o || typeof o !== 'object') return this.fail(path, 'bắt buộc');
    if (own) this.ownOrganId(o.OrganId, `${path}/OrganId`);
    else this.foreignOrganId(o.OrganId, `${path}/OrganId`);
    for (const k of ['OrganizationInCharge', 'OrganName', 'OrganAdd', 'Email', 'Telephone', 'Fax', 'Website'] as const) {
      this.text(o[k], `${path}/${k}`, { max: 500 });
    }
  }

  staff(s: StaffInfo | undefined, path: string): void {
    if (!s) return;
    for (const k of ['Department', 'Staff', 'Email', 'Mobile'] as const) this.text(s[k], `${path}/${k}`, { max: 500 });
  }

  throwIfAny(what: string): void {
    if (this.errors.length === 0) return;
    throw new AppError('validation', `Dữ liệu ${what} không hợp lệ: ${this.errors.join('; ')}.`, {
      errors: this.errors,
    });
  }
}

/** Minimal pretty XML writer: one element per line, two-space indent, as in the official samples. */
class XmlWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  private pad(): string {
    return '  '.repeat(this.depth);
  }

  open(name: string, attrs = ''): void {
    this.lines.push(`${this.pad()}<${name}${attrs}>`);
    this.depth++;
  }

  close(name: string): void {
    this.depth--;
    this.lines.push(`${this.pad()}</${name}>`);
  }

  /** Leaf element; undefined means "absent", an empty string an empty element. */
  leaf(name: string, value: string | number | boolean | undefined, attrs = ''): void {
    if (value === undefined) return;
    // NFC: Vietnamese must reach the receiver precomposed (TCVN 6909:2001 text, as in the samples).
    // Line ends as LF: XML parsers turn CR LF into LF anyway, so a CR would not survive the trip.
    const text =
      typeof value === 'string' ? escapeXml(value.normalize('NFC').replace(/\r\n?/g, '\n').trim()) : String(value);
    this.lines.push(`${this.pad()}<${name}${attrs}>${text}</${name}>`);
  }

  raw(line: string): void {
    this.lines.push(`${this.pad()}${line}`);
  }

  toString(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n${this.lines.join('\n')}\n`;
  }
}

const E = (name: string): string => `edXML:${name}`;

// Organisation children. Document samples write OrganizationInCharge before OrganName, status samples
// the reverse; each package kind keeps the order of its own samples.
const ORG_ORDER_DOCUMENT = ['OrganId', 'OrganizationInCharge', 'OrganName', 'OrganAdd', 'Email', 'Telephone', 'Fax', 'Website'] as const;
const ORG_ORDER_STATUS = ['OrganId', 'OrganName', 'OrganizationInCharge', 'OrganAdd', 'Email', 'Telephone', 'Fax', 'Website'] as const;
// StaffInfo: Email before Mobile inside Bussiness, Mobile before Email in status packages (samples).
const STAFF_ORDER_BUSSINESS = ['Department', 'Staff', 'Email', 'Mobile'] as const;
const STAFF_ORDER_STATUS = ['Department', 'Staff', 'Mobile', 'Email'] as const;

function writeOrganization(w: XmlWriter, tag: string, o: Organization, order: readonly (keyof Organization)[]): void {
  w.open(E(tag));
  for (const k of order) w.leaf(E(k), o[k]);
  w.close(E(tag));
}

function writeStaff(w: XmlWriter, s: StaffInfo | undefined, order: readonly (keyof StaffInfo)[]): void {
  if (!s) return;
  w.open(E('StaffInfo'));
  for (const k of order) w.leaf(E(k), s[k]);
  w.close(E('StaffInfo'));
}

function writeOtherInfo(w: XmlWriter, o: OtherInfo | undefined): void {
  if (!o) return;
  w.open(E('OtherInfo'));
  w.leaf(E('Priority'), o.Priority);
  w.leaf(E('SphereOfPromulgation'), o.SphereOfPromulgation);
  w.leaf(E('TyperNotation'), o.TyperNotation);
  w.leaf(E('PromulgationAmount'), o.PromulgationAmount);
  w.leaf(E('PageAmount'), o.PageAmount);
  w.leaf(E('Direction'), o.Direction);
  if (o.Appendixes) {
    w.open(E('Appendixes'));
    for (const a of o.Appendixes) w.leaf(E('Appendix'), a);
    w.close(E('Appendixes'));
  }
  w.close(E('OtherInfo'));
}

function writeBussiness(w: XmlWriter, b: Bussiness): void {
  // Order of the official samples: DocumentId, BussinessDocType, BussinessDocReason, Paper,
  // BussinessDocumentInfo (update) / ReplacementInfoList (replace), StaffInfo.
  w.open(E('Bussiness'));
  w.leaf(E('DocumentId'), b.DocumentId);
  w.leaf(E('BussinessDocType'), b.BussinessDocType);
  w.leaf(E('BussinessDocReason'), b.BussinessDocReason);
  w.leaf(E('Paper'), b.Paper);
  const info = b.BussinessDocumentInfo;
  if (info) {
    w.open(E('BussinessDocumentInfo'));
    w.leaf(E('DocumentInfo'), info.DocumentInfo);
    w.leaf(E('DocumentReceiver'), info.DocumentReceiver);
    if (info.ReceiverList) {
      w.open(E('ReceiverList'));
      for (const r of info.ReceiverList) {
        w.open(E('Receiver'));
        w.leaf(E('OrganId'), r.OrganId);
        w.leaf(E('ReceiverType'), r.ReceiverType);
        w.close(E('Receiver'));
      }
      w.close(E('ReceiverList'));
    }
    w.close(E('BussinessDocumentInfo'));
  }
  if (b.ReplacementInfoList) {
    w.open(E('ReplacementInfoList'));
    for (const ri of b.ReplacementInfoList) {
      w.open(E('ReplacementInfo'));
      w.leaf(E('DocumentId'), ri.DocumentId);
      w.open(E('OrganIdList'));
      for (const id of ri.OrganIdList) w.leaf(E('OrganId'), id);
      w.close(E('OrganIdList'));
      w.close(E('ReplacementInfo'));
    }
    w.close(E('ReplacementInfoList'));
  }
  writeStaff(w, b.StaffInfo, STAFF_ORDER_BUSSINESS);
  w.close(E('Bussiness'));
}

function writeTraceHeaderList(w: XmlWriter, t: TraceHeaderList): void {
  w.open(E('TraceHeaderList'));
  for (const h of t.TraceHeader) {
    w.open(E('TraceHeader'));
    w.leaf(E('OrganId'), h.OrganId);
    w.leaf(E('Timestamp'), h.Timestamp);
    w.close(E('TraceHeader'));
  }
  writeBussiness(w, t.Bussiness);
  w.close(E('TraceHeaderList'));
}

function writeDocumentHeader(w: XmlWriter, h: DocumentMessageHeader): void {
  // Order of the official samples (edoc_*.edxml): …, DueDate, OtherInfo, ResponseFor*, SteeringType,
  // ToPlaces. (DOMAIN.md lists ToPlaces earlier; the SDK's own packages are the reference here.)
  w.open(E('MessageHeader'));
  writeOrganization(w, 'From', h.From, ORG_ORDER_DOCUMENT);
  for (const to of h.To) writeOrganization(w, 'To', to, ORG_ORDER_DOCUMENT);
  w.leaf(E('DocumentId'), h.DocumentId);
  w.open(E('Code'));
  w.leaf(E('CodeNumber'), h.Code.CodeNumber);
  w.leaf(E('CodeNotation'), h.Code.CodeNotation);
  w.close(E('Code'));
  w.open(E('PromulgationInfo'));
  w.leaf(E('Place'), h.PromulgationInfo.Place);
  w.leaf(E('PromulgationDate'), h.PromulgationInfo.PromulgationDate);
  w.close(E('PromulgationInfo'));
  w.open(E('DocumentType'));
  w.leaf(E('Type'), h.DocumentType.Type);
  w.leaf(E('TypeDetail'), h.DocumentType.TypeDetail);
  w.leaf(E('TypeName'), h.DocumentType.TypeName);
  w.close(E('DocumentType'));
  w.leaf(E('Subject'), h.Subject);
  w.leaf(E('Content'), h.Content);
  if (h.SignerInfo) {
    w.open(E('SignerInfo'));
    w.leaf(E('Competence'), h.SignerInfo.Competence);
    w.leaf(E('Position'), h.SignerInfo.Position);
    w.leaf(E('FullName'), h.SignerInfo.FullName);
    w.close(E('SignerInfo'));
  }
  w.leaf(E('DueDate'), h.DueDate);
  writeOtherInfo(w, h.OtherInfo);
  for (const rf of h.ResponseFor ?? []) {
    // ResponseFor children in the order of DOMAIN.md and the status samples (the one document
    // sample puts DocumentId before PromulgationDate; readers accept either).
    w.open(E('ResponseFor'));
    w.leaf(E('OrganId'), rf.OrganId);
    w.leaf(E('Code'), rf.Code);
    w.leaf(E('PromulgationDate'), rf.PromulgationDate);
    w.leaf(E('DocumentId'), rf.DocumentId);
    w.close(E('ResponseFor'));
  }
  w.leaf(E('SteeringType'), h.SteeringType);
  if (h.ToPlaces) {
    w.open(E('ToPlaces'));
    for (const p of h.ToPlaces) w.leaf(E('Place'), p);
    w.close(E('ToPlaces'));
  }
  w.close(E('MessageHeader'));
}

function openEnvelope(w: XmlWriter): void {
  // Namespace layout of the official samples: default namespace on the root, the edXML prefix
  // declared on the envelope.
  w.open('edXML', ` xmlns="${EDXML_NS}"`);
  w.open(E('edXMLEnvelope'), ` xmlns:edXML="${EDXML_NS}"`);
  w.open(E('edXMLHeader'));
}

/** `<OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>` (QCVN 102:2016 DocumentId). */
export function makeDocumentId(organId: string, promulgationDate: string, codeNumber: string, codeNotation: string): string {
  return `${organId},${promulgationDate},${codeNumber}/${codeNotation}`;
}

function checkDocument(model: DocumentPackageInput): void {
  const c = new Checker();
  const h = model?.MessageHeader;
  if (!h) {
    c.fail('MessageHeader', 'bắt buộc');
    return c.throwIfAny('gói tin văn bản edXML');
  }
  const p = 'MessageHeader';
  c.organization(h.From, `${p}/From`, true);
  if (!Array.isArray(h.To) || h.To.length === 0) c.fail(`${p}/To`, 'cần ít nhất một nơi nhận');
  else h.To.forEach((to, i) => c.organization(to, `${p}/To[${i + 1}]`, false));
  if (!h.Code) c.fail(`${p}/Code`, 'bắt buộc');
  else {
    c.text(h.Code.CodeNumber, `${p}/Code/CodeNumber`, { required: true, max: 20 });
    // Decree 30/2020 Art. 15: the number is an Arabic numeral; letters are only tolerated on input.
    if (typeof h.Code.CodeNumber === 'string' && h.Code.CodeNumber !== '' && !/^\d+$/.test(h.Code.CodeNumber)) {
      c.fail(`${p}/Code/CodeNumber`, `"${h.Code.CodeNumber}" phải là số`);
    }
    c.text(h.Code.CodeNotation, `${p}/Code/CodeNotation`, { required: true, max: 100 });
  }
  if (!h.PromulgationInfo) c.fail(`${p}/PromulgationInfo`, 'bắt buộc');
  else {
    c.text(h.PromulgationInfo.Place, `${p}/PromulgationInfo/Place`, { max: 200 });
    c.date(h.PromulgationInfo.PromulgationDate, `${p}/PromulgationInfo/PromulgationDate`, true);
  }
  if (!h.DocumentType) c.fail(`${p}/DocumentType`, 'bắt buộc');
  else {
    c.int(h.DocumentType.Type, `${p}/DocumentType/Type`, { required: true });
    c.int(h.DocumentType.TypeDetail, `${p}/DocumentType/TypeDetail`);
    c.text(h.DocumentType.TypeName, `${p}/DocumentType/TypeName`, { max: 200 });
  }
  if (h.DocumentId !== undefined) {
    c.text(h.DocumentId, `${p}/DocumentId`, { required: true, max: 200 });
    if (typeof h.DocumentId === 'string' && !/^[^,\s]+,\d{4}\/\d{2}\/\d{2},.+$/.test(h.DocumentId)) {
      c.fail(`${p}/DocumentId`, 'phải có dạng <OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>');
    }
  }
  c.text(h.Subject, `${p}/Subject`, { required: true, max: 500 });
  c.text(h.Content, `${p}/Content`, { max: 100_000 });
  if (h.SignerInfo) {
    for (const k of ['Competence', 'Position', 'FullName'] as const) c.text(h.SignerInfo[k], `${p}/SignerInfo/${k}`, { max: 200 });
  }
  c.date(h.DueDate, `${p}/DueDate`);
  if (h.OtherInfo) {
    const o = h.OtherInfo;
    c.int(o.Priority, `${p}/OtherInfo/Priority`, { max: 4 });
    c.text(o.SphereOfPromulgation, `${p}/OtherInfo/SphereOfPromulgation`, { max: 500 });
    c.text(o.TyperNotation, `${p}/OtherInfo/TyperNotation`, { max: 100 });
    c.int(o.PromulgationAmount, `${p}/OtherInfo/PromulgationAmount`);
    c.int(o.PageAmount, `${p}/OtherInfo/PageAmount`);
    if (o.Direction !== undefined && typeof o.Direction !== 'boolean') c.fail(`${p}/OtherInfo/Direction`, 'phải là true/false');
    o.Appendixes?.forEach((a, i) => c.text(a, `${p}/OtherInfo/Appendixes/Appendix[${i + 1}]`, { max: 1000 }));
  }
  h.ResponseFor?.forEach((rf, i) => {
    const rp = `${p}/ResponseFor[${i + 1}]`;
    c.foreignOrganId(rf.OrganId, `${rp}/OrganId`);
    c.text(rf.Code, `${rp}/Code`, { max: 200 });
    c.date(rf.PromulgationDate, `${rp}/PromulgationDate`);
    c.text(rf.DocumentId, `${rp}/DocumentId`, { max: 200 });
  });
  c.int(h.SteeringType, `${p}/SteeringType`, { max: 100 });
  h.ToPlaces?.forEach((pl, i) => c.text(pl, `${p}/ToPlaces/Place[${i + 1}]`, { max: 500 }));

  const t = model.TraceHeaderList;
  if (!t || !Array.isArray(t.TraceHeader) || t.TraceHeader.length === 0) {
    c.fail('TraceHeaderList/TraceHeader', 'cần ít nhất một TraceHeader của cơ quan gửi');
  } else {
    t.TraceHeader.forEach((th, i) => {
      c.foreignOrganId(th.OrganId, `TraceHeaderList/TraceHeader[${i + 1}]/OrganId`);
      c.timestamp(th.Timestamp, `TraceHeaderList/TraceHeader[${i + 1}]/Timestamp`, true);
    });
  }
  const b = t?.Bussiness;
  if (!b) c.fail('TraceHeaderList/Bussiness', 'bắt buộc');
  else {
    const bp = 'TraceHeaderList/Bussiness';
    c.int(b.BussinessDocType, `${bp}/BussinessDocType`, { required: true, max: 3 });
    c.text(b.DocumentId, `${bp}/DocumentId`, { max: 200 });
    c.text(b.BussinessDocReason, `${bp}/BussinessDocReason`, { max: 1000 });
    c.int(b.Paper, `${bp}/Paper`, { max: 1 });
    c.staff(b.StaffInfo, `${bp}/StaffInfo`);
    if (b.BussinessDocType === 3 && !(b.ReplacementInfoList && b.ReplacementInfoList.length > 0)) {
      c.fail(`${bp}/ReplacementInfoList`, 'văn bản thay thế (BussinessDocType 3) phải nêu văn bản bị thay thế');
    }
    b.ReplacementInfoList?.forEach((ri, i) => {
      c.text(ri.DocumentId, `${bp}/ReplacementInfoList/ReplacementInfo[${i + 1}]/DocumentId`, { required: true, max: 200 });
      if (!Array.isArray(ri.OrganIdList)) c.fail(`${bp}/ReplacementInfoList/ReplacementInfo[${i + 1}]/OrganIdList`, 'bắt buộc');
      else ri.OrganIdList.forEach((id, j) => c.foreignOrganId(id, `${bp}/ReplacementInfoList/ReplacementInfo[${i + 1}]/OrganIdList/OrganId[${j + 1}]`));
    });
    const info = b.BussinessDocumentInfo;
    if (info) {
      c.int(info.DocumentInfo, `${bp}/BussinessDocumentInfo/DocumentInfo`, { max: 100 });
      c.int(info.DocumentReceiver, `${bp}/BussinessDocumentInfo/DocumentReceiver`, { max: 100 });
      info.ReceiverList?.forEach((r, i) => {
        c.foreignOrganId(r.OrganId, `${bp}/BussinessDocumentInfo/ReceiverList/Receiver[${i + 1}]/OrganId`);
        c.int(r.ReceiverType, `${bp}/BussinessDocumentInfo/ReceiverList/Receiver[${i + 1}]/ReceiverType`, { max: 100 });
      });
    }
  }
  const ids = new Set<string>();
  (model.Attachments ?? []).forEach((a, i) => {
    const ap = `Attachments[${i + 1}]`;
    c.text(a.AttachmentName, `${ap}/AttachmentName`, { required: true, max: 255 });
    c.text(a.Description, `${ap}/Description`, { max: 1000 });
    c.text(a.ContentType, `${ap}/ContentType`, { max: 200 });
    if (!(a.Content instanceof Uint8Array)) c.fail(`${ap}/Content`, 'thiếu nội dung tệp');
    if (a.ContentId !== undefined) {
      c.text(a.ContentId, `${ap}/ContentId`, { required: true, max: 100 });
      if (ids.has(a.ContentId)) c.fail(`${ap}/ContentId`, `trùng "${a.ContentId}"`);
      ids.add(a.ContentId);
    }
  });
  c.throwIfAny('gói tin văn bản edXML');
}

interface PreparedAttachment {
  ContentId: string;
  AttachmentName: string;
  Description?: string;
  ContentType: string;
  base64: string;
}

async function prepareAttachments(list: AttachmentInput[], mtime: Date): Promise<PreparedAttachment[]> {
  const used = new Set(list.map((a) => a.ContentId).filter((x): x is string => !!x));
  let next = 1;
  const out: PreparedAttachment[] = [];
  for (const a of list) {
    let cid = a.ContentId;
    if (!cid) {
      while (used.has(`cid:${next}`)) next++;
      cid = `cid:${next}`;
      used.add(cid);
    }
    const zipped = await zipSingleFile(a.AttachmentName.normalize('NFC'), a.Content, mtime);
    out.push({
      ContentId: cid,
      AttachmentName: a.AttachmentName,
      ...(a.Description !== undefined ? { Description: a.Description } : {}),
      // The file's own type: the transfer encoding (zip, then Base64) is fixed by the standard.
      ContentType: a.ContentType ?? guessContentType(a.AttachmentName),
      base64: zipped.toString('base64'),
    });
  }
  return out;
}

export interface BuildOptions {
  /** Modification time stored in the zip entries (fixed in tests for reproducible packages). */
  zipTime?: Date;
}

/** Build an unsigned document package; sign it afterwards with signPackage. */
export async function buildDocumentPackage(model: DocumentPackageInput, opts: BuildOptions = {}): Promise<string> {
  checkDocument(model);
  const h = model.MessageHeader;
  const header: DocumentMessageHeader = {
    ...h,
    DocumentId:
      h.DocumentId ??
      makeDocumentId(h.From.OrganId, h.PromulgationInfo.PromulgationDate, h.Code.CodeNumber, h.Code.CodeNotation),
  };
  const attachments = await prepareAttachments(model.Attachments ?? [], opts.zipTime ?? new Date());
  const w = new XmlWriter();
  openEnvelope(w);
  writeDocumentHeader(w, header);
  writeTraceHeaderList(w, model.TraceHeaderList);
  w.close(E('edXMLHeader'));
  w.open(E('edXMLBody'));
  w.open(E('edXMLManifest'), ' version="1.0"');
  for (const a of attachments) {
    w.open(E('Reference'));
    w.leaf(E('ContentId'), a.ContentId);
    w.leaf(E('ContentType'), a.ContentType);
    w.leaf(E('Description'), a.Description);
    w.leaf(E('AttachmentName'), a.AttachmentName);
    w.close(E('Reference'));
  }
  w.close(E('edXMLManifest'));
  w.close(E('edXMLBody'));
  w.close(E('edXMLEnvelope'));
  if (attachments.length > 0) {
    // Outside the envelope, in the root's default namespace, as in the official samples.
    w.open('AttachmentEncoded');
    for (const a of attachments) {
      w.open('Attachment');
      w.leaf('ContentId', a.ContentId);
      w.leaf('AttachmentName', a.AttachmentName);
      w.leaf('Description', a.Description);
      w.leaf('ContentType', a.ContentType);
      w.raw(`<edXML:ContentTransferEncoded xmlns:edXML="${EDXML_NS}">${a.base64}</edXML:ContentTransferEncoded>`);
      w.close('Attachment');
    }
    w.close('AttachmentEncoded');
  }
  w.close('edXML');
  return w.toString();
}

function checkStatus(model: StatusPackageInput): void {
  const c = new Checker();
  const h = model?.MessageHeader;
  if (!h) {
    c.fail('MessageHeader', 'bắt buộc');
    return c.throwIfAny('gói tin trạng thái edXML');
  }
  const p = 'MessageHeader';
  c.organization(h.From, `${p}/From`, true);
  const rf = h.ResponseFor;
  if (!rf) c.fail(`${p}/ResponseFor`, 'bắt buộc');
  else {
    c.foreignOrganId(rf.OrganId, `${p}/ResponseFor/OrganId`);
    c.text(rf.Code, `${p}/ResponseFor/Code`, { max: 200 });
    c.date(rf.PromulgationDate, `${p}/ResponseFor/PromulgationDate`);
    c.text(rf.DocumentId, `${p}/ResponseFor/DocumentId`, { required: true, max: 200 });
  }
  c.staff(h.StaffInfo, `${p}/StaffInfo`);
  if (typeof h.StatusCode !== 'string' || !isStatusCode(h.StatusCode)) {
    c.fail(`${p}/StatusCode`, `"${String(h.StatusCode)}" không phải mã trạng thái QCVN 102:2016 (01, 02, 03, 04, 05, 06, 13, 15, 16)`);
  }
  c.text(h.Description, `${p}/Description`, { max: 2000 });
  c.timestamp(h.Timestamp, `${p}/Timestamp`, true);
  c.throwIfAny('gói tin trạng thái edXML');
}

/** Build an unsigned status package (receipt/progress report sent back to the sender). */
export function buildStatusPackage(model: StatusPackageInput): string {
  checkStatus(model);
  const h = model.MessageHeader;
  const w = new XmlWriter();
  openEnvelope(w);
  w.open(E('MessageHeader'));
  writeOrganization(w, 'From', h.From, ORG_ORDER_STATUS);
  w.open(E('ResponseFor'));
  w.leaf(E('OrganId'), h.ResponseFor.OrganId);
  w.leaf(E('Code'), h.ResponseFor.Code);
  w.leaf(E('PromulgationDate'), h.ResponseFor.PromulgationDate);
  w.leaf(E('DocumentId'), h.ResponseFor.DocumentId);
  w.close(E('ResponseFor'));
  writeStaff(w, h.StaffInfo, STAFF_ORDER_STATUS);
  w.leaf(E('StatusCode'), h.StatusCode);
  w.leaf(E('Description'), h.Description);
  w.leaf(E('Timestamp'), h.Timestamp);
  w.close(E('MessageHeader'));
  w.close(E('edXMLHeader'));
  w.close(E('edXMLEnvelope'));
  w.close('edXML');
  return w.toString();
}
