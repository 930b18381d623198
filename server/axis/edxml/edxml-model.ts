// Typed model of QCVN 102:2016/BTTTT (amended 2022) edXML packages. Property names are the element
// names of the standard on purpose: Decree 30/2020 Appendix VI uses the same names for document
// metadata, so the model, the JSON printed by `vanthu edxml parse` and the JSON read by
// `vanthu edxml build` are one vocabulary. Values are kept as text where the standard carries text
// (CodeNumber, OrganId from other systems, dates whose raw form must survive when they do not parse).

export const EDXML_NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
export const EDXML_PREFIX = 'edXML';
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const XLINK_NS = 'http://www.w3.org/1999/xlink';

/** Organisation block used by From and To (QCVN 102:2016, MessageHeader). */
export interface Organization {
  OrganId: string;
  OrganizationInCharge?: string;
  OrganName?: string;
  OrganAdd?: string;
  Email?: string;
  Telephone?: string;
  Fax?: string;
  Website?: string;
}

export interface Code {
  /** Số: text, because real packages carry non-numeric values (e.g. `74fass22`). */
  CodeNumber: string;
  /** Ký hiệu, e.g. `VPCP-TTĐT`. */
  CodeNotation: string;
}

export interface PromulgationInfo {
  Place?: string;
  /** `yyyy/MM/dd`; the raw text when it does not parse (a warning says so). */
  PromulgationDate: string;
}

export interface DocumentType {
  Type: number;
  TypeDetail?: number;
  TypeName?: string;
}

export interface SignerInfo {
  Competence?: string;
  Position?: string;
  FullName?: string;
}

export interface OtherInfo {
  /** 0 thường, 1 Khẩn, 2 Thượng khẩn, 3 Hỏa tốc, 4 Hỏa tốc hẹn giờ (older data). */
  Priority?: number;
  SphereOfPromulgation?: string;
  TyperNotation?: string;
  PromulgationAmount?: number;
  PageAmount?: number;
  Direction?: boolean;
  Appendixes?: string[];
}

/** ResponseFor inside a document package (a reply refers to earlier documents). */
export interface ResponseFor {
  OrganId: string;
  /** `số/ký hiệu`, e.g. `7816/VPCP-TTĐT`. */
  Code?: string;
  PromulgationDate?: string;
  DocumentId?: string;
}

export interface StaffInfo {
  Department?: string;
  Staff?: string;
  Email?: string;
  Mobile?: string;
}

export interface Receiver {
  OrganId: string;
  ReceiverType?: number;
}

/** Sent with BussinessDocType 2 (update): what changed and for whom. */
export interface BussinessDocumentInfo {
  DocumentInfo?: number;
  DocumentReceiver?: number;
  ReceiverList?: Receiver[];
}

/** Sent with BussinessDocType 3 (replace): the documents replaced and the agencies concerned. */
export interface ReplacementInfo {
  DocumentId: string;
  OrganIdList: string[];
}

/** QCVN 102:2016 BussinessDocType. */
export const BussinessDocType = { New: 0, Revoke: 1, Update: 2, Replace: 3 } as const;
export type BussinessDocTypeValue = (typeof BussinessDocType)[keyof typeof BussinessDocType];

/** `Bussiness` is spelled so by the standard; we always write it that way. */
export interface Bussiness {
  DocumentId?: string;
  BussinessDocType: BussinessDocTypeValue;
  BussinessDocReason?: string;
  Paper?: number;
  BussinessDocumentInfo?: BussinessDocumentInfo;
  ReplacementInfoList?: ReplacementInfo[];
  StaffInfo?: StaffInfo;
}

export interface TraceHeader {
  OrganId: string;
  /** `yyyy/MM/dd HH:mm:ss` (Vietnam time). */
  Timestamp: string;
}

export interface TraceHeaderList {
  TraceHeader: TraceHeader[];
  Bussiness: Bussiness;
}

export interface DocumentMessageHeader {
  From: Organization;
  To: Organization[];
  /** `<OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>`. */
  DocumentId: string;
  Code: Code;
  PromulgationInfo: PromulgationInfo;
  DocumentType: DocumentType;
  /** Trích yếu, at most 500 characters. */
  Subject: string;
  Content?: string;
  SignerInfo?: SignerInfo;
  DueDate?: string;
  OtherInfo?: OtherInfo;
  ResponseFor?: ResponseFor[];
  SteeringType?: number;
  ToPlaces?: string[];
}

/** One attachment as the manifest and AttachmentEncoded describe it (no content). */
export interface AttachmentHeader {
  /** `cid:N`; links edXMLManifest/Reference to AttachmentEncoded/Attachment. */
  ContentId: string;
  AttachmentName: string;
  Description?: string;
  /** Content type of the file as declared by the sender. */
  ContentType?: string;
}

