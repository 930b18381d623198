// Tables of the axis area (migration 2026_11_28_05_30_00_create_axis).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { NullableRef, Timestamp } from './column-types.ts';

/** jsonb with a default: written as JSON text, read back parsed. */
type JsonWithDefault<T> = ColumnType<T, string | undefined, string>;

export type AxisOutboxKind = 'document' | 'status' | 'forward';
export type AxisOutboxState = 'pending' | 'sent' | 'rejected' | 'expired';
export type AxisInboxState = 'stored' | 'processing' | 'processed' | 'forwarded' | 'rejected';

export interface AxisOutboxTable {
  id: Generated<string>;
  kind: AxisOutboxKind;
  documentId: NullableRef;
  recipientId: NullableRef;
  agencyId: NullableRef;
  fromCode: string;
  targetCode: string;
  edxmlDocumentId: string | null;
  businessType: number | null;
  statusCode: string | null;
  description: string | null;
  inboxId: NullableRef;
  package: Buffer | null;
  trace: JsonWithDefault<unknown>;
  state: Generated<AxisOutboxState>;
  attempts: Generated<number>;
  nextAttemptAt: Generated<Date>;
  giveUpAt: Timestamp | null;
  lastError: string | null;
  receiptId: string | null;
  peer: string | null;
  createdAt: Generated<Date>;
  sentAt: Timestamp | null;
  registerDue: string | null;
  flaggedAt: Timestamp | null;
}

export interface AxisInboxTable {
  id: Generated<string>;
  receiptId: Generated<string>;
  senderCode: string;
  edxmlDocumentId: string;
  businessType: string;
  recipientCode: string;
  packageSha256: string;
  package: Buffer;
  trace: JsonWithDefault<unknown>;
  fromNode: string;
  state: AxisInboxState;
  reason: string | null;
  agencyId: NullableRef;
  documentId: NullableRef;
  receivedAt: Generated<Date>;
  claimedAt: Timestamp | null;
  processedAt: Timestamp | null;
}

/** Signed node requests seen inside the clock window (replay protection). */
export interface AxisRequestSeenTable {
  peer: string;
  requestId: string;
  seenAt: Generated<Date>;
}

export interface AxisTables {
  axisOutbox: AxisOutboxTable;
  axisInbox: AxisInboxTable;
  axisRequestSeen: AxisRequestSeenTable;
}

export type AxisOutboxRow = Selectable<AxisOutboxTable>;
export type AxisInboxRow = Selectable<AxisInboxTable>;
