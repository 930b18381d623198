// CMS SignedData for PAdES baseline signatures (ETSI EN 319 142-1, CAdES EN 319 122-1), encoded with
// asn1js/pkijs and signed through a KeySource (node:crypto for local keys). Deterministic given the
// content digest and the signer certificate, so an external signer's value can be embedded later.
// What does not change between signatures (algorithm identifiers, versions, the signer's identifier
// and ESS attribute) is encoded once by asn1js/pkijs and reused as bytes: building a pkijs object
// tree and re-encoding it was most of a signature's CPU after RSA and the document hash.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, ensurePkijsEngine, parseCertificate, toArrayBuffer } from './pki-util.ts';

ensurePkijsEngine();

function sha256Alg(): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });
}

/**
 * An ASN.1 element written as bytes encoded earlier (by asn1js/pkijs, or a certificate's own DER),
 * placed among the values of an asn1js constructed element: asn1js encodes those by calling
 * toBER(sizeOnly, writer) on each, which is all this answers. Not an asn1js block itself, because
 * constructing one costs more than encoding it; immutable, so one instance serves every signature.
 */
class Encoded {
  private readonly bytes: ArrayBuffer;

  constructor(der: Uint8Array) {
    this.bytes = toArrayBuffer(der);
  }

  get block(): asn1js.BaseBlock {
    return this as unknown as asn1js.BaseBlock;
  }

  toBER(sizeOnly?: boolean, writer?: asn1js.ViewWriter): ArrayBuffer {
    const bytes = sizeOnly ? new ArrayBuffer(this.bytes.byteLength) : this.bytes;
    if (writer) {
      writer.write(bytes);
      return new ArrayBuffer(0);
    }
    return bytes;
  }
}

/** Signed attributes encoded as the SET that is signed, as the SignerInfo carries them: [0] IMPLICIT. */
function signedAttributesField(setDer: Uint8Array): asn1js.BaseBlock {
  // RFC 5652 §5.4: the signature covers the SET OF encoding; the SignerInfo holds the same bytes
  // under the [0] IMPLICIT tag.
  const der = Buffer.from(setDer);
  der[0] = 0xa0;
  return new Encoded(der).block;
}

/** What a signature needs from its signer certificate, encoded once per certificate. */
interface SignerParts {
  /** IssuerAndSerialNumber (the SignerInfo's sid). */
  sid: Encoded;
  /** The ESS signing-certificate-v2 Attribute (RFC 5035): binds the signer certificate into the signed data. */
  signingCertificateV2: Encoded;
  ec: boolean;
}

// Keyed by the certificate's whole DER: two certificates never share an entry, whatever their names.
const signerPartsCache = new Map<string, SignerParts>();
const MAX_SIGNERS = 256;

function signerParts(certDer: Buffer): SignerParts {
  const key = certDer.toString('base64');
  let parts = signerPartsCache.get(key);
  if (!parts) {
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
    const signingCertificateV2 = new pkijs.Attribute({
      type: OID.signingCertificateV2,
      values: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] })],
    });
    parts = {
      sid: new Encoded(new Uint8Array(new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }).toSchema().toBER(false))),
      signingCertificateV2: new Encoded(new Uint8Array(signingCertificateV2.toSchema().toBER(false))),
      ec: cert.subjectPublicKeyInfo.algorithm.algorithmId === OID.ecPublicKey,
    };
    if (signerPartsCache.size >= MAX_SIGNERS) signerPartsCache.delete(signerPartsCache.keys().next().value!);
    signerPartsCache.set(key, parts);
  }
  return parts;
}

export interface SignedAttributesInput {
  contentDigest: Buffer;
  signerCertDer: Buffer;
  contentType?: string;
  /** Only for non-PAdES uses (the TSA): PAdES puts the claimed time in the signature dictionary /M. */
  signingTime?: Date;
}

function buildAttributes(i: SignedAttributesInput): asn1js.Constructed {
  const contentType = i.contentType ?? OID.data;
  const attributes: asn1js.BaseBlock[] = [
    constant(`attr:contentType:${contentType}`, () => new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: contentType })] }).toSchema()),
    // Attribute ::= SEQUENCE { attrType, attrValues SET } (RFC 5652 §5.3), as pkijs.Attribute writes it.
    new asn1js.Sequence({
      value: [constant('oid:messageDigest', () => new asn1js.ObjectIdentifier({ value: OID.messageDigest })), new asn1js.Set({ value: [new asn1js.OctetString({ valueHex: toArrayBuffer(i.contentDigest) })] })],
    }),
  ];
  if (i.signingTime) attributes.push(new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: i.signingTime })] }).toSchema());
  attributes.push(signerParts(i.signerCertDer).signingCertificateV2.block);
  // What pkijs.SignedAndUnsignedAttributes({ type: 0 }).toSchema() builds, with the ESS attribute pre-encoded.
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: attributes });
}

