// Outgoing documents (Decree 30/2020 Art. 11–19; DOMAIN.md §3): draft with versions → review chain
// (configurable per agency, e.g. head → leader) → approval → leader's signature → number and date by
// the clerk → release → recall / update / replace.
import type { Machine } from './workflow.ts';

export type OutgoingState = 'draft' | 'in_review' | 'awaiting_signature' | 'signed' | 'numbered' | 'released' | 'recalled';
export type OutgoingAction = 'submit' | 'approve' | 'return_for_revision' | 'new_version' | 'comment' | 'sign' | 'number' | 'release' | 'recall';

export const OUTGOING_WORKFLOW: Machine<OutgoingState, OutgoingAction> = {
  states: {
    draft: 'Dự thảo',
    in_review: 'Chờ duyệt',
    awaiting_signature: 'Chờ ký',
    signed: 'Chờ cấp số',
    numbered: 'Đã cấp số, chờ ban hành',
    released: 'Đã ban hành',
    recalled: 'Đã thu hồi',
  },
  actions: {
    submit: { from: ['draft'], to: 'in_review', who: ['creator'], label: 'trình duyệt' },
    // The reviewer of the current step (head or leader per the agency's chain) approves or returns.
    approve: { from: ['in_review'], to: 'in_review', who: ['reviewer'], label: 'duyệt' },
    return_for_revision: { from: ['in_review', 'awaiting_signature'], to: 'draft', who: ['reviewer', 'leader'], label: 'trả lại để sửa' },
    new_version: { from: ['draft'], to: null, who: ['creator'], label: 'tải lên phiên bản mới' },
    comment: { from: ['draft', 'in_review', 'awaiting_signature'], to: null, who: ['creator', 'reviewer', 'leader', 'head'], label: 'góp ý' },
    sign: { from: ['awaiting_signature'], to: 'signed', who: ['leader'], label: 'ký duyệt' },
    number: { from: ['signed'], to: 'numbered', who: ['clerk'], label: 'cấp số' },
    release: { from: ['numbered'], to: 'released', who: ['clerk'], label: 'ban hành' },
    recall: { from: ['released'], to: 'recalled', who: ['clerk', 'leader'], label: 'thu hồi' },
  },
};

export const OUTGOING_TABS = {
  du_thao: { label: 'Dự thảo', states: ['draft'] as OutgoingState[] },
  cho_duyet: { label: 'Chờ duyệt', states: ['in_review'] as OutgoingState[] },
  cho_ky: { label: 'Chờ ký', states: ['awaiting_signature'] as OutgoingState[] },
  cho_cap_so: { label: 'Chờ cấp số', states: ['signed', 'numbered'] as OutgoingState[] },
  da_ban_hanh: { label: 'Đã ban hành', states: ['released', 'recalled'] as OutgoingState[] },
} as const;