/** Attachment given to the builder: the raw file, zipped and Base64-encoded by buildDocumentPackage. */
export interface AttachmentInput {
  ContentId?: string;
  AttachmentName: string;
  Description?: string;
  ContentType?: string;
  Content: Uint8Array;
}

/** Model of a document package as given to buildDocumentPackage. */
export interface DocumentPackageInput {
  MessageHeader: Omit<DocumentMessageHeader, 'DocumentId'> & { DocumentId?: string };
  TraceHeaderList: TraceHeaderList;
  Attachments: AttachmentInput[];
}

/** Model of a document package as returned by parseEdxml. */
export interface DocumentPackage {
  MessageHeader: DocumentMessageHeader;
  TraceHeaderList: TraceHeaderList;
  /** Manifest entries, in package order. */
  Manifest: AttachmentHeader[];
}

/** ResponseFor inside a status package: the document the status is about. */
export interface StatusResponseFor {
  OrganId: string;
  Code?: string;
  PromulgationDate?: string;
  DocumentId: string;
}

export interface StatusMessageHeader {
  From: Organization;
  ResponseFor: StatusResponseFor;
  StaffInfo?: StaffInfo;
  /** Two digits, see status-codes.ts. */
  StatusCode: string;
  Description?: string;
  /** `yyyy/MM/dd HH:mm:ss` (Vietnam time). */
  Timestamp: string;
}

export interface StatusPackage {
  MessageHeader: StatusMessageHeader;
}

export type StatusPackageInput = StatusPackage;

/** A tolerated irregularity in an incoming package (DOMAIN.md §5: tolerant, with a warning). */
export interface EdxmlWarning {
  code:
    | 'stray_bytes'
    | 'business_spelling'
    | 'date_format'
    | 'invalid_date'
    | 'timestamp_format'
    | 'invalid_timestamp'
    | 'non_numeric'
    | 'unknown_status_code'
    | 'xlink_reference'
    | 'manifest_mismatch'
    | 'missing_document_id'
    | 'zip_entries'
    | 'legacy_signature'
    | 'unexpected_value';
  /** Element path, e.g. `MessageHeader/PromulgationInfo/PromulgationDate`. */
  path: string;
  message: string;
  raw?: string;
}

/** What parseEdxml reports about each attachment after Base64 decoding and unzipping. */
export interface AttachmentSummary extends AttachmentHeader {
  /** Bytes of the zipped (transferred) content. */
  zippedSize: number;
  /** Name of the file inside the zip. */
  fileName: string;
  /** Content type guessed from AttachmentName (falls back to the file name inside the zip). */
  fileContentType: string;
  /** Decompressed size in bytes. */
  size: number;
  /** SHA-256 of the decompressed file, lowercase hex. */
  sha256: string;
  /** The decompressed file, only when parse options ask for it (includeContent). */
  content?: Buffer;
}

export interface SignatureInfo {
  /** True when a W3C XMLDSig Signature (correct namespace) is present in edXMLHeader. */
  xmldsig: boolean;
  signatureMethod?: string;
  digestMethod?: string;
  subjectName?: string;
}

export interface ParsedDocumentPackage {
  kind: 'document';
  package: DocumentPackage;
  attachments: AttachmentSummary[];
  signature: SignatureInfo | null;
  warnings: EdxmlWarning[];
}

export interface ParsedStatusPackage {
  kind: 'status';
  package: StatusPackage;
  attachments: [];
  signature: SignatureInfo | null;
  warnings: EdxmlWarning[];
}

export type ParsedEdxml = ParsedDocumentPackage | ParsedStatusPackage;

/** Resource limits applied while parsing; every one is configurable per call. */
export interface EdxmlLimits {
  maxPackageBytes: number;
  maxDepth: number;
  maxElements: number;
  maxAttachments: number;
  /** Decompressed size of one attachment. */
  maxAttachmentBytes: number;
  /** Decompressed size of all attachments together. */
  maxTotalAttachmentBytes: number;
  /** Entries inside one attachment's zip. */
  maxZipEntries: number;
}

export const DEFAULT_LIMITS: Readonly<EdxmlLimits> = Object.freeze({
  maxPackageBytes: 64 * 1024 * 1024,
  maxDepth: 32,
  maxElements: 50_000,
  maxAttachments: 100,
  maxAttachmentBytes: 100 * 1024 * 1024,
  maxTotalAttachmentBytes: 256 * 1024 * 1024,
  maxZipEntries: 16,
});

export interface ParseOptions {
  limits?: Partial<EdxmlLimits>;
  /** Keep each decompressed file in AttachmentSummary.content (the transport stores them). */
  includeContent?: boolean;
}
