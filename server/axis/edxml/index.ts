// Public surface of the edXML library (QCVN 102:2016/BTTTT): the transport layer imports from here.
export * from './edxml-model.ts';
export * from './status-codes.ts';
export {
  parseEdxmlDate,
  parseEdxmlTimestamp,
  toEdxmlDate,
  toEdxmlTimestamp,
  edxmlTimestampToDate,
} from './edxml-dates.ts';
export { parseEdxml, parseEdxmlDocument } from './edxml-parser.ts';
export {
  buildDocumentPackage,
  buildStatusPackage,
  makeDocumentId,
  QCVN102_ORGAN_ID,
  type BuildOptions,
} from './edxml-builder.ts';
export {
  signPackage,
  verifyPackageSignature,
  type SignPackageOptions,
  type VerifyPackageOptions,
  type VerifyPackageResult,
} from './xml-signature.ts';
export { statusReplyFor, type StatusReplyArgs } from './edxml-status-reply.ts';
