// Incoming documents (Decree 30/2020 Art. 20–24; DOMAIN.md §3): receive → register (số đến) or
// return → present to a leader → direction (one lead, co-handlers, deadline) → handling → done.
import type { Machine } from './workflow.ts';

export type IncomingState = 'received' | 'returned' | 'registered' | 'presented' | 'assigned' | 'in_progress' | 'done';
export type IncomingAction =
  | 'register'
  | 'return'
  | 'present'
  | 'direct'
  | 'start'
  | 'progress'
  | 'forward'
  | 'request_extension'
  | 'approve_extension'
  | 'complete';

const HANDLING = ['assigned', 'in_progress'] as const;

export const INCOMING_WORKFLOW: Machine<IncomingState, IncomingAction> = {
  states: {
    received: 'Chờ vào sổ',
    returned: 'Đã trả lại',
    registered: 'Đã vào sổ, chờ trình',
    presented: 'Chờ lãnh đạo cho ý kiến',
    assigned: 'Đã giao xử lý',
    in_progress: 'Đang xử lý',
    done: 'Đã xử lý',
  },
  actions: {
    register: { from: ['received'], to: 'registered', who: ['clerk'], label: 'vào sổ' },
    return: { from: ['received'], to: 'returned', who: ['clerk'], label: 'trả lại nơi gửi' },
    present: { from: ['registered'], to: 'presented', who: ['clerk'], label: 'trình lãnh đạo' },
    // A leader may also give direction straight after registration (urgent documents, DOMAIN.md §3).
    direct: { from: ['registered', 'presented'], to: 'assigned', who: ['leader'], label: 'cho ý kiến chỉ đạo, giao xử lý' },
    start: { from: ['assigned'], to: 'in_progress', who: ['lead'], label: 'nhận xử lý' },
    progress: { from: [...HANDLING], to: 'in_progress', who: ['lead', 'co'], label: 'cập nhật tiến độ' },
    forward: { from: [...HANDLING], to: 'assigned', who: ['leader', 'head'], label: 'chuyển xử lý' },
    request_extension: { from: [...HANDLING], to: null, who: ['lead'], label: 'xin gia hạn' },
    approve_extension: { from: [...HANDLING], to: null, who: ['leader'], label: 'duyệt gia hạn' },
    complete: { from: [...HANDLING], to: 'done', who: ['lead'], label: 'hoàn thành xử lý' },
  },
};

/** The tabs of the incoming list (Văn bản đến). */
export const INCOMING_TABS = {
  cho_vao_so: { label: 'Chờ vào sổ', states: ['received'] as IncomingState[] },
  cho_xu_ly: { label: 'Chờ xử lý', states: ['registered', 'presented', 'assigned'] as IncomingState[] },
  dang_xu_ly: { label: 'Đang xử lý', states: ['in_progress'] as IncomingState[] },
  da_xu_ly: { label: 'Đã xử lý', states: ['done'] as IncomingState[] },
  qua_han: { label: 'Quá hạn', states: ['assigned', 'in_progress'] as IncomingState[], overdue: true },
} as const;