/** DER of the signed attributes as a SET (tag 0x31): the exact bytes the signer signs (RFC 5652 §5.4). */
export function signedAttributesDer(i: SignedAttributesInput): Buffer {
  const der = Buffer.from(buildAttributes(i).toBER(false));
  der[0] = 0x31;
  return der;
}

export interface BuildCmsInput extends SignedAttributesInput {
  chain: Buffer[];
  signature: Buffer;
  /**
   * The signed attributes exactly as signed (`signedAttributesDer` of the same input): embedded as
   * they are instead of being built again. The CMS then carries the very bytes the signature covers.
   */
  signedAttributes?: Buffer;
  /** Encapsulated content (TSTInfo for a timestamp token); absent = detached (PAdES). */
  encapsulated?: Buffer;
  timestampToken?: Buffer;
}

export function isEcCertificate(certDer: Buffer): boolean {
  return signerParts(certDer).ec;
}

/**
 * DER encoded once per process (by asn1js / pkijs) of the parts every CMS repeats: versions,
 * algorithm identifiers, the content-type attribute, a detached EncapsulatedContentInfo.
 */
const constants = new Map<string, Encoded>();
function constant(key: string, build: () => asn1js.BaseBlock): asn1js.BaseBlock {
  let e = constants.get(key);
  if (!e) {
    e = new Encoded(new Uint8Array(build().toBER(false)));
    constants.set(key, e);
  }
  return e.block;
}

/**
 * SignedData (RFC 5652 §5.1, §5.3) assembled with asn1js from pre-encoded parts: what
 * pkijs.SignedData with one SignerInfo writes (a unit test compares the two byte for byte), without
 * building a pkijs object tree and re-encoding its constant parts on every signature.
 */
export function buildSignedData(i: BuildCmsInput): Buffer {
  const parts = signerParts(i.signerCertDer);
  const contentType = i.contentType ?? OID.data;
  const signerInfo: asn1js.BaseBlock[] = [
    constant('version:1', () => new asn1js.Integer({ value: 1 })), // sid is an IssuerAndSerialNumber
    parts.sid.block,
    constant('alg:sha256', () => sha256Alg().toSchema()),
    signedAttributesField(i.signedAttributes ?? signedAttributesDer(i)),
    parts.ec
      ? constant('alg:ecdsa-with-sha256', () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSHA256 }).toSchema())
      : constant('alg:rsa', () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() }).toSchema()),
    new asn1js.OctetString({ valueHex: toArrayBuffer(i.signature) }),
  ];
  if (i.timestampToken) {
    const token = asn1js.fromBER(toArrayBuffer(i.timestampToken));
    signerInfo.push(
      new pkijs.SignedAndUnsignedAttributes({ type: 1, attributes: [new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [token.result] })] }).toSchema(),
    );
  }
  const encapContentInfo = i.encapsulated
    ? new pkijs.EncapsulatedContentInfo({ eContentType: contentType, eContent: new asn1js.OctetString({ valueHex: toArrayBuffer(i.encapsulated) }) }).toSchema()
    : constant(`encap:${contentType}`, () => new pkijs.EncapsulatedContentInfo({ eContentType: contentType }).toSchema());
  const signedData = new asn1js.Sequence({
    value: [
      // RFC 5652 §5.1: version 3 when eContentType is other than id-data (a timestamp's TSTInfo).
      i.encapsulated ? constant('version:3', () => new asn1js.Integer({ value: 3 })) : constant('version:1', () => new asn1js.Integer({ value: 1 })),
      constant('digestAlgorithms:sha256', () => new asn1js.Set({ value: [sha256Alg().toSchema()] })),
      encapContentInfo,
      // certificates [0] IMPLICIT CertificateSet, each certificate as its own DER.
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: i.chain.map((der) => new Encoded(der).block) }),
      new asn1js.Set({ value: [new asn1js.Sequence({ value: signerInfo })] }),
    ],
  });
  // ContentInfo ::= SEQUENCE { contentType, content [0] EXPLICIT } (RFC 5652 §3), as pkijs.ContentInfo writes it.
  const contentInfo = new asn1js.Sequence({
    value: [constant('oid:signedData', () => new asn1js.ObjectIdentifier({ value: OID.signedData })), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [signedData] })],
  });
  return Buffer.from(contentInfo.toBER(false));
}

/** Hash of the signature value, the message imprint of an RFC 3161 signature timestamp. */
export function signatureValueOf(cmsDer: Buffer): Buffer {
  const ci = pkijs.ContentInfo.fromBER(toArrayBuffer(cmsDer));
  const sd = new pkijs.SignedData({ schema: ci.content });
  return Buffer.from(sd.signerInfos[0]!.signature.valueBlock.valueHexView);
}
