// CMS SignedData for PAdES baseline signatures (ETSI EN 319 142-1, CAdES EN 319 122-1), built with
// pkijs and signed through a KeySource (node:crypto for local keys). Deterministic given the content
// digest and the signer certificate, so an external signer's value can be embedded later.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, ensurePkijsEngine, parseCertificate, toArrayBuffer } from './pki-util.ts';

ensurePkijsEngine();

function sha256Alg(): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });
}

/** ESS signing-certificate-v2 (RFC 5035): binds the signer certificate into the signed data. */
function signingCertificateV2(certDer: Buffer): asn1js.Sequence {
  const cert = parseCertificate(certDer);
  const certHash = createHash('sha256').update(certDer).digest();
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })] }),
      new asn1js.Integer({ valueHex: cert.serialNumber.valueBlock.valueHexView.slice().buffer }),
    ],
  });
  // hashAlgorithm is omitted: its DEFAULT is SHA-256.
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: toArrayBuffer(certHash) }), issuerSerial] });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

export interface SignedAttributesInput {
  contentDigest: Buffer;
  signerCertDer: Buffer;
  contentType?: string;
  /** Only for non-PAdES uses (the TSA): PAdES puts the claimed time in the signature dictionary /M. */
  signingTime?: Date;
}

function buildAttributes(i: SignedAttributesInput): pkijs.SignedAndUnsignedAttributes {
  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: i.contentType ?? OID.data })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(i.contentDigest) })] }),
  ];
  if (i.signingTime) attributes.push(new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: i.signingTime })] }));
  attributes.push(new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(i.signerCertDer)] }));
  return new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes });
}

/** DER of the signed attributes as a SET (tag 0x31): the exact bytes the signer signs (RFC 5652 §5.4). */
export function signedAttributesDer(i: SignedAttributesInput): Buffer {
  const der = Buffer.from(buildAttributes(i).toSchema().toBER(false));
  der[0] = 0x31;
  return der;
}

export interface BuildCmsInput extends SignedAttributesInput {
  chain: Buffer[];
  signature: Buffer;
  /** Encapsulated content (TSTInfo for a timestamp token); absent = detached (PAdES). */
  encapsulated?: Buffer;
  timestampToken?: Buffer;
}

export function isEcCertificate(certDer: Buffer): boolean {
  return parseCertificate(certDer).subjectPublicKeyInfo.algorithm.algorithmId === OID.ecPublicKey;
}

/**
 * A certificate that encodes as its own DER. pkijs would re-parse each certificate's TBS part and
 * re-encode the whole tree on every signature (most of a CMS's build time); the bytes are the same.
 */
class EncodedCertificate extends asn1js.Sequence {
  constructor(private readonly der: Uint8Array) {
    super();
  }

  override toBER(sizeOnly?: boolean, writer?: asn1js.ViewWriter): ArrayBuffer {
    const bytes = sizeOnly ? new ArrayBuffer(this.der.length) : toArrayBuffer(this.der);
    if (writer) {
      writer.write(bytes);
      return new ArrayBuffer(0);
    }
    return bytes;
  }
}

export function buildSignedData(i: BuildCmsInput): Buffer {
  const cert = parseCertificate(i.signerCertDer);
  const signedAttrs = buildAttributes(i);
  const ec = isEcCertificate(i.signerCertDer);
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: sha256Alg(),
    signedAttrs,
    signatureAlgorithm: ec
      ? new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSHA256 })
      : new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }),
    signature: new asn1js.OctetString({ valueHex: toArrayBuffer(i.signature) }),
  });
  if (i.timestampToken) {
    const token = asn1js.fromBER(toArrayBuffer(i.timestampToken));
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
      type: 1,
      attributes: [new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [token.result] })],
    });
  }
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: i.contentType ?? OID.data,
      ...(i.encapsulated ? { eContent: new asn1js.OctetString({ valueHex: toArrayBuffer(i.encapsulated) }) } : {}),
    }),
    digestAlgorithms: [sha256Alg()],
    signerInfos: [signerInfo],
  });
  if (i.encapsulated) signedData.version = 3; // RFC 5652 §5.1: eContentType other than id-data.
  const schema = signedData.toSchema(true);
  // certificates [0] IMPLICIT CertificateSet, right after encapContentInfo (RFC 5652 §5.1): what
  // pkijs writes for `certificates`, with each certificate's own DER.
  schema.valueBlock.value.splice(3, 0, new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: i.chain.map((der) => new EncodedCertificate(der)) }));
  const ci = new pkijs.ContentInfo({ contentType: OID.signedData, content: schema });
  return Buffer.from(ci.toSchema().toBER(false));
}

/** Hash of the signature value, the message imprint of an RFC 3161 signature timestamp. */
export function signatureValueOf(cmsDer: Buffer): Buffer {
  const ci = pkijs.ContentInfo.fromBER(toArrayBuffer(cmsDer));
  const sd = new pkijs.SignedData({ schema: ci.content });
  return Buffer.from(sd.signerInfos[0]!.signature.valueBlock.valueHexView);
}
