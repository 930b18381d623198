// Loads the acting user from the session cookie or, for other systems, from a bearer token.
import type { NextFunction, Request, Response } from 'express';
import { parse as parseCookie, serialize } from 'cookie';
import type { Database } from '../db/database.ts';
import { actorForSession } from '../services/auth.service.ts';
import { actorForApiToken } from '../services/api-token.service.ts';
import type { Actor } from '../domain/actor.ts';

export const SESSION_COOKIE = 'vt_sid';
export const PRE_SESSION_COOKIE = 'vt_pre';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor & { sessionIdHash?: string };
    sessionToken?: string;
    viaBearer?: boolean;
    requestId: string;
  }
}

export function cookies(req: Request, _res: Response, next: NextFunction): void {
  req.cookies = req.headers.cookie ? parseCookie(req.headers.cookie) : {};
  next();
}

/** A request that will most likely answer with an HTML page (its layout needs the page chrome). */
const wantsPage = (req: Request) => (req.method === 'GET' || req.method === 'HEAD') && !req.path.startsWith('/api/');

export function loadActor(db: Database) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const auth = req.headers.authorization;
      if (auth?.startsWith('Bearer ')) {
        const actor = await actorForApiToken(db, auth.slice(7).trim());
        if (actor) {
          req.actor = actor;
          req.viaBearer = true;
        }
      } else {
        const token = req.cookies[SESSION_COOKIE];
        if (token) {
          // Pages get the layout's data (agency switcher, bell) from the same query (pageModel).
          const found = await actorForSession(db, token, { chrome: wantsPage(req) });
          if (found) {
            const { chrome, ...actor } = found;
            req.actor = actor;
            req.sessionToken = token;
            if (chrome) res.locals.pageChrome = chrome;
          }
        }
      }
      next();
    } catch (e) {
      next(e);
    }
  };
}

export function sessionCookie(token: string, opts: { secure: boolean; maxAgeSeconds: number }): string {
  return serialize(SESSION_COOKIE, token, { httpOnly: true, secure: opts.secure, sameSite: 'lax', path: '/', maxAge: opts.maxAgeSeconds });
}

export function clearSessionCookie(secure: boolean): string {
  return serialize(SESSION_COOKIE, '', { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: 0 });
}
