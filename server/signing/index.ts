// Public surface of the signing module (STYLE.md §10): one entry point per operation, a pluggable
// key source, verification. Services, job processors and the CLI import from here only.
export { AppError } from '../errors.ts';
export { loadPkcs12, LocalKeySource, CallbackKeySource, certificateInfo, assertCertificateUsable, type KeySource, type SignerCertificateInfo } from './key-source.ts';
export {
  signAsLeader,
  signAsAgency,
  signAttachment,
  stampNumber,
  prepareExternalSignature,
  completeExternalSignature,
  FIELD_PREFIX,
  type LeaderSignOptions,
  type AgencySignOptions,
  type AttachmentSignOptions,
  type StampNumberOptions,
  type ExternalOperation,
  type FallbackPosition,
  type CommonSignOptions,
} from './operations.ts';
export { exportPrepared, importPrepared, type PreparedSignature, type SignResult } from './pades-signer.ts';
export { verifyPdf, type VerifyOptions, type VerifyReport, type SignatureReport, type Modifications } from './verify.ts';
export { generateSamplePki, SAMPLE_PASSPHRASE, type SampleManifest } from './sample-pki.ts';
export { isoVietnam, placeDateLine } from './vn-format.ts';
