// Signing credentials (issue 4 item 2): a PKCS#12 per person and per agency, uploaded by an
// administrator (or by the person for their own), encrypted at rest with AES-256-GCM under the
// configured credential key. The passphrase is read from the form, used in memory to open the file
// and dropped: it is never stored, logged, audited or put in a job payload.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import type { Executor } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { hasAnyRole, hasRole, type Actor } from '../domain/actor.ts';
import { loadPkcs12, assertCertificateUsable, type LocalKeySource } from '../signing/index.ts';
import { revokedSerialsFor } from '../signing/key-source.ts';
import { describeName, keyUsageOf, parseCertificate } from '../signing/pki-util.ts';
import { credentialRepository } from '../repositories/credential.repository.ts';
import { appendAudit } from './audit.service.ts';
import { parseInput } from './validation.ts';
import { signingCrls } from './signature-verification.service.ts';

/** Additional authenticated data: a ciphertext cannot be moved to another purpose unnoticed. */
const AAD = Buffer.from('vanthu:signing-credential:v1');
const MAX_P12_BYTES = 64 * 1024;
const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

export function encryptSecret(key: Buffer, plain: Buffer): Buffer {
  if (key.length !== 32) throw new AppError('unavailable', 'Khóa mã hóa chứng thư số (CREDENTIAL_KEY) không hợp lệ.');
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(AAD);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]);
}

export function decryptSecret(key: Buffer, sealed: Buffer): Buffer {
  try {
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    d.setAAD(AAD);
    d.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([d.update(sealed.subarray(28)), d.final()]);
  } catch {
    throw new AppError('unavailable', 'Không giải mã được chứng thư số đã lưu (khóa mã hóa của hệ thống đã thay đổi?). Hãy tải lại tệp chứng thư số.');
  }
}

export interface CertificateDetails {
  subject: string;
  issuer: string;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  keyUsage: string[];
}

export function certificateDetails(der: Buffer): CertificateDetails {
  const c = parseCertificate(der);
  const ku = keyUsageOf(c);
  const usage = ku.present ? [ku.digitalSignature && 'digitalSignature', ku.nonRepudiation && 'nonRepudiation', ku.keyCertSign && 'keyCertSign'].filter((x): x is string => !!x) : ['(không giới hạn)'];
  // keyEncipherment etc. are read from the raw bits for display only.
  const ext = c.extensions?.find((e) => e.extnID === '2.5.29.15');
  if (ext && ku.present) {
    const bits = (ext.parsedValue as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView[0] ?? 0;
    if (bits & 0x20) usage.push('keyEncipherment');
    if (bits & 0x10) usage.push('dataEncipherment');
    if (bits & 0x08) usage.push('keyAgreement');
  }
  return {
    subject: describeName(c.subject),
    issuer: describeName(c.issuer),
    serialHex: Buffer.from(c.serialNumber.valueBlock.valueHexView).toString('hex'),
    notBefore: c.notBefore.value,
    notAfter: c.notAfter.value,
    keyUsage: usage,
  };
}

/** A PNG with an alpha channel (colour type 4 or 6) or a tRNS chunk: a transparent background is possible. */
export function assertTransparentPng(png: Buffer): void {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (png.length < 33 || !png.subarray(0, 8).equals(sig) || png.subarray(12, 16).toString('latin1') !== 'IHDR') throw new AppError('validation', 'Ảnh chữ ký/con dấu phải là tệp PNG.');
  if (png.length > MAX_IMAGE_BYTES) throw new AppError('too_large', 'Ảnh chữ ký/con dấu quá lớn (tối đa 2 MB).');
  const colorType = png[25]!;
  if (colorType === 4 || colorType === 6) return;
  if (png.includes(Buffer.from('tRNS', 'latin1'))) return;
  throw new AppError('validation', 'Ảnh chữ ký/con dấu phải có nền trong suốt (PNG có kênh alpha).');
}

const uploadSchema = z.object({
  ownerKind: z.enum(['user', 'agency'], { message: 'chọn chủ sở hữu chứng thư số' }),
  username: z.string().max(100).optional(),
  agencyId: z.union([z.literal(''), z.string().regex(/^\d+$/)]).optional(),
  passphrase: z.string().min(1, 'nhập mật khẩu của tệp PKCS#12').max(200),
});

export interface CredentialUpload {
  p12?: Buffer;
  image?: Buffer;
}

/**
 * Stores a credential. The passphrase opens the file once (to check it, and to read the key and
 * certificate chain together); only the encrypted file and the public chain are kept.
 */
export async function uploadCredential(ctx: AppContext, actor: Actor, raw: unknown, files: CredentialUpload): Promise<{ id: string }> {
  const input = parseInput(uploadSchema, raw);
  const isAdmin = hasAnyRole(actor, 'admin');
  let userId: string | null = null;
  let agencyId: string | null = null;
  if (input.ownerKind === 'user') {
    const username = (input.username ?? '').trim() || actor.username;
    const u = await credentialRepository.findUserByUsername(ctx.db, username);
    if (!u) throw new AppError('validation', 'Không tìm thấy người dùng.');
    if (u.id !== actor.userId && !isAdmin) throw new AppError('forbidden', 'Chỉ quản trị viên được tải chứng thư số cho người khác.');
    userId = u.id;
  } else {
    if (!input.agencyId) throw new AppError('validation', 'Hãy chọn cơ quan.');
    if (!isAdmin) throw new AppError('forbidden', 'Chỉ quản trị viên được tải chứng thư số của cơ quan.');
    agencyId = input.agencyId;
  }
  if (!files.p12?.length) throw new AppError('validation', 'Hãy chọn tệp chứng thư số (.p12 hoặc .pfx).');
  if (files.p12.length > MAX_P12_BYTES) throw new AppError('too_large', 'Tệp chứng thư số quá lớn.');
  if (!files.image?.length) throw new AppError('validation', input.ownerKind === 'user' ? 'Hãy chọn ảnh chữ ký (PNG nền trong suốt).' : 'Hãy chọn ảnh con dấu (PNG nền trong suốt).');
  assertTransparentPng(files.image);
  const key = await loadPkcs12(files.p12, input.passphrase);
  const chain = await key.certificateChain();
  const details = certificateDetails(chain[0]!);
  const sealed = encryptSecret(ctx.config.credentialKey, files.p12);
  const id = await ctx.db.transaction().execute(async (trx) => {
    const newId = await credentialRepository.replaceActive(trx, {
      ownerKind: input.ownerKind,
      userId,
      agencyId,
      p12Encrypted: sealed,
      chainDer: chain,
      subject: details.subject,
      issuer: details.issuer,
      serialHex: details.serialHex,
      notBefore: details.notBefore,
      notAfter: details.notAfter,
      keyUsage: details.keyUsage,
      imagePng: files.image!,
      createdBy: actor.userId,
    });
    await appendAudit(trx, {
      actor: { userId: actor.userId, label: `${actor.fullName} (${actor.username})` },
      agencyId,
      action: 'signing.credential_uploaded',
      entityType: 'signing_credential',
      entityId: newId,
      after: { ownerKind: input.ownerKind, userId, agencyId, subject: details.subject, serialHex: details.serialHex, notAfter: details.notAfter },
    });
    return newId;
  });
  return { id };
}

export async function deactivateCredential(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  if (!/^\d{1,18}$/.test(id)) throw new AppError('not_found', 'Không tìm thấy chứng thư số.');
  const c = await credentialRepository.findById(ctx.db, id);
  if (!c) throw new AppError('not_found', 'Không tìm thấy chứng thư số.');
  const own = c.ownerKind === 'user' && c.userId === actor.userId;
  if (!own && !hasAnyRole(actor, 'admin')) throw new AppError('forbidden', 'Bạn không có quyền thu hồi chứng thư số này.');
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await credentialRepository.deactivate(trx, id))) return;
    await appendAudit(trx, { actor: { userId: actor.userId, label: `${actor.fullName} (${actor.username})` }, agencyId: c.agencyId, action: 'signing.credential_deactivated', entityType: 'signing_credential', entityId: id });
  });
}

