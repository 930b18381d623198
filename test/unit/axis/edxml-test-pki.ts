// Throwaway keys and certificates for the signature tests, made in memory (node:crypto for the keys,
// node-forge only to assemble the X.509 structures). Never used outside tests.
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface TestIdentity {
  keyPem: string;
  certPem: string;
  /** Subject attributes, reused as the issuer of certificates this identity signs. */
  subject: forge.pki.CertificateField[];
}

interface CertSpec {
  commonName: string;
  organization?: string;
  bits?: number;
  issuer?: TestIdentity;
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
}

let serial = 1;

export function makeIdentity(spec: CertSpec): TestIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: spec.bits ?? 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = (0x1000 + serial++).toString(16);
  cert.validity.notBefore = spec.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notAfter = spec.notAfter ?? new Date(Date.now() + 365 * 24 * 3600_000);
  // UTF8String so that Vietnamese names survive (TOOLCHAIN.md, PKI with node-forge).
  // Conventional RDN order (O, then CN); forge itself UTF-8-encodes UTF8String values.
  const attrs = [
    ...(spec.organization ? [{ shortName: 'O', value: spec.organization, valueTagClass: forge.asn1.Type.UTF8 }] : []),
    { shortName: 'CN', value: spec.commonName, valueTagClass: forge.asn1.Type.UTF8 },
  ] as unknown as forge.pki.CertificateField[];
  cert.setSubject(attrs);
  // Reuse the issuer's attributes as given: re-reading them from its PEM would encode UTF-8 twice.
  cert.setIssuer(spec.issuer ? spec.issuer.subject : attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: spec.ca ?? false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyCertSign: spec.ca ?? false },
  ]);
  const signingKey = forge.pki.privateKeyFromPem(spec.issuer ? spec.issuer.keyPem : privateKey);
  cert.sign(signingKey, forge.md.sha256.create());
  return { keyPem: privateKey, certPem: forge.pki.certificateToPem(cert), subject: attrs };
}
