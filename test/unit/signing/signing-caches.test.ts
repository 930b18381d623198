// What signing keeps from one signature to the next (per signer certificate: its encoded CMS
// parts; per font: its layouts and serialised subsets) must never carry one signer's identity into
// another's signature, nor one document's text into another's.
import { expect } from 'chai';
import { X509Certificate, createHash, verify as nodeVerify } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buildSignedData, signedAttributesDer } from '../../../server/signing/cms.ts';
import { signAttachment } from '../../../server/signing/operations.ts';
import { OID, parseCertificate, toArrayBuffer } from '../../../server/signing/pki-util.ts';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractSignatures, has, key, opensslCmsVerify, tmp } from './helpers.ts';

/** Words of page 1 as poppler reads them (text decoded through the font's ToUnicode map), top-left origin. */
function wordsOfPage1(pdf: Buffer, dir: string): { text: string; xMax: number; yMin: number; yMax: number }[] {
  const file = join(dir, `page-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  const html = spawnSync('pdftotext', ['-bbox', '-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' }).stdout;
  return [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((m) => ({
    text: m[5]!.replace(/&amp;/g, '&'),
    xMax: Number(m[3]),
    yMin: Number(m[2]),
    yMax: Number(m[4]),
  }));
}

/** The signer identifier, ESS certificate hash and signed attributes of a CMS, read back by pkijs. */
function readCms(der: Buffer): { serial: string; issuer: string; essCertHash: string; signedAttrs: Buffer; signature: Buffer } {
  const sd = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(toArrayBuffer(der)).content });
  const si = sd.signerInfos[0]!;
  const sid = si.sid as pkijs.IssuerAndSerialNumber;
  const ess = si.signedAttrs!.attributes.find((a) => a.type === OID.signingCertificateV2)!;
  // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; ESSCertIDv2 starts with certHash.
  const essCertId = (ess.values[0] as { valueBlock: { value: { valueBlock: { value: { valueBlock: { value: { valueBlock: { valueHexView: Uint8Array } }[] } }[] } }[] } }).valueBlock.value[0]!.valueBlock.value[0]!;
  return {
    serial: Buffer.from(sid.serialNumber.valueBlock.valueHexView).toString('hex'),
    issuer: Buffer.from(sid.issuer.toSchema().toBER(false)).toString('hex'),
    essCertHash: Buffer.from(essCertId.valueBlock.value[0]!.valueBlock.valueHexView).toString('hex'),
    signedAttrs: Buffer.from(si.signedAttrs!.encodedValue),
    signature: Buffer.from(si.signature.valueBlock.valueHexView),
  };
}

/**
 * The CMS as pkijs builds it from its own objects alone (every attribute a pkijs.Attribute, the
 * certificates parsed and re-encoded): what cms.ts assembles from pre-encoded parts must equal it.
 */
function referenceSignedData(i: { contentDigest: Buffer; signerCertDer: Buffer; chain: Buffer[]; signature: Buffer; contentType?: string; signingTime?: Date; encapsulated?: Buffer; timestampToken?: Buffer }): Buffer {
  const cert = pkijs.Certificate.fromBER(toArrayBuffer(i.signerCertDer));
  const certHash = createHash('sha256').update(i.signerCertDer).digest();
  const essCertIdV2 = new asn1js.Sequence({
    value: [
      new asn1js.OctetString({ valueHex: toArrayBuffer(certHash) }),
      new asn1js.Sequence({
        value: [
          new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })] }),
          new asn1js.Integer({ valueHex: cert.serialNumber.valueBlock.valueHexView.slice().buffer }),
        ],
      }),
    ],
  });
  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: i.contentType ?? OID.data })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(i.contentDigest) })] }),
    ...(i.signingTime ? [new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: i.signingTime })] })] : []),
    new pkijs.Attribute({ type: OID.signingCertificateV2, values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })] }),
  ];
  const ec = cert.subjectPublicKeyInfo.algorithm.algorithmId === OID.ecPublicKey;
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes }),
    signatureAlgorithm: ec
      ? new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSHA256 })
      : new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }),
    signature: new asn1js.OctetString({ valueHex: toArrayBuffer(i.signature) }),
  });
  if (i.timestampToken) {
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
      type: 1,
      attributes: [new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [asn1js.fromBER(toArrayBuffer(i.timestampToken)).result] })],
    });
  }
  const signedData = new pkijs.SignedData({
    version: i.encapsulated ? 3 : 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: i.contentType ?? OID.data,
      ...(i.encapsulated ? { eContent: new asn1js.OctetString({ valueHex: toArrayBuffer(i.encapsulated) }) } : {}),
    }),
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
    certificates: i.chain.map((der) => pkijs.Certificate.fromBER(toArrayBuffer(der))),
    signerInfos: [signerInfo],
  });
  return Buffer.from(new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }).toSchema().toBER(false));
}

describe('Signing caches never mix signers', function () {
  this.timeout(60000);

  it('gives each of two certificates signed with in turn its own signer id, ESS certificate hash and a signature its key made', async () => {
    const keys = [await key('agencies/van-phong-chinh-phu.p12'), await key('agencies/uy-ban-nhan-dan-tinh-nghe-an.p12')];
    const chains = await Promise.all(keys.map((k) => k.certificateChain()));
    // A, B, A, B: the second use of each certificate comes from the cache, after the other's.
    for (const i of [0, 1, 0, 1]) {
      const chain = chains[i]!;
      const signer = parseCertificate(chain[0]!);
      const contentDigest = createHash('sha256').update(`document ${i}`).digest();
      const attrs = signedAttributesDer({ contentDigest, signerCertDer: chain[0]! });
      const signature = await keys[i]!.sign(attrs);
      const cms = buildSignedData({ contentDigest, signerCertDer: chain[0]!, chain, signature, signedAttributes: attrs });
      const read = readCms(cms);
      expect(read.serial).to.equal(Buffer.from(signer.serialNumber.valueBlock.valueHexView).toString('hex'));
      expect(read.issuer).to.equal(Buffer.from(signer.issuer.toSchema().toBER(false)).toString('hex'));
      expect(read.essCertHash).to.equal(createHash('sha256').update(chain[0]!).digest('hex'));
      // The embedded attributes are the bytes that were signed, and the other key's signature would not verify.
      expect(read.signedAttrs.equals(attrs)).to.equal(true);
      expect(nodeVerify('sha256', read.signedAttrs, new X509Certificate(chain[0]!).publicKey, read.signature)).to.equal(true);
      expect(nodeVerify('sha256', read.signedAttrs, new X509Certificate(chains[1 - i]![0]!).publicKey, read.signature)).to.equal(false);
      // Built again from the same input without the pre-encoded attributes: the same CMS.
      expect(buildSignedData({ contentDigest, signerCertDer: chain[0]!, chain, signature }).equals(cms)).to.equal(true);
    }
  });

  it('builds the same DER as pkijs from its own objects: RSA-2048, RSA-3072 and ECDSA P-256 signers, with a timestamp token, and a timestamp token itself', async () => {
    const files = ['agencies/van-phong-chinh-phu.p12', 'persons/dang-quoc-khanh.p12', 'agencies/uy-ban-nhan-dan-xa-hung-loc.p12'];
    let token: Buffer | undefined;
    for (const f of [...files, ...files]) {
      const k = await key(f);
      const chain = await k.certificateChain();
      const contentDigest = createHash('sha256').update(f).digest();
      const attrs = signedAttributesDer({ contentDigest, signerCertDer: chain[0]! });
      const signature = await k.sign(attrs);
      const plain = { contentDigest, signerCertDer: chain[0]!, chain, signature };
      expect(buildSignedData({ ...plain, signedAttributes: attrs }).equals(referenceSignedData(plain)), f).to.equal(true);
      if (token) expect(buildSignedData({ ...plain, timestampToken: token }).equals(referenceSignedData({ ...plain, timestampToken: token })), `${f} with a token`).to.equal(true);
      // A timestamp token's shape: TSTInfo encapsulated, its content type and a signing time signed.
      const tst = { contentDigest, signerCertDer: chain[0]!, chain, contentType: OID.tstInfo, signingTime: new Date('2026-12-05T02:14:03Z'), encapsulated: Buffer.from('a TSTInfo stands here') };
      const tstSignature = await k.sign(signedAttributesDer(tst));
      token = buildSignedData({ ...tst, signature: tstSignature });
      expect(token.equals(referenceSignedData({ ...tst, signature: tstSignature })), `${f} as a timestamp token`).to.equal(true);
    }
  });

  it('signs attachments with two agencies in turn and openssl verifies each against its own certificate', async function () {
    if (!has('openssl')) return this.skip();
    const dir = tmp();
    const { makeDecree30Pdf } = await import('../../fixtures/signing/decree30-pdf.ts');
    const pdf = await makeDecree30Pdf();
    const agencies = [await key('agencies/van-phong-chinh-phu.p12'), await key('agencies/uy-ban-nhan-dan-xa-hung-loc.p12')];
    for (const [n, i] of [0, 1, 0].entries()) {
      const signed = (await signAttachment(pdf, agencies[i]!, { notation: `${n + 1}/QĐ-UBND` })).pdf;
      const [sig] = extractSignatures(signed);
      const r = opensslCmsVerify(dir, sig!, n);
      expect(r.ok, r.text).to.equal(true);
      const chain = await agencies[i]!.certificateChain();
      expect(readCms(sig!.cms).essCertHash).to.equal(createHash('sha256').update(chain[0]!).digest('hex'));
    }
  });

  it('draws each attachment its own notation and time, top right of page 1 at 10 pt, however notations, times and agencies alternate', async function () {
    if (!has('pdftotext')) return this.skip();
    const dir = tmp();
    const { makeDecree30Pdf } = await import('../../fixtures/signing/decree30-pdf.ts');
    const pdf = await makeDecree30Pdf();
    const vpcp = await key('agencies/van-phong-chinh-phu.p12');
    const xa = await key('agencies/uy-ban-nhan-dan-xa-hung-loc.p12');
    // Repeats (the same notation, the same second) come from the caches, after other strings.
    const runs = [
      { k: vpcp, notation: '15/QĐ-UBND', at: '2026-12-05T02:14:03Z', time: '2026-12-05T09:14:03+07:00' },
      { k: xa, notation: '07/UBND-VX', at: '2026-12-05T02:14:03Z', time: '2026-12-05T09:14:03+07:00' },
      { k: vpcp, notation: 'Số 3/TTr-SKHCN Nguyễn Thị Lấp Lánh Ánh', at: '2026-12-05T02:14:04Z', time: '2026-12-05T09:14:04+07:00' },
      { k: vpcp, notation: '16/QĐ-UBND', at: '2026-12-31T16:59:59Z', time: '2026-12-31T23:59:59+07:00' },
      { k: xa, notation: '15/QĐ-UBND', at: '2026-12-05T02:14:03Z', time: '2026-12-05T09:14:03+07:00' },
    ];
    for (const r of runs) {
      const signed = (await signAttachment(pdf, r.k, { notation: r.notation, signingTime: new Date(r.at) })).pdf;
      // The stamp is the only text above the Decree 30 header (which starts ~50 pt from the top).
      const top = wordsOfPage1(signed, dir).filter((w) => w.yMax < 48);
      const lines = [...new Set(top.map((w) => w.yMin.toFixed(1)))].map((y) => top.filter((w) => w.yMin.toFixed(1) === y));
      expect(lines.map((l) => l.map((w) => w.text).join(' '))).to.deep.equal([r.notation, r.time]);
      for (const l of lines) {
        // Right-aligned 15 mm from the right edge of the A4 page (595.28 pt), 10 pt type.
        expect(l[l.length - 1]!.xMax).to.be.closeTo(595.28 - (15 * 72) / 25.4 - 1, 0.5);
        expect(l[0]!.yMax - l[0]!.yMin).to.be.within(9.5, 12);
      }
    }
  });
});
