// Test-only PKI shaped like the Vietnamese government's (DOMAIN.md §4): a root "Test RootCA chuyên
// dùng Chính phủ G2", an issuing CA "Test CA phục vụ các cơ quan Nhà nước G2", person and agency
// certificates, broken ones for negative tests, a CRL, a test TSA, PKCS#12 files and PNG images.
// Built with pkijs + node:crypto (pkijs handles ECDSA subjects and UTF8String names natively).
// NEVER use these keys for anything but tests: the passphrase is published in the README.
import { generateKeyPairSync, randomBytes, createHash, webcrypto, type KeyObject, type webcrypto as WebCryptoTypes } from 'node:crypto';
type CryptoKey = WebCryptoTypes.CryptoKey;
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID, ensurePkijsEngine, pemEncode, toArrayBuffer } from './pki-util.ts';
import { drawSealPng, drawSignaturePng } from './sample-images.ts';

ensurePkijsEngine();

export const SAMPLE_PASSPHRASE = 'VanThu-Test-Only-2026';

type KeySpec = 'rsa2048' | 'rsa3072' | 'p256';

interface Subject {
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  title?: string;
  locality?: string;
  state?: string;
  uid?: string;
}

interface Issued {
  cert: pkijs.Certificate;
  der: Buffer;
  privateKey: KeyObject;
  ski: Buffer;
  name: pkijs.RelativeDistinguishedNames;
}

export interface SampleEntry {
  file: string;
  kind: 'person' | 'agency' | 'invalid' | 'tsa';
  commonName: string;
  organization?: string;
  title?: string;
  key: KeySpec;
  note?: string;
  signatureImage?: string;
  sealImage?: string;
}

function makeKey(spec: KeySpec): { privateKey: KeyObject; publicKey: KeyObject } {
  if (spec === 'p256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('rsa', { modulusLength: spec === 'rsa3072' ? 3072 : 2048 });
}

function rdn(s: Subject): pkijs.RelativeDistinguishedNames {
  const tv = (type: string, value: string, printable = false) =>
    new pkijs.AttributeTypeAndValue({
      type,
      // UTF8String for Vietnamese values (RFC 5280 §4.1.2.4); country is PrintableString.
      value: printable ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value: value.normalize('NFC') }),
    });
  const list: pkijs.AttributeTypeAndValue[] = [tv(OID.country, 'VN', true)];
  if (s.state) list.push(tv(OID.state, s.state));
  if (s.locality) list.push(tv(OID.locality, s.locality));
  if (s.organization) list.push(tv(OID.organization, s.organization));
  if (s.organizationalUnit) list.push(tv(OID.organizationalUnit, s.organizationalUnit));
  if (s.title) list.push(tv(OID.title, s.title));
  if (s.uid) list.push(tv(OID.uid, s.uid));
  list.push(tv(OID.commonName, s.commonName));
  // One attribute per RDN (a SEQUENCE of single-element SETs), as CAs write names; pkijs would put
  // them all in one multi-valued SET, which validators display as "C=VN + O=… + CN=…".
  const der = new asn1js.Sequence({ value: list.map((a) => new asn1js.Set({ value: [a.toSchema()] })) }).toBER(false);
  return pkijs.RelativeDistinguishedNames.fromBER(der);
}

function keyUsageBits(bits: number): asn1js.BitString {
  let unused = 0;
  while (unused < 7 && (bits & (1 << unused)) === 0) unused++;
  return new asn1js.BitString({ valueHex: new Uint8Array([bits]).buffer, unusedBits: unused });
}

const KU = { digitalSignature: 0x80, nonRepudiation: 0x40, keyEncipherment: 0x20, keyCertSign: 0x04, cRLSign: 0x02 };

async function webKey(privateKey: KeyObject): Promise<CryptoKey> {
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']) as Promise<CryptoKey>;
}

interface IssueOptions {
  subject: Subject;
  key: KeySpec;
  issuer?: Issued; // absent = self-signed
  notBefore: Date;
  notAfter: Date;
  ca?: { pathLen?: number };
  keyUsage: number;
  extKeyUsage?: string[];
  critEku?: boolean;
}

