import { expect } from 'chai';
import type { NextFunction, Request, Response } from 'express';
import { csrf } from '../../../server/middleware/csrf.ts';
import { PRE_SESSION_COOKIE } from '../../../server/middleware/session.ts';

/** Runs the middleware once for a request bound to `binding` (a session hash); returns the page's token and what was passed to next(). */
function pass(mw: ReturnType<typeof csrf>, binding: string, method = 'GET', sent?: string): { token: string; error: unknown } {
  const req = { method, actor: { sessionIdHash: binding }, cookies: {}, body: sent === undefined ? {} : { _csrf: sent }, get: () => undefined } as unknown as Request;
  const res = { locals: {} as Record<string, unknown>, append: () => undefined } as unknown as Response;
  let error: unknown = 'next not called';
  mw(req, res, ((e?: unknown) => (error = e)) as NextFunction);
  return { token: String(res.locals.csrfToken), error };
}

describe('CSRF tokens (middleware/csrf.ts) remembered per session', () => {
  const hash = (i: number) => i.toString(16).padStart(64, '0');

  it('gives each session its own token, the same on every page, also after more sessions than it remembers', () => {
    const mw = csrf('a-secret-of-the-test-0123456789abcdef', false);
    const first = pass(mw, hash(1)).token;
    expect(first).to.match(/^[\w-]{43}$/);
    expect(pass(mw, hash(1)).token).to.equal(first);
    const others = new Set<string>();
    for (let i = 2; i < 10_050; i++) others.add(pass(mw, hash(i)).token); // past the 10,000 it keeps
    expect(others.size).to.equal(10_048);
    expect(others.has(first)).to.equal(false);
    expect(pass(mw, hash(1)).token).to.equal(first);
    // The same secret in another process (a second web replica) derives the same token.
    expect(pass(csrf('a-secret-of-the-test-0123456789abcdef', false), hash(1)).token).to.equal(first);
    expect(pass(csrf('another-secret-0123456789abcdef0123456', false), hash(1)).token).not.to.equal(first);
  });

  it("accepts a form with its session's token and refuses another session's, long bindings included", () => {
    const mw = csrf('a-secret-of-the-test-0123456789abcdef', false);
    const a = pass(mw, hash(7)).token;
    const long = 'x'.repeat(500); // not remembered, computed each time
    const b = pass(mw, long).token;
    expect(pass(mw, long).token).to.equal(b);
    expect(pass(mw, hash(7), 'POST', a).error).to.equal(undefined);
    expect(pass(mw, long, 'POST', b).error).to.equal(undefined);
    const refused = pass(mw, hash(8), 'POST', a).error as { code?: string; message?: string };
    expect(refused.code).to.equal('forbidden');
    expect(refused.message).to.contain('mã CSRF');
    expect((pass(mw, long, 'POST', a).error as { code?: string }).code).to.equal('forbidden');
  });

  it('binds a visitor without a session to the pre-session cookie it sets', () => {
    const mw = csrf('a-secret-of-the-test-0123456789abcdef', false);
    const set: string[] = [];
    const req = { method: 'GET', cookies: {}, body: {}, get: () => undefined } as unknown as Request;
    const res = { locals: {} as Record<string, unknown>, append: (_: string, v: string) => set.push(v) } as unknown as Response;
    mw(req, res, (() => undefined) as NextFunction);
    expect(set[0]).to.match(new RegExp(`^${PRE_SESSION_COOKIE}=`));
    const pre = set[0]!.split(';')[0]!.split('=')[1]!;
    const req2 = { method: 'POST', cookies: { [PRE_SESSION_COOKIE]: pre }, body: { _csrf: res.locals.csrfToken }, get: () => undefined } as unknown as Request;
    let error: unknown = 'not called';
    mw(req2, { locals: {}, append: () => undefined } as unknown as Response, ((e?: unknown) => (error = e)) as NextFunction);
    expect(error).to.equal(undefined);
  });
});
