// Input validation for services: zod schemas whose failures become one Vietnamese AppError listing
// every bad field.
import { z } from 'zod';
import { AppError } from '../errors.ts';

// Messages of the schemas that set none are Vietnamese too (zod ships the locale).
z.config(z.locales.vi());

export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = issue.path.join('.') || '_';
    // A missing field reads better as "bắt buộc" than as a type mismatch on undefined.
    const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
    fields[key] ??= missing ? 'bắt buộc' : issue.message;
  }
  const list = Object.entries(fields).map(([k, v]) => `${FIELD_LABELS[k] ?? k}: ${v}`).join('; ');
  throw new AppError('validation', `Dữ liệu không hợp lệ — ${list}.`, { fields });
}

const FIELD_LABELS: Record<string, string> = {
  name: 'Tên',
  abbreviation: 'Ký hiệu',
  levelCode: 'Cấp',
  parentId: 'Cơ quan cấp trên',
  qcvnCode: 'Mã QCVN 102',
  d20Code: 'Mã QĐ 20/2020',
  username: 'Tên đăng nhập',
  fullName: 'Họ và tên',
  email: 'Thư điện tử',
  password: 'Mật khẩu',
  position: 'Chức vụ',
  role: 'Vai trò',
  agencyId: 'Cơ quan',
  unitId: 'Đơn vị',
  effectiveFrom: 'Ngày hiệu lực',
};
