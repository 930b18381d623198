// What the document page and the API show: metadata, files, the timeline (luồng xử lý), handlers,
// recipients with their status, links, and the actions this person may take now.
import type { AppContext } from '../app-context.ts';
import type { Actor } from '../domain/actor.ts';
import { allowedActions } from '../domain/workflow.ts';
import { INCOMING_WORKFLOW, type IncomingState } from '../domain/incoming-workflow.ts';
import { OUTGOING_WORKFLOW, type OutgoingState } from '../domain/outgoing-workflow.ts';
import { URGENCY_LABELS, urgencyFromPriority } from '../domain/document-types.ts';
import { todayInVietnam } from '../domain/vietnam-time.ts';
import { documentRepository } from '../repositories/document.repository.ts';
import { loadVisibleDocument } from './document-access.ts';

export const RECIPIENT_STATUS_LABELS: Record<string, string> = {
  pending: 'Chờ gửi',
  sent: 'Đã gửi',
  delivered: 'Đã đến',
  arrived: 'Đã đến',
  registered: 'Đã vào sổ',
  rejected: 'Từ chối',
  assigned: 'Đã phân công',
  in_progress: 'Đang xử lý',
  done: 'Hoàn thành',
  recall_requested: 'Đề nghị thu hồi',
  recalled: 'Đã thu hồi',
};

export const EVENT_LABELS: Record<string, string> = {
  receive: 'Tiếp nhận',
  register: 'Vào sổ',
  return: 'Trả lại',
  present: 'Trình lãnh đạo',
  direct: 'Cho ý kiến chỉ đạo',
  start: 'Nhận xử lý',
  progress: 'Cập nhật tiến độ',
  forward: 'Chuyển xử lý',
  request_extension: 'Xin gia hạn',
  extension_approved: 'Đồng ý gia hạn',
  extension_refused: 'Không đồng ý gia hạn',
  complete: 'Hoàn thành',
  draft: 'Tạo dự thảo',
  new_version: 'Phiên bản dự thảo mới',
  submit: 'Trình duyệt',
  approve: 'Duyệt',
  return_for_revision: 'Trả lại để sửa',
  comment: 'Góp ý',
  sign: 'Ký duyệt',
  number: 'Cấp số',
  release: 'Ban hành',
  recall: 'Thu hồi',
  seal: 'Đóng số, ngày và ký số cơ quan',
  sign_attachment: 'Ký số phụ lục',
};

export async function documentDetail(ctx: AppContext, actor: Actor, id: string) {
  const { doc, rel } = await loadVisibleDocument(ctx.db, actor, id);
  const machine = doc.direction === 'incoming' ? INCOMING_WORKFLOW : OUTGOING_WORKFLOW;
  const actions = doc.direction === 'incoming' ? allowedActions(INCOMING_WORKFLOW, doc.state as IncomingState, rel) : allowedActions(OUTGOING_WORKFLOW, doc.state as OutgoingState, rel);
  const [files, events, assignments, recipients, links] = await Promise.all([
    documentRepository.files(ctx.db, doc.id),
    documentRepository.events(ctx.db, doc.id),
    documentRepository.assignments(ctx.db, doc.id),
    documentRepository.recipients(ctx.db, doc.id),
    documentRepository.links(ctx.db, doc.id),
  ]);
  const today = todayInVietnam();
  return {
    document: {
      ...doc,
      stateLabel: (machine.states as Record<string, string>)[doc.state] ?? doc.state,
      urgencyLabel: URGENCY_LABELS[urgencyFromPriority(doc.urgency)],
      numberAndNotation: [doc.codeNumber, doc.codeNotation].filter(Boolean).join('/'),
      overdue: Boolean(doc.handlingDeadline && doc.handlingDeadline < today && doc.state !== 'done'),
    },
    files,
    events: events.map((e) => ({ ...e, label: EVENT_LABELS[e.action] ?? e.action })),
    assignments,
    recipients: recipients.map((r) => ({ ...r, statusLabel: RECIPIENT_STATUS_LABELS[r.status] ?? r.status })),
    links,
    actions,
    relations: [...rel],
  };
}
