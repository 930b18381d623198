// The receiver reports each step back to the sender with a status package (QCVN 102:2016; Decree
// 30/2020: the sender is told of receipt the same day). This derives one from a received document.
import { parseEdxmlDate, toEdxmlTimestamp } from './edxml-dates.ts';
import type { DocumentMessageHeader, Organization, StaffInfo, StatusPackageInput } from './edxml-model.ts';
import type { StatusCode } from './status-codes.ts';

export interface StatusReplyArgs {
  /** Our agency (the receiver of the document, sender of the status). */
  From: Organization;
  StatusCode: StatusCode;
  Description?: string;
  StaffInfo?: StaffInfo;
  /** When the step happened (default: now); written in Vietnam time. */
  at?: Date;
}

export function statusReplyFor(document: DocumentMessageHeader, args: StatusReplyArgs): StatusPackageInput {
  const date = document.PromulgationInfo.PromulgationDate;
  return {
    MessageHeader: {
      From: args.From,
      ResponseFor: {
        OrganId: document.From.OrganId,
        Code: `${document.Code.CodeNumber}/${document.Code.CodeNotation}`,
        // A date the sender wrote wrongly (2014/02/30) is left out: we never send invalid dates.
        ...(parseEdxmlDate(date) ? { PromulgationDate: date } : {}),
        DocumentId: document.DocumentId,
      },
      ...(args.StaffInfo ? { StaffInfo: args.StaffInfo } : {}),
      StatusCode: args.StatusCode,
      ...(args.Description !== undefined ? { Description: args.Description } : {}),
      Timestamp: toEdxmlTimestamp(args.at ?? new Date()),
    },
  };
}