async function issue(o: IssueOptions): Promise<Issued> {
  const { privateKey, publicKey } = makeKey(o.key);
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x10;
  cert.serialNumber = new asn1js.Integer({ valueHex: toArrayBuffer(serial) });
  const name = rdn(o.subject);
  cert.subject = name;
  cert.issuer = o.issuer ? o.issuer.name : name;
  cert.notBefore.value = o.notBefore;
  cert.notAfter.value = o.notAfter;
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(toArrayBuffer(publicKey.export({ type: 'spki', format: 'der' })));
  const ski = createHash('sha1').update(Buffer.from(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView)).digest();
  const ext: pkijs.Extension[] = [];
  if (o.ca) {
    ext.push(
      new pkijs.Extension({
        extnID: OID.basicConstraints,
        critical: true,
        extnValue: new pkijs.BasicConstraints(o.ca.pathLen === undefined ? { cA: true } : { cA: true, pathLenConstraint: o.ca.pathLen }).toSchema().toBER(false),
      }),
    );
  }
  ext.push(new pkijs.Extension({ extnID: OID.keyUsage, critical: true, extnValue: keyUsageBits(o.keyUsage).toBER(false) }));
  if (o.extKeyUsage) {
    ext.push(
      new pkijs.Extension({
        extnID: OID.extKeyUsage,
        critical: o.critEku ?? false,
        extnValue: new pkijs.ExtKeyUsage({ keyPurposes: o.extKeyUsage }).toSchema().toBER(false),
      }),
    );
  }
  ext.push(new pkijs.Extension({ extnID: OID.subjectKeyIdentifier, extnValue: new asn1js.OctetString({ valueHex: toArrayBuffer(ski) }).toBER(false) }));
  // On the root the AKI equals its own SKI, otherwise OpenSSL cannot build the chain (TOOLCHAIN.md).
  const aki = o.issuer ? o.issuer.ski : ski;
  ext.push(
    new pkijs.Extension({
      extnID: OID.authorityKeyIdentifier,
      extnValue: new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: toArrayBuffer(aki) }) }).toSchema().toBER(false),
    }),
  );
  cert.extensions = ext;
  await cert.sign(await webKey(o.issuer ? o.issuer.privateKey : privateKey), 'SHA-256');
  const der = Buffer.from(cert.toSchema(true).toBER(false));
  return { cert: pkijs.Certificate.fromBER(toArrayBuffer(der)), der, privateKey, ski, name };
}

async function makeCrl(ca: Issued, revoked: { cert: pkijs.Certificate; at: Date }[], thisUpdate: Date, nextUpdate: Date): Promise<Buffer> {
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = ca.name;
  crl.thisUpdate = new pkijs.Time({ type: 0, value: thisUpdate });
  crl.nextUpdate = new pkijs.Time({ type: 0, value: nextUpdate });
  crl.revokedCertificates = revoked.map(
    (r) => new pkijs.RevokedCertificate({ userCertificate: r.cert.serialNumber, revocationDate: new pkijs.Time({ type: 0, value: r.at }) }),
  );
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [
      new pkijs.Extension({
        extnID: OID.authorityKeyIdentifier,
        extnValue: new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: toArrayBuffer(ca.ski) }) }).toSchema().toBER(false),
      }),
      new pkijs.Extension({ extnID: OID.crlNumber, extnValue: new asn1js.Integer({ value: 1 }).toBER(false) }),
    ],
  });
  await crl.sign(await webKey(ca.privateKey), 'SHA-256');
  return Buffer.from(crl.toSchema(true).toBER(false));
}

/** PKCS#12 with PBES2/PBKDF2-SHA256/AES-256-CBC and a SHA-256 MAC, as OpenSSL 3 writes by default. */
export async function makePkcs12(privateKey: KeyObject, chainDer: Buffer[], passphrase: string, friendlyName: string): Promise<Buffer> {
  const password = toArrayBuffer(Buffer.from(passphrase, 'utf8'));
  const localKeyId = createHash('sha1').update(chainDer[0]!).digest();
  const attrs = () => [
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.20', values: [new asn1js.BmpString({ value: friendlyName })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.21', values: [new asn1js.OctetString({ valueHex: toArrayBuffer(localKeyId) })] }),
  ];
  const pkcs8 = pkijs.PrivateKeyInfo.fromBER(toArrayBuffer(privateKey.export({ type: 'pkcs8', format: 'der' })));
  const params = { password, contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 }, hmacHashAlgorithm: 'SHA-256', iterationCount: 2048 };
  const certBags = chainDer.map(
    (der, i) =>
      new pkijs.SafeBag({
        bagId: '1.2.840.113549.1.12.10.1.3',
        bagValue: new pkijs.CertBag({ parsedValue: pkijs.Certificate.fromBER(toArrayBuffer(der)) }),
        bagAttributes: i === 0 ? attrs() : undefined,
      }),
  );
  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: [
            { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certBags }) },
            {
              privacyMode: 0,
              value: new pkijs.SafeContents({
                safeBags: [
                  new pkijs.SafeBag({ bagId: '1.2.840.113549.1.12.10.1.2', bagValue: new pkijs.PKCS8ShroudedKeyBag({ parsedValue: pkcs8 }), bagAttributes: attrs() }),
                ],
              }),
            },
          ],
        },
      }),
    },
  });
  const safe = pfx.parsedValue!.authenticatedSafe!;
  await (safe.parsedValue!.safeContents[1]!.value.safeBags[0]!.bagValue as pkijs.PKCS8ShroudedKeyBag).makeInternalValues(params);
  await safe.makeInternalValues({ safeContents: [params, {}] });
  await pfx.makeInternalValues({ password, iterations: 2048, pbkdf2HashAlgorithm: 'SHA-256', hmacHashAlgorithm: 'SHA-256' });
  return Buffer.from(pfx.toSchema().toBER(false));
}

