// Documents, books, files and workflow history (migration 2026_11_28_04_10_00). Field names follow
// Decree 30/2020 Appendix VI and edXML (CodeNumber, CodeNotation, Subject, SignerInfo, DueDate…).
import type { Generated, Selectable } from 'kysely';
import type { Json, NullableRef, Ref, Timestamp } from './column-types.ts';

export type Direction = 'incoming' | 'outgoing';

export interface BlobTable {
  sha256: string;
  size: Ref;
  contentType: string;
  createdAt: Generated<Date>;
}

export interface RegisterBookTable {
  id: Generated<string>;
  agencyId: Ref;
  direction: Direction;
  year: number;
  name: string;
  typeCodes: string[] | null;
  nextNumber: Generated<number>;
  closed: Generated<boolean>;
  createdAt: Generated<Date>;
}

export interface DocumentTable {
  id: Generated<string>;
  agencyId: Ref;
  direction: Direction;
  state: string;
  source: Generated<string>;
  typeCode: string;
  typeName: string;
  codeNumber: string | null;
  codeNotation: string | null;
  promulgationDate: string | null;
  place: string | null;
  subject: string;
  content: string | null;
  issuerCode: string | null;
  issuerName: string | null;
  signerCompetence: string | null;
  signerPosition: string | null;
  signerFullName: string | null;
  urgency: Generated<number>;
  dueDate: string | null;
  pageAmount: number | null;
  promulgationAmount: number | null;
  externalId: string | null;
  bookId: NullableRef;
  bookNumber: number | null;
  registeredAt: Timestamp | null;
  draftingUnitId: NullableRef;
  createdBy: NullableRef;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
  completedAt: Timestamp | null;
  searchFolded: Generated<string>;
  extractedText: string | null;
  reviewStep: Generated<number>;
  directionText: string | null;
  handlingDeadline: string | null;
  extensionRequestedTo: string | null;
  extensionReason: string | null;
  returnReason: string | null;
}

export interface BookEntryTable {
  bookId: Ref;
  number: number;
  documentId: Ref;
  status: Generated<'active' | 'cancelled'>;
  cancelReason: string | null;
  createdAt: Generated<Date>;
  createdBy: NullableRef;
}

export type FileRole = 'main' | 'attachment' | 'scan' | 'draft' | 'evidence';

export interface DocumentFileTable {
  id: Generated<string>;
  documentId: Ref;
  role: FileRole;
  version: Generated<number>;
  blobSha256: string;
  fileName: string;
  contentType: string;
  size: Ref;
  textStatus: Generated<'pending' | 'done' | 'failed' | 'none'>;
  createdBy: NullableRef;
  createdAt: Generated<Date>;
}

export type AssignmentKind = 'lead' | 'co' | 'info';

export interface DocumentAssignmentTable {
  id: Generated<string>;
  documentId: Ref;
  kind: AssignmentKind;
  unitId: NullableRef;
  userId: NullableRef;
  deadline: string | null;
  active: Generated<boolean>;
  assignedBy: NullableRef;
  createdAt: Generated<Date>;
}

/** Who may list a document without an agency-wide role; kept by triggers (migration 2026_11_28_06_45_00). */
export interface DocumentAccessTable {
  principalKind: 'user' | 'unit' | 'drafting_unit';
  principalId: Ref;
  documentId: Ref;
  agencyId: Ref;
  direction: Direction;
  state: string;
  urgency: number;
  handlingDeadline: string | null;
}

/**
 * The searched text of a document, 1:1, kept by a trigger on document (migration 2026_11_28_12_55_00),
 * with the filters that do not change with the workflow (copies, migration 2026_11_28_15_20_00) and
 * their keys under one GIN index with the text (migration 2026_11_28_18_30_00).
 */
export interface DocumentSearchTextTable {
  documentId: Ref;
  agencyId: Ref;
  direction: Direction;
  typeCode: string;
  promulgationDate: string | null;
  /** 'a:<agency>', 'd:<direction>', 't:<type>', 'u:<urgency>', 'y:<year>', 'm:<year>-<month>' (filterKeysOf). */
  filterKeys: string[];
  /** issuer_code, a space, issuer_name: where the issuer filter is looked for first. */
  issuerSearch: string;
  searchFolded: string;
  searchExact: string;
}

export interface DocumentRecipientTable {
  id: Generated<string>;
  documentId: Ref;
  kind: 'unit' | 'agency';
  unitId: NullableRef;
  agencyCode: string | null;
  agencyName: string;
  status: Generated<string>;
  statusNote: string | null;
  remoteNumber: string | null;
  /** When the recipient says its latest status happened (its status package's Timestamp); null for local recipients. */
  statusAt: Timestamp | null;
  /** When the latest status reached us, on our clock (PostgreSQL's). */
  updatedAt: Generated<Date>;
}

export interface DocumentEventTable {
  id: Generated<string>;
  documentId: Ref;
  at: Generated<Date>;
  actorUserId: NullableRef;
  actorLabel: string;
  action: string;
  fromState: string | null;
  toState: string | null;
  note: string | null;
  data: Json | null;
}

export interface DocumentLinkTable {
  fromId: Ref;
  toId: Ref;
  kind: 'reply_to' | 'replaces' | 'revokes' | 'updates';
}

export interface AgencySettingTable {
  agencyId: Ref;
  reviewChain: Generated<string[]>;
}

export interface SavedSearchTable {
  id: Generated<string>;
  userId: Ref;
  name: string;
  query: Json;
  createdAt: Generated<Date>;
}

export interface DocumentTables {
  blob: BlobTable;
  registerBook: RegisterBookTable;
  document: DocumentTable;
  bookEntry: BookEntryTable;
  documentFile: DocumentFileTable;
  documentAssignment: DocumentAssignmentTable;
  documentAccess: DocumentAccessTable;
  documentSearchText: DocumentSearchTextTable;
  documentRecipient: DocumentRecipientTable;
  documentEvent: DocumentEventTable;
  documentLink: DocumentLinkTable;
  agencySetting: AgencySettingTable;
  savedSearch: SavedSearchTable;
}

export type DocumentRow = Selectable<DocumentTable>;
export type RegisterBook = Selectable<RegisterBookTable>;
