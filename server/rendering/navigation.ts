// The main navigation, by role in the active agency. Each feature adds its entries here.
import type { Role } from '../db/types.ts';
import type { Actor } from '../domain/actor.ts';

interface NavEntry {
  href: string;
  label: string;
  roles: Role[] | 'any';
  anyAgency?: boolean;
}

export const NAV_ENTRIES: NavEntry[] = [
  // documents
  { href: '/documents/incoming', label: 'Văn bản đến', roles: 'any' },
  { href: '/documents/outgoing', label: 'Văn bản đi', roles: 'any' },
  { href: '/search', label: 'Tra cứu', roles: 'any' },
  { href: '/books', label: 'Sổ văn bản', roles: ['clerk', 'leader', 'admin'] },
  // tasks
  { href: '/tasks', label: 'Nhiệm vụ', roles: ['leader', 'clerk', 'head', 'specialist', 'admin'] },
  { href: '/tasks/debts', label: 'Nợ văn bản chỉ đạo', roles: ['leader', 'clerk', 'head'] },
  { href: '/dashboard', label: 'Bảng điều hành', roles: ['leader', 'clerk', 'head', 'specialist', 'admin'] },
  { href: '/notifications', label: 'Thông báo', roles: 'any' },
  { href: '/calendar', label: 'Lịch làm việc', roles: ['admin'], anyAgency: true },
  // signing
  { href: '/signing/bulk', label: 'Ký số hàng loạt', roles: ['leader'] },
  { href: '/credentials', label: 'Chứng thư số', roles: ['leader', 'clerk', 'admin'], anyAgency: true },
  // axis
  // administration
  { href: '/admin/agencies', label: 'Cơ quan, đơn vị', roles: ['admin'], anyAgency: true },
  { href: '/admin/users', label: 'Người dùng', roles: ['admin'], anyAgency: true },
  { href: '/admin/audit', label: 'Nhật ký', roles: ['admin'], anyAgency: true },
];

export function navFor(actor: Actor, currentPath: string): { href: string; label: string; current: boolean }[] {
  const active = actor.activeAgencyId;
  return NAV_ENTRIES.filter((e) => {
    if (e.roles === 'any') return true;
    const roles = e.roles;
    return actor.roles.some((r) => roles.includes(r.role) && (e.anyAgency || r.agencyId === active));
  }).map((e) => ({ href: e.href, label: e.label, current: currentPath === e.href || currentPath.startsWith(e.href + '/') }));
}
