// RFC 3161 client: asks a time-stamping authority to stamp the signature value, which upgrades a
// PAdES B-B signature to B-T (ETSI EN 319 142-1 §5.4). Government TSA URLs are configuration.
import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError } from '../errors.ts';
import { OID, ensurePkijsEngine, toArrayBuffer } from './pki-util.ts';

ensurePkijsEngine();

export async function requestTimestamp(tsaUrl: string, signatureValue: Buffer, timeoutMs = 15000): Promise<Buffer> {
  const digest = createHash('sha256').update(signatureValue).digest();
  const nonce = randomBytes(8);
  nonce[0] = nonce[0]! & 0x7f;
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: toArrayBuffer(digest) }),
    }),
    nonce: new asn1js.Integer({ valueHex: toArrayBuffer(nonce) }),
    certReq: true,
  });
  let res: Response;
  try {
    res = await fetch(tsaUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/timestamp-query' },
      body: Buffer.from(req.toSchema().toBER(false)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new AppError('unavailable', 'Không kết nối được máy chủ cấp dấu thời gian (TSA)');
  }
  if (!res.ok) throw new AppError('unavailable', `Máy chủ cấp dấu thời gian trả lỗi HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  let resp: pkijs.TimeStampResp;
  try {
    resp = pkijs.TimeStampResp.fromBER(toArrayBuffer(body));
  } catch {
    throw new AppError('unavailable', 'Phản hồi của máy chủ cấp dấu thời gian không hợp lệ');
  }
  if (resp.status.status > 1 || !resp.timeStampToken) {
    throw new AppError('unavailable', `Máy chủ cấp dấu thời gian từ chối yêu cầu (mã ${resp.status.status})`);
  }
  const token = Buffer.from(resp.timeStampToken.toSchema().toBER(false));
  const info = readTimestampToken(token);
  if (!info.messageImprint.equals(digest)) throw new AppError('unavailable', 'Dấu thời gian không khớp với chữ ký');
  if (info.nonce && !info.nonce.equals(nonce.subarray(nonce.findIndex((b) => b !== 0)))) {
    throw new AppError('unavailable', 'Dấu thời gian không khớp yêu cầu (nonce)');
  }
  return token;
}

export interface TimestampInfo {
  genTime: Date;
  messageImprint: Buffer;
  hashOid: string;
  nonce?: Buffer;
  signedData: pkijs.SignedData;
  tstInfoDer: Buffer;
}

export function readTimestampToken(token: Buffer): TimestampInfo {
  const ci = pkijs.ContentInfo.fromBER(toArrayBuffer(token));
  const sd = new pkijs.SignedData({ schema: ci.content });
  if (sd.encapContentInfo.eContentType !== OID.tstInfo || !sd.encapContentInfo.eContent) throw new Error('not a TSTInfo token');
  const octets = sd.encapContentInfo.eContent;
  const raw = octets.idBlock.isConstructed
    ? Buffer.concat(octets.valueBlock.value.map((v) => Buffer.from((v as asn1js.OctetString).valueBlock.valueHexView)))
    : Buffer.from(octets.valueBlock.valueHexView);
  const tst = pkijs.TSTInfo.fromBER(toArrayBuffer(raw));
  return {
    genTime: tst.genTime,
    messageImprint: Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView),
    hashOid: tst.messageImprint.hashAlgorithm.algorithmId,
    nonce: tst.nonce ? Buffer.from(tst.nonce.valueBlock.valueHexView) : undefined,
    signedData: sd,
    tstInfoDer: raw,
  };
}
