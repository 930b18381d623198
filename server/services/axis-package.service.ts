// Builds the edXML package of an outbox row from the database (DOMAIN.md §5): the document with
// its released files, or a status receipt; then signs it with the sending agency's key. Strict in
// what we send: the builder refuses anything QCVN 102:2016 does not allow.
import type { AppContext } from '../app-context.ts';
import type { Executor } from '../db/database.ts';
import type { AxisOutboxRow } from '../db/tables/axis.tables.ts';
import { AppError } from '../errors.ts';
import { priorityOfUrgency, type Urgency } from '../domain/document-types.ts';
import {
  buildDocumentPackage,
  buildStatusPackage,
  makeDocumentId,
  signPackage,
  toEdxmlTimestamp,
  type AttachmentInput,
  type DocumentPackageInput,
  type Organization,
  type StatusCode,
} from '../axis/edxml/index.ts';
import type { AxisNode } from '../axis/node-config.ts';
import { signingKeyFor } from '../axis/axis-node.ts';
import { agencyRepository } from '../repositories/agency.repository.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { deploymentNow } from '../domain/vietnam-time.ts';

const URGENCIES: Urgency[] = ['normal', 'urgent', 'very_urgent', 'immediate'];

/** `YYYY-MM-DD` → `yyyy/MM/dd`. */
export const toSlashDate = (d: string | null): string | undefined => (d ? d.replace(/-/g, '/') : undefined);

/** DocumentId of one of our outgoing documents (QCVN 102:2016: `<OrganId>,<yyyy/MM/dd>,<số>/<ký hiệu>`). */
export function documentIdOf(doc: { issuerCode: string | null; promulgationDate: string | null; codeNumber: string | null; codeNotation: string | null; id: string }, fromCode: string): string {
  if (!doc.promulgationDate || !doc.codeNumber || !doc.codeNotation) throw new AppError('conflict', 'Văn bản chưa được cấp số, ký hiệu và ngày ban hành nên chưa gửi qua trục được.');
  return makeDocumentId(fromCode, toSlashDate(doc.promulgationDate)!, doc.codeNumber, doc.codeNotation);
}

export async function organizationOf(db: Executor, code: string): Promise<Organization> {
  const agency = await agencyRepository.findByCode(db, code);
  const full = agency ? await agencyRepository.findById(db, agency.id) : undefined;
  return { OrganId: code, OrganName: full?.name ?? code, OrganizationInCharge: full?.name ?? code };
}

async function documentModel(ctx: AppContext, row: AxisOutboxRow): Promise<DocumentPackageInput> {
  const doc = await documentRepository.findById(ctx.db, row.documentId!);
  if (!doc) throw new AppError('not_found', 'Không tìm thấy văn bản của gói tin.');
  const toSend = await documentRepository.filesToSend(ctx.db, doc.id);
  const attachments: AttachmentInput[] = [];
  for (const f of toSend) attachments.push({ AttachmentName: f.fileName, ContentType: f.contentType, Content: await ctx.blobs.get(f.blobSha256) });
  const recipients = await documentRepository.recipients(ctx.db, doc.id);
  const links = await ctx.db.selectFrom('documentLink as l').innerJoin('document as d', 'd.id', 'l.toId').select(['l.kind', 'd.issuerCode', 'd.promulgationDate', 'd.codeNumber', 'd.codeNotation', 'd.id']).where('l.fromId', '=', doc.id).execute();
  const replaced = links.filter((l) => l.kind === 'replaces');
  const from = await organizationOf(ctx.db, row.fromCode);
  const target = recipients.find((r) => String(r.id) === String(row.recipientId));
  return {
    MessageHeader: {
      From: from,
      // One recipient per package (the transport delivers to that one); ToPlaces lists them all.
      To: [{ OrganId: row.targetCode, OrganName: target?.agencyName ?? row.targetCode }],
      DocumentId: row.edxmlDocumentId!,
      Code: { CodeNumber: doc.codeNumber!, CodeNotation: doc.codeNotation! },
      PromulgationInfo: { Place: doc.place ?? undefined, PromulgationDate: toSlashDate(doc.promulgationDate)! },
      DocumentType: { Type: 1, TypeName: doc.typeName },
      Subject: doc.subject,
      Content: doc.content ?? undefined,
      SignerInfo: { Competence: doc.signerCompetence ?? undefined, Position: doc.signerPosition ?? undefined, FullName: doc.signerFullName ?? undefined },
      DueDate: toSlashDate(doc.dueDate),
      OtherInfo: { Priority: priorityOfUrgency(URGENCIES[doc.urgency] ?? 'normal'), PageAmount: doc.pageAmount ?? undefined, PromulgationAmount: doc.promulgationAmount ?? undefined },
      ToPlaces: recipients.map((r) => r.agencyName),
    },
    TraceHeaderList: {
      TraceHeader: [{ OrganId: row.fromCode, Timestamp: toEdxmlTimestamp(deploymentNow()) }],
      Bussiness: {
        DocumentId: row.edxmlDocumentId!,
        BussinessDocType: (row.businessType ?? 0) as 0 | 1 | 2 | 3,
        ...(replaced.length
          ? { ReplacementInfoList: replaced.map((l) => ({ DocumentId: documentIdOf(l, l.issuerCode ?? row.fromCode), OrganIdList: [row.targetCode] })) }
          : {}),
      },
    },
    Attachments: attachments,
  };
}