export async function credentialsPage(ctx: AppContext, actor: Actor) {
  const isAdmin = hasAnyRole(actor, 'admin');
  const rows = await credentialRepository.listActive(ctx.db, isAdmin ? {} : { userId: actor.userId });
  const now = Date.now();
  return {
    isAdmin,
    credentials: rows.map((r) => ({
      ...r,
      owner: r.ownerKind === 'user' ? `${r.userName} (${r.username})` : r.agencyName,
      ownerKindLabel: r.ownerKind === 'user' ? 'Cá nhân' : 'Cơ quan',
      validity: `${r.notBefore.toISOString().slice(0, 10)} → ${r.notAfter.toISOString().slice(0, 10)}`,
      expired: r.notAfter.getTime() < now,
      keyUsageText: r.keyUsage.join(', '),
      canSign: r.keyUsage.some((k) => k === 'digitalSignature' || k === 'nonRepudiation' || k === '(không giới hạn)'),
    })),
    users: isAdmin ? await credentialRepository.usersForForm(ctx.db) : [],
    agencies: isAdmin ? await credentialRepository.agenciesForForm(ctx.db) : [],
  };
}

/** The image of a credential (signature or seal), for the page preview. */
export async function credentialImage(ctx: AppContext, actor: Actor, id: string): Promise<Buffer> {
  if (!/^\d{1,18}$/.test(id)) throw new AppError('not_found', 'Không tìm thấy ảnh.');
  const c = await credentialRepository.findById(ctx.db, id);
  const mayView = c && (hasAnyRole(actor, 'admin') || (c.ownerKind === 'user' && c.userId === actor.userId) || (c.ownerKind === 'agency' && hasRole(actor, c.agencyId!, 'clerk', 'leader')));
  if (!c?.imagePng || !mayView) throw new AppError('not_found', 'Không tìm thấy ảnh.');
  return c.imagePng;
}

/**
 * Opens a stored credential with the passphrase typed now, in memory only, and checks that the key
 * can sign at this moment (validity, key usage, revocation by the configured CRLs).
 */
export async function openCredential(ctx: AppContext, db: Executor, credentialId: string, passphrase: string): Promise<LocalKeySource> {
  const c = await credentialRepository.findSecretById(db, credentialId);
  if (!c?.active) throw new AppError('validation', 'Chứng thư số đã bị thu hồi khỏi hệ thống; hãy tải chứng thư số mới.');
  const p12 = decryptSecret(ctx.config.credentialKey, c.p12Encrypted);
  const key = await loadPkcs12(p12, passphrase);
  p12.fill(0);
  const chain = await key.certificateChain();
  if (!chain[0]!.equals(c.chainDer[0]!)) throw new AppError('validation', 'Tệp chứng thư số không khớp với chứng thư đã đăng ký.');
  const crls = await signingCrls(ctx);
  assertCertificateUsable(chain[0]!, new Date(), crls.length ? await revokedSerialsFor(chain, crls) : undefined);
  return key;
}
