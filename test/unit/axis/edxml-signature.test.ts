// The sending agency's enveloped XMLDSig signature (QCVN 102:2016 edXMLHeader/Signature): valid when
// intact, invalid as soon as any header field or attachment byte changes.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';
import { AppError } from '../../../server/errors.ts';
import {
  buildDocumentPackage,
  buildStatusPackage,
  EDXML_NS,
  parseEdxml,
  parseEdxmlDocument,
  signPackage,
  verifyPackageSignature,
} from '../../../server/axis/edxml/index.ts';
import { corpusAvailable, corpusDir, sampleDocument, sampleStatus } from './edxml-samples.ts';
import { makeIdentity, type TestIdentity } from './edxml-test-pki.ts';

function leafElements(root: Element): Element[] {
  const out: Element[] = [];
  const walk = (el: Element): void => {
    let hasElementChild = false;
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === 1) {
        hasElementChild = true;
        walk(n as Element);
      }
    }
    if (!hasElementChild) out.push(el);
  };
  walk(root);
  return out;
}

describe('edXML package signature (XMLDSig, RSA-SHA256)', function () {
  let agency: TestIdentity;
  let signed: string;

  before(async function () {
    agency = makeIdentity({ commonName: 'UBND Tỉnh Nghệ An', organization: 'Ủy ban nhân dân tỉnh Nghệ An' });
    signed = signPackage(await buildDocumentPackage(sampleDocument()), agency);
  });

  it('signs a package and verifies it, naming the signer', function () {
    const r = verifyPackageSignature(signed);
    expect(r.valid, r.reason).to.equal(true);
    expect(r.signerSubject).to.equal('CN=UBND Tỉnh Nghệ An, O=Ủy ban nhân dân tỉnh Nghệ An');
    expect(r.signatureMethod).to.equal('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(r.digestMethod).to.equal('http://www.w3.org/2001/04/xmlenc#sha256');
    expect(r.trusted).to.equal(false);
  });

  it('puts the signature last in edXMLHeader and keeps the package parseable', async function () {
    const doc = new DOMParser().parseFromString(signed, 'text/xml');
    const header = doc.getElementsByTagNameNS(EDXML_NS, 'edXMLHeader')[0]!;
    const names: string[] = [];
    for (let n = header.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) names.push((n as Element).localName ?? '');
    expect(names).to.deep.equal(['MessageHeader', 'TraceHeaderList', 'Signature']);
    const parsed = await parseEdxml(signed);
    expect(parsed.signature).to.deep.include({ xmldsig: true, subjectName: 'CN=UBND Tỉnh Nghệ An, O=Ủy ban nhân dân tỉnh Nghệ An' });
    expect(parsed.warnings).to.deep.equal([]);
  });

  it('returns the signed content, which parses to the same package as the received bytes', async function () {
    const r = verifyPackageSignature(signed, { includeSignedContent: true });
    expect(r.valid).to.equal(true);
    expect(r.signedContent).to.be.a('string');
    expect(r.signedContent).to.not.contain('SignatureValue');
    const fromSigned = await parseEdxml(r.signedContent!);
    const fromBytes = await parseEdxml(signed);
    expect(fromSigned.package).to.deep.equal(fromBytes.package);
    expect(fromSigned.attachments).to.deep.equal(fromBytes.attachments);
    expect(verifyPackageSignature(signed).signedContent).to.equal(undefined);
  });

  it('gives the same verdicts on the fast path (attachments hashed beside the canonical text) as xml-crypto', async function () {
    const big = signPackage(await buildDocumentPackage({ ...sampleDocument(), Attachments: [{ AttachmentName: 'a.pdf', ContentType: 'application/pdf', Content: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(40_000)]) }, { AttachmentName: 'b.txt', ContentType: 'text/plain', Content: Buffer.from(randomBytes(6_000).toString('hex')) }] }), agency);
    const b64 = /<edXML:ContentTransferEncoded[^>]*>([^<]+)</.exec(big)![1]!;
    expect(b64.length).to.be.greaterThan(2048);
    const flip = b64.slice(0, 100) + (b64[100] === 'A' ? 'B' : 'A') + b64.slice(101);
    const variants = {
      intact: big,
      'attachment byte': big.replace(b64, flip),
      'comment in attachment': big.replace(b64, `${b64.slice(0, 3000)}<!-- x -->${b64.slice(3000)}`),
      'second attachment dropped': big.replace(/<Attachment>(?:(?!<Attachment>)[\s\S])*?b\.txt[\s\S]*?<\/Attachment>/, ''),
      subject: big.replace('<edXML:Subject>', '<edXML:Subject>X'),
    };
    const verdicts: Record<string, [boolean, boolean]> = {};
    for (const [name, xml] of Object.entries(variants)) {
      verdicts[name] = [verifyPackageSignature(xml).valid, verifyPackageSignature(xml, { generalVerifier: true }).valid];
    }
    expect(verdicts).to.deep.equal({ intact: [true, true], 'attachment byte': [false, false], 'comment in attachment': [true, true], 'second attachment dropped': [false, false], subject: [false, false] });
  });

  it('returns the verified document, read as the same package as the signed content, comments ignored', async function () {
    const withComment = signed.replace('<edXML:Subject>', '<edXML:Subject><!-- chú thích -->');
    const r = verifyPackageSignature(withComment, { includeDocument: true });
    expect(r.valid, r.reason).to.equal(true);
    expect(r.document).to.not.equal(undefined);
    const fromDom = await parseEdxmlDocument(r.document!, { includeContent: true });
    const fromSigned = await parseEdxml(verifyPackageSignature(withComment, { includeSignedContent: true }).signedContent!, { includeContent: true });
    expect(fromDom.package).to.deep.equal(fromSigned.package);
    expect(fromDom.attachments).to.deep.equal(fromSigned.attachments);
    // The DOM is given back whole (the signature was only set aside while hashing).
    expect(r.document!.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'SignatureValue').length).to.equal(1);
  });

  it('signs and verifies status packages too', function () {
    const s = signPackage(buildStatusPackage(sampleStatus('01')), agency);
    expect(verifyPackageSignature(s).valid).to.equal(true);
  });

  it('signs what xml-crypto accepts, with SHA-256 and SHA-512, documents and status packages alike', async function () {
    const doc = await buildDocumentPackage(sampleDocument());
    const status = buildStatusPackage(sampleStatus('03'));
    for (const algorithm of ['rsa-sha256', 'rsa-sha512'] as const) {
      for (const xml of [doc, status]) {
        const s = signPackage(xml, { ...agency, algorithm });
        const general = verifyPackageSignature(s, { generalVerifier: true });
        expect(general.valid, `${algorithm}: ${general.reason}`).to.equal(true);
        expect(general.signatureMethod).to.match(algorithm === 'rsa-sha512' ? /rsa-sha512$/ : /rsa-sha256$/);
        // The same identity again (its key is read once): another package, its own valid signature.
        const other = signPackage(xml.replace('UBND Tỉnh Nghệ An', 'UBND tỉnh Nghệ An'), { ...agency, algorithm });
        expect(other).to.not.equal(s);
        expect(verifyPackageSignature(other, { generalVerifier: true }).valid).to.equal(true);
      }
    }
  });

  it('is trusted when the certificate is one of the configured roots or chains to one through the KeyInfo', function () {
    expect(verifyPackageSignature(signed, { trustRoots: [agency.certPem] })).to.deep.include({ valid: true, trusted: true });
    const root = makeIdentity({ commonName: 'RootCA thử nghiệm', ca: true });
    const ca = makeIdentity({ commonName: 'CA thử nghiệm G2', ca: true, issuer: root });
    const leaf = makeIdentity({ commonName: 'Sở Nội vụ', issuer: ca });
    return buildDocumentPackage(sampleDocument()).then((xml) => {
      const s = signPackage(xml, { keyPem: leaf.keyPem, certPem: leaf.certPem + ca.certPem });
      expect(verifyPackageSignature(s, { trustRoots: [root.certPem] })).to.deep.include({ valid: true, trusted: true });
      const other = makeIdentity({ commonName: 'Gốc khác', ca: true });
      const r = verifyPackageSignature(s, { trustRoots: [other.certPem] });
      expect(r.valid).to.equal(false);
      expect(r.reason).to.contain('tin cậy');
    });
  });

  it('becomes invalid when any header or trace field is changed', function () {
    const doc = new DOMParser().parseFromString(signed, 'text/xml');
    const header = doc.getElementsByTagNameNS(EDXML_NS, 'edXMLHeader')[0] as Element;
    const leaves = leafElements(header).filter((l) => l.namespaceURI === EDXML_NS);
    expect(leaves.length).to.be.greaterThan(40);
    const serializer = new XMLSerializer();
    expect(verifyPackageSignature(serializer.serializeToString(doc)).valid, 'untouched re-serialisation').to.equal(true);
    for (const leaf of leaves) {
      const before = leaf.textContent ?? '';
      leaf.textContent = `${before}1`;
      const r = verifyPackageSignature(serializer.serializeToString(doc));
      expect(r.valid, `${leaf.localName} changed`).to.equal(false);
      expect(r.reason).to.contain('thay đổi');
      leaf.textContent = before;
    }
  });

  it('becomes invalid when an attachment byte, name or content id is changed', function () {
    const m = /(<edXML:ContentTransferEncoded[^>]*>)([^<]+)</.exec(signed)!;
    const b64 = m[2]!;
    const i = Math.floor(b64.length / 2);
    const flipped = b64.slice(0, i) + (b64[i] === 'A' ? 'B' : 'A') + b64.slice(i + 1);
    expect(verifyPackageSignature(signed.replace(b64, flipped)).valid).to.equal(false);
    expect(verifyPackageSignature(signed.replace('<AttachmentName>05_QĐ-UBND.pdf', '<AttachmentName>06_QĐ-UBND.pdf')).valid).to.equal(false);
    expect(verifyPackageSignature(signed.replace('<ContentId>cid:2</ContentId>', '<ContentId>cid:3</ContentId>')).valid).to.equal(false);
  });

  it('becomes invalid when the signed info or the signature value is changed', function () {
    const withSha512Claim = signed.replace(
      '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>',
      '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha512"/>',
    );
    expect(verifyPackageSignature(withSha512Claim).valid).to.equal(false);
    const sv = /<SignatureValue>([^<]+)</.exec(signed)![1]!;
    const r = verifyPackageSignature(signed.replace(sv, (sv[0] === 'A' ? 'B' : 'A') + sv.slice(1)));
    expect(r.valid).to.equal(false);
    expect(r.reason).to.contain('Giá trị chữ ký');
  });

  it('is invalid when the certificate in KeyInfo is swapped for another agency', function () {
    const other = makeIdentity({ commonName: 'Kẻ mạo danh' });
    const body = (pem: string): string => pem.replace(/-----[^-]+-----|\s/g, '');
    const r = verifyPackageSignature(signed.replace(body(agency.certPem), body(other.certPem)));
    expect(r.valid).to.equal(false);
    expect(r.signerSubject).to.equal('CN=Kẻ mạo danh');
  });

  it('refuses a second signature and a signature outside edXMLHeader (wrapping)', function () {
    const sig = /<Signature xmlns="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#">[\s\S]*?<\/Signature>/.exec(signed)![0];
    const twice = signed.replace('</edXML:edXMLHeader>', `${sig}</edXML:edXMLHeader>`);
    expect(verifyPackageSignature(twice).reason).to.contain('nhiều hơn một');
    const moved = signed.replace(sig, '').replace('</edXML:edXMLBody>', `${sig}</edXML:edXMLBody>`);
    const r = verifyPackageSignature(moved);
    expect(r.valid).to.equal(false);
    expect(r.reason).to.contain('edXMLHeader');
  });

  it('says an unsigned package is not signed', async function () {
    const r = verifyPackageSignature(await buildDocumentPackage(sampleDocument()));
    expect(r).to.deep.include({ valid: false, reason: 'Gói tin chưa được ký.' });
  });

  it('rejects SHA-1 signatures such as the ones in the official samples', function () {
    if (!corpusAvailable) this.skip();
    const r = verifyPackageSignature(readFileSync(path.join(corpusDir, 'edoc_new.edxml')));
    expect(r.valid).to.equal(false);
    expect(r.reason).to.contain('XMLDSig');
    const sha1 = signed.replace('xmldsig-more#rsa-sha256', 'xmldsig#rsa-sha1').replace('http://www.w3.org/2001/04/xmldsig-more#rsa-sha1', 'http://www.w3.org/2000/09/xmldsig#rsa-sha1');
    expect(verifyPackageSignature(sha1).reason).to.contain('RSA-SHA256');
  });

  it('refuses to sign with a key shorter than 2048 bits, a mismatched certificate, or twice', async function () {
    const xml = await buildDocumentPackage(sampleDocument());
    const weak = makeIdentity({ commonName: 'Khóa yếu', bits: 1024 });
    expect(() => signPackage(xml, weak)).to.throw(AppError, /2048/);
    const other = makeIdentity({ commonName: 'Khác' });
    expect(() => signPackage(xml, { keyPem: agency.keyPem, certPem: other.certPem })).to.throw(AppError, /không khớp/);
    expect(() => signPackage(signed, agency)).to.throw(AppError, /đã có chữ ký/);
  });

  it('is invalid when the certificate has expired at verification time', function () {
    const r = verifyPackageSignature(signed, { at: new Date(Date.now() + 2 * 365 * 24 * 3600_000) });
    expect(r.valid).to.equal(false);
    expect(r.reason).to.contain('hiệu lực');
  });

  it('refuses hostile XML before looking at any signature', function () {
    const hostile = signed.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>');
    expect(() => verifyPackageSignature(hostile)).to.throw(AppError, /DOCTYPE/);
  });
});
