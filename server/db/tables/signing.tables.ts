// Tables of the signing area (migration 2026_11_28_05_15_00_create_signing).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { NullableRef, Ref, Timestamp } from './column-types.ts';

/** jsonb written as JSON text, read back parsed; the default applies when omitted. */
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

export type CredentialOwnerKind = 'user' | 'agency';
export type SigningKind = 'leader' | 'agency' | 'attachment';
export type SigningAction = 'sign' | 'number';
export type SigningStatus = 'preparing' | 'prepared' | 'signed' | 'done' | 'failed';
export type VerificationVerdict = 'valid' | 'invalid' | 'unsigned' | 'error';

export interface SigningCredentialTable {
  id: Generated<string>;
  ownerKind: CredentialOwnerKind;
  userId: NullableRef;
  agencyId: NullableRef;
  /** iv (12) ‖ tag (16) ‖ AES-256-GCM ciphertext of the PKCS#12 file. */
  p12Encrypted: Buffer;
  chainDer: Buffer[];
  subject: string;
  issuer: string;
  serialHex: string;
  notBefore: Timestamp;
  notAfter: Timestamp;
  keyUsage: string[];
  imagePng: Buffer | null;
  active: Generated<boolean>;
  createdBy: NullableRef;
  createdAt: Generated<Date>;
}

export interface SigningRequestTable {
  id: Generated<string>;
  documentId: Ref;
  sourceFileId: Ref;
  credentialId: Ref;
  action: SigningAction;
  kind: SigningKind;
  params: JsonWithDefault<Record<string, unknown>>;
  status: Generated<SigningStatus>;
  preparedSha256: string | null;
  preparedMeta: NullableJson<Record<string, unknown>>;
  signatureValue: Buffer | null;
  resultFileId: NullableRef;
  error: string | null;
  batchId: string | null;
  requestedBy: Ref;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface SignatureVerificationTable {
  fileId: Ref;
  status: Generated<'pending' | 'done'>;
  verdict: VerificationVerdict | null;
  message: string | null;
  signatures: JsonWithDefault<unknown[]>;
  verifiedAt: Timestamp | null;
  createdAt: Generated<Date>;
}

export interface SigningTables {
  signingCredential: SigningCredentialTable;
  signingRequest: SigningRequestTable;
  signatureVerification: SignatureVerificationTable;
}

export type SigningCredentialRow = Selectable<SigningCredentialTable>;
export type SigningRequestRow = Selectable<SigningRequestTable>;
export type SignatureVerificationRow = Selectable<SignatureVerificationTable>;
