// Route guards: a signed-in user, and a role in the active agency.
import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../db/types.ts';
import { AppError } from '../errors.ts';
import { hasAnyRole, hasRole } from '../domain/actor.ts';

export function requireLogin(req: Request, res: Response, next: NextFunction): void {
  if (req.actor) return next();
  if (req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json') return next(new AppError('unauthenticated', 'Vui lòng đăng nhập.'));
  const back = req.method === 'GET' ? `?next=${encodeURIComponent(req.originalUrl)}` : '';
  res.redirect(303, `/login${back}`);
}

/** The user holds one of the roles in their active agency. */
export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const a = req.actor;
    if (!a) return next(new AppError('unauthenticated', 'Vui lòng đăng nhập.'));
    if (a.activeAgencyId && hasRole(a, a.activeAgencyId, ...roles)) return next();
    next(new AppError('forbidden', 'Bạn không có quyền thực hiện thao tác này.'));
  };
}

/** The user holds one of the roles in any agency (admin pages scope their own queries). */
export function requireAnyRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const a = req.actor;
    if (!a) return next(new AppError('unauthenticated', 'Vui lòng đăng nhập.'));
    if (hasAnyRole(a, ...roles)) return next();
    next(new AppError('forbidden', 'Bạn không có quyền thực hiện thao tác này.'));
  };
}

/** Only same-site relative paths are accepted as redirect targets (no open redirects). */
export function safeNext(raw: unknown): string {
  const s = typeof raw === 'string' ? raw : '';
  return /^\/(?![/\\])[^\s]*$/.test(s) ? s : '/';
}