/** The signed bytes of an outbox row (document or status receipt). */
export async function buildOutboxPackage(ctx: AppContext, node: AxisNode, row: AxisOutboxRow): Promise<Buffer> {
  let xml: string;
  if (row.kind === 'document') {
    xml = await buildDocumentPackage(await documentModel(ctx, row));
  } else if (row.kind === 'status') {
    const [code, notation] = (row.edxmlDocumentId ?? '').split(',').slice(2).join(',').split('/');
    xml = buildStatusPackage({
      MessageHeader: {
        From: await organizationOf(ctx.db, row.fromCode),
        ResponseFor: { OrganId: row.targetCode, Code: code && notation ? `${code}/${notation}` : undefined, DocumentId: row.edxmlDocumentId! },
        StatusCode: row.statusCode as StatusCode,
        Description: row.description ?? undefined,
        Timestamp: toEdxmlTimestamp(row.createdAt),
      },
    });
  } else {
    throw new AppError('conflict', 'Gói tin chuyển tiếp phải có sẵn nội dung.');
  }
  const key = signingKeyFor(node, row.fromCode);
  return Buffer.from(signPackage(xml, { keyPem: key.keyPem, certPem: key.certPem }), 'utf8');
}

/**
 * The unsigned document package of one of our documents, as it would be sent to `recipientCode`
 * (default: its first agency recipient). Used by `vanthu edxml build --document ID`.
 */
export async function documentPackageFromDatabase(ctx: AppContext, documentId: string, recipientCode?: string): Promise<{ xml: string; documentId: string; recipient: string }> {
  const doc = await documentRepository.findById(ctx.db, documentId);
  if (!doc) throw new AppError('not_found', `Không tìm thấy văn bản #${documentId}.`);
  if (doc.direction !== 'outgoing') throw new AppError('validation', 'Chỉ văn bản đi mới lập được gói tin gửi.');
  const agency = await agencyRepository.findById(ctx.db, doc.agencyId);
  const fromCode = agency?.qcvnCode ?? agency?.d20Code ?? doc.issuerCode ?? '';
  const recipients = await documentRepository.recipients(ctx.db, doc.id);
  const target = recipientCode ? recipients.find((r) => r.agencyCode === recipientCode) : recipients.find((r) => r.kind === 'agency');
  const code = recipientCode ?? target?.agencyCode;
  if (!code) throw new AppError('validation', 'Văn bản chưa có cơ quan nhận; hãy chỉ rõ --to MÃ_CƠ_QUAN.');
  const edxmlDocumentId = documentIdOf(doc, fromCode);
  const row = { kind: 'document', documentId: doc.id, recipientId: target?.id ?? null, fromCode, targetCode: code, edxmlDocumentId, businessType: 0, createdAt: deploymentNow() } as unknown as AxisOutboxRow;
  return { xml: await buildDocumentPackage(await documentModel(ctx, row)), documentId: edxmlDocumentId, recipient: code };
}
