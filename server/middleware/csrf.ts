// CSRF protection for every state-changing request: a synchroniser token derived by HMAC from the
// session (or, before login, from a random pre-session cookie), sent back in a hidden form field or
// the X-CSRF-Token header. Requests authenticated by a bearer token carry no cookies and are exempt.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { serialize } from 'cookie';
import { AppError } from '../errors.ts';
import { PRE_SESSION_COOKIE } from './session.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrf(secret: string, secureCookies: boolean) {
  const hmac = (binding: string) => createHmac('sha256', secret).update(`csrf:${binding}`).digest('base64url');
  // The token is a pure function of the binding (the secret is fixed for the process), so it is
  // remembered rather than recomputed on every page of a session. Bounded: at most 10,000 bindings of
  // at most 64 characters (a session hash is 64, a pre-session id 32; a longer cookie someone made up
  // is computed every time), the map emptied when full.
  const tokens = new Map<string, string>();
  const tokenFor = (binding: string) => {
    if (binding.length > 64) return hmac(binding);
    let t = tokens.get(binding);
    if (t === undefined) {
      if (tokens.size >= 10_000) tokens.clear();
      tokens.set(binding, (t = hmac(binding)));
    }
    return t;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    let binding = req.actor?.sessionIdHash ?? req.cookies[PRE_SESSION_COOKIE];
    if (!binding && SAFE.has(req.method)) {
      binding = randomBytes(24).toString('base64url');
      res.append('Set-Cookie', serialize(PRE_SESSION_COOKIE, binding, { httpOnly: true, secure: secureCookies, sameSite: 'lax', path: '/' }));
    }
    const expected = binding ? tokenFor(binding) : '';
    res.locals.csrfToken = expected;
    if (SAFE.has(req.method) || req.viaBearer) return next();
    const body = req.body as Record<string, unknown> | undefined;
    const sent = String((body && typeof body === 'object' ? body._csrf : undefined) ?? req.get('x-csrf-token') ?? '');
    const ok = expected !== '' && sent.length === expected.length && timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
    if (!ok) return next(new AppError('forbidden', 'Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (thiếu mã CSRF). Vui lòng tải lại trang và thử lại.'));
    next();
  };
}
