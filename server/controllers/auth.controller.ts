import type { Request, Response } from 'express';
import type { AppContext } from '../app-context.ts';
import { changePassword, login, logout, switchAgency } from '../services/auth.service.ts';
import { clearSessionCookie, sessionCookie } from '../middleware/session.ts';
import { safeNext } from '../middleware/access.ts';
import { isAppError } from '../errors.ts';

export function authController(ctx: AppContext) {
  const { db, config } = ctx;
  return {
    showLogin(req: Request, res: Response): void {
      if (req.actor) return res.redirect(303, '/');
      res.render('auth/login', { title: 'Đăng nhập', next: safeNext(req.query.next), layoutBare: true });
    },

    async doLogin(req: Request, res: Response): Promise<void> {
      const body = req.body as Record<string, string>;
      const next = safeNext(body.next);
      try {
        const r = await login(db, { maxFailures: config.loginMaxFailures, lockMinutes: config.loginLockMinutes, sessionTtlHours: config.sessionTtlHours }, {
          username: String(body.username ?? ''),
          password: String(body.password ?? ''),
          userAgent: req.get('user-agent') ?? null,
          ip: req.ip ?? null,
        });
        // A new session token at every login (regenerated), so a planted cookie is worthless.
        res.setHeader('Set-Cookie', sessionCookie(r.token, { secure: config.cookieSecure, maxAgeSeconds: config.sessionTtlHours * 3600 }));
        res.redirect(303, next);
      } catch (e) {
        if (!isAppError(e)) throw e;
        res.status(e.status).render('auth/login', { title: 'Đăng nhập', error: e.message, username: body.username, next });
      }
    },

    async doLogout(req: Request, res: Response): Promise<void> {
      if (req.sessionToken) await logout(db, req.sessionToken);
      res.setHeader('Set-Cookie', clearSessionCookie(config.cookieSecure));
      res.redirect(303, '/login');
    },

    showPassword(_req: Request, res: Response): void {
      res.render('auth/password', { title: 'Đổi mật khẩu' });
    },

    async doPassword(req: Request, res: Response): Promise<void> {
      const body = req.body as Record<string, string>;
      try {
        await changePassword(db, req.actor as never, { current: String(body.current ?? ''), next: String(body.next ?? ''), confirm: String(body.confirm ?? '') });
        res.redirect(303, '/?ok=password');
      } catch (e) {
        if (!isAppError(e)) throw e;
        res.status(e.status).render('auth/password', { title: 'Đổi mật khẩu', error: e.message });
      }
    },

    async doSwitchAgency(req: Request, res: Response): Promise<void> {
      await switchAgency(db, req.actor as never, String((req.body as Record<string, string>).agencyId ?? ''));
      res.redirect(303, '/');
    },
  };
}