const slug = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export interface SampleManifest {
  warning: string;
  passphrase: string;
  root: string;
  issuingCa: string;
  chain: string;
  crl: string;
  tsa: { cert: string; key: string };
  entries: SampleEntry[];
}

/** Generates the whole sample PKI into `outDir`; returns the manifest written as manifest.json. */
export async function generateSamplePki(outDir: string): Promise<SampleManifest> {
  for (const d of ['', 'persons', 'agencies', 'invalid', 'images', 'tsa']) mkdirSync(join(outDir, d), { recursive: true });
  const y = (year: number, m = 1, d = 1) => new Date(Date.UTC(year, m - 1, d));
  const root = await issue({
    subject: { commonName: 'Test RootCA chuyên dùng Chính phủ G2', organization: 'Ban Cơ yếu Chính phủ (TEST)' },
    key: 'rsa3072',
    notBefore: y(2024),
    notAfter: y(2045),
    ca: {},
    keyUsage: KU.keyCertSign | KU.cRLSign,
  });
  const ca = await issue({
    subject: { commonName: 'Test CA phục vụ các cơ quan Nhà nước G2', organization: 'Ban Cơ yếu Chính phủ (TEST)' },
    key: 'rsa3072',
    issuer: root,
    notBefore: y(2024),
    notAfter: y(2040),
    ca: { pathLen: 0 },
    keyUsage: KU.keyCertSign | KU.cRLSign,
  });
  const write = (rel: string, data: Buffer | string) => writeFileSync(join(outDir, rel), data);
  write('root-ca.pem', pemEncode('CERTIFICATE', root.der));
  write('issuing-ca.pem', pemEncode('CERTIFICATE', ca.der));
  write('chain.pem', pemEncode('CERTIFICATE', ca.der) + pemEncode('CERTIFICATE', root.der));

  const signingEku = ['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.2'];
  const entries: SampleEntry[] = [];
  const revokedList: { cert: pkijs.Certificate; at: Date }[] = [];
  const endEntity = async (
    kind: SampleEntry['kind'],
    dir: string,
    subject: Subject,
    key: KeySpec,
    extra: Partial<IssueOptions> & { note?: string; revokedAt?: Date; image?: 'signature' | 'seal' } = {},
  ) => {
    const issued = await issue({
      subject,
      key,
      issuer: ca,
      notBefore: extra.notBefore ?? y(2025),
      notAfter: extra.notAfter ?? y(2030, 12, 31),
      keyUsage: extra.keyUsage ?? KU.digitalSignature | KU.nonRepudiation,
      extKeyUsage: extra.extKeyUsage ?? signingEku,
      critEku: extra.critEku,
    });
    const base = `${dir}/${slug(subject.commonName)}`;
    write(`${base}.pem`, pemEncode('CERTIFICATE', issued.der));
    write(`${base}.p12`, await makePkcs12(issued.privateKey, [issued.der, ca.der, root.der], SAMPLE_PASSPHRASE, subject.commonName));
    const entry: SampleEntry = { file: `${base}.p12`, kind, commonName: subject.commonName, organization: subject.organization, title: subject.title, key, note: extra.note };
    if (extra.image === 'signature') {
      entry.signatureImage = `images/signature-${slug(subject.commonName)}.png`;
      write(entry.signatureImage, drawSignaturePng(subject.commonName));
    }
    if (extra.image === 'seal') {
      entry.sealImage = `images/seal-${slug(subject.commonName)}.png`;
      // Commune seals are smaller than provincial/central ones.
      write(entry.sealImage, drawSealPng(subject.commonName, /xã|phường/i.test(subject.commonName) ? 34 : 36));
    }
    if (extra.revokedAt) revokedList.push({ cert: issued.cert, at: extra.revokedAt });
    entries.push(entry);
    return issued;
  };

  await endEntity('person', 'persons', { commonName: 'Nguyễn Thị Lấp Lánh Ánh', title: 'Chủ tịch', organization: 'Ủy ban nhân dân tỉnh Nghệ An', state: 'Nghệ An', uid: 'CCCD:040190000001' }, 'rsa2048', { image: 'signature' });
  await endEntity('person', 'persons', { commonName: 'Trần Văn Hùng', title: 'Chủ tịch', organization: 'Ủy ban nhân dân xã Hưng Lộc', state: 'Nghệ An', uid: 'CCCD:040185000002' }, 'p256', { image: 'signature' });
  await endEntity('person', 'persons', { commonName: 'Đặng Quốc Khánh', title: 'Bộ trưởng, Chủ nhiệm', organization: 'Văn phòng Chính phủ', locality: 'Hà Nội', uid: 'CCCD:001080000003' }, 'rsa3072', { image: 'signature' });
  await endEntity('agency', 'agencies', { commonName: 'Ủy ban nhân dân tỉnh Nghệ An', organization: 'Ủy ban nhân dân tỉnh Nghệ An', state: 'Nghệ An', uid: 'MNS:1012345' }, 'rsa3072', { image: 'seal' });
  await endEntity('agency', 'agencies', { commonName: 'Văn phòng Chính phủ', organization: 'Văn phòng Chính phủ', locality: 'Hà Nội', uid: 'MNS:1000001' }, 'rsa2048', { image: 'seal' });
  await endEntity('agency', 'agencies', { commonName: 'Ủy ban nhân dân xã Hưng Lộc', organization: 'Ủy ban nhân dân xã Hưng Lộc', state: 'Nghệ An', uid: 'MNS:1098765' }, 'p256', { image: 'seal' });
  await endEntity('invalid', 'invalid', { commonName: 'Lê Văn Hết Hạn', title: 'Phó Chủ tịch', organization: 'Ủy ban nhân dân tỉnh Nghệ An' }, 'rsa2048', {
    notBefore: y(2022),
    notAfter: y(2024, 12, 31),
    note: 'expired 2024-12-31',
  });
  await endEntity('invalid', 'invalid', { commonName: 'Phạm Thị Thu Hồi', title: 'Phó Chủ tịch', organization: 'Ủy ban nhân dân tỉnh Nghệ An' }, 'rsa2048', {
    revokedAt: y(2026, 1, 15),
    note: 'revoked 2026-01-15 (listed in crl/issuing-ca.crl)',
  });
  await endEntity('invalid', 'invalid', { commonName: 'Hoàng Văn Không Ký', title: 'Chuyên viên', organization: 'Ủy ban nhân dân tỉnh Nghệ An' }, 'rsa2048', {
    keyUsage: KU.keyEncipherment,
    extKeyUsage: ['1.3.6.1.5.5.7.3.2'],
    note: 'keyUsage keyEncipherment only: no digitalSignature',
  });

  const tsa = await issue({
    subject: { commonName: 'Test TSA VănThư', organization: 'Ban Cơ yếu Chính phủ (TEST)' },
    key: 'rsa2048',
    issuer: ca,
    notBefore: y(2025),
    notAfter: y(2035),
    keyUsage: KU.digitalSignature | KU.nonRepudiation,
    extKeyUsage: [OID.timeStamping],
    critEku: true, // RFC 3161 §2.3: the TSA certificate's EKU must be critical timeStamping only.
  });
  write('tsa/tsa.pem', pemEncode('CERTIFICATE', tsa.der));
  write('tsa/tsa.key.pem', tsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  entries.push({ file: 'tsa/tsa.pem', kind: 'tsa', commonName: 'Test TSA VănThư', key: 'rsa2048', note: 'key in tsa/tsa.key.pem (unencrypted, test-only)' });

  mkdirSync(join(outDir, 'crl'), { recursive: true });
  const crl = await makeCrl(ca, revokedList, y(2026, 1, 16), y(2036, 1, 16));
  write('crl/issuing-ca.crl', crl);
  write('crl/issuing-ca.crl.pem', pemEncode('X509 CRL', crl));

  const manifest: SampleManifest = {
    warning: 'TEST ONLY — these keys and the passphrase are public. Never trust this root in production.',
    passphrase: SAMPLE_PASSPHRASE,
    root: 'root-ca.pem',
    issuingCa: 'issuing-ca.pem',
    chain: 'chain.pem',
    crl: 'crl/issuing-ca.crl',
    tsa: { cert: 'tsa/tsa.pem', key: 'tsa/tsa.key.pem' },
    entries,
  };
  write('manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
