import { expect } from 'chai';
import request from 'supertest';
import { createTestApp, csrfFrom, loginAs, postForm, type TestApp } from '../helpers/app.ts';
import { DEMO_PASSWORD, DEMO_USERS } from '../../server/services/demo-seed.service.ts';

const sessionCookieOf = (res: request.Response): string | undefined =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('vt_sid='));

describe('sign-in, sessions and CSRF over HTTP', function () {
  this.timeout(60_000);
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ LOGIN_MAX_FAILURES: '3' });
  });
  after(async () => t.close());

  it('serves the Vietnamese login page with a CSP that forbids inline script', async () => {
    const res = await request(t.app).get('/login').expect(200);
    expect(res.text).to.contain('Đăng nhập VănThư');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).to.match(/script-src 'self'(;|$)/);
    expect(csp).not.to.contain('unsafe-inline');
    expect(res.text).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.headers['x-request-id']).to.be.a('string');
  });

  it('lets every demo user sign in', async () => {
    for (const u of DEMO_USERS) {
      const agent = await loginAs(t.app, u.username, DEMO_PASSWORD);
      const home = await agent.get('/').expect(200);
      expect(home.text).to.contain(u.fullName);
    }
  });

  it('refuses a login form without its CSRF token and creates no session', async () => {
    const before = await t.ctx.db.selectFrom('session').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const res = await request(t.app).post('/login').type('form').send({ username: 'quantri', password: DEMO_PASSWORD });
    expect(res.status).to.equal(403);
    expect(res.text).to.contain('CSRF');
    expect(sessionCookieOf(res)).to.equal(undefined);
    const after = await t.ctx.db.selectFrom('session').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).to.equal(before.n);
  });

  it('issues a fresh httpOnly SameSite session cookie at each login, and logout ends it', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const first = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'tinh.vanthu', password: DEMO_PASSWORD }).expect(303);
    const c1 = sessionCookieOf(first)!;
    expect(c1).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i);
    const page2 = await request(t.app).get('/login');
    const second = await request(t.app).post('/login').set('Cookie', [String(page2.headers['set-cookie'])]).type('form').send({ _csrf: csrfFrom(page2.text), username: 'tinh.vanthu', password: DEMO_PASSWORD }).expect(303);
    expect(sessionCookieOf(second)).to.not.equal(c1);
    const home = await agent.get('/').expect(200);
    await agent.post('/logout').type('form').send({ _csrf: csrfFrom(home.text) }).expect(303);
    await agent.get('/').expect(303).expect('Location', '/login?next=%2F');
  });

  it('answers a wrong password with one Vietnamese message that does not reveal whether the user exists', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const a = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'khongtontai', password: 'sai' });
    const b = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'xa2.lanhdao', password: 'sai' });
    expect(a.status).to.equal(401);
    expect(b.status).to.equal(401);
    expect(a.text).to.contain('Tên đăng nhập hoặc mật khẩu không đúng');
    expect(b.text).to.contain('Tên đăng nhập hoặc mật khẩu không đúng');
  });

  it('locks an account after the configured number of failures, even for the right password', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login');
    const token = csrfFrom(page.text);
    const tries = await Promise.all([1, 2, 3].map(() => agent.post('/login').type('form').send({ _csrf: token, username: 'xa1.lanhdao', password: 'sai-mat-khau' })));
    expect(tries.map((r) => r.status).sort()).to.deep.equal([401, 401, 423]);
    const right = await agent.post('/login').type('form').send({ _csrf: token, username: 'xa1.lanhdao', password: DEMO_PASSWORD });
    expect(right.status).to.equal(423);
    expect(right.text).to.contain('tạm khóa');
    const locked = await t.ctx.db.selectFrom('appUser').select('lockedUntil').where('username', '=', 'xa1.lanhdao').executeTakeFirstOrThrow();
    expect(locked.lockedUntil).to.not.equal(null);
  });

  it('refuses open redirects after login', async () => {
    const agent = request.agent(t.app);
    const page = await agent.get('/login?next=//evil.example/x');
    expect(page.text).to.contain('name="next" value="/"');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'vpcp.vanthu', password: DEMO_PASSWORD, next: 'https://evil.example/' });
    expect(res.headers.location).to.equal('/');
  });

  it('changes a password and signs out the person’s other sessions', async () => {
    const a = await loginAs(t.app, 'xa2.chuyenvien');
    const b = await loginAs(t.app, 'xa2.chuyenvien');
    const weak = await postForm(a, '/account/password', '/account/password', { current: DEMO_PASSWORD, next: 'ngan', confirm: 'ngan' });
    expect(weak.status).to.equal(422);
    const ok = await postForm(a, '/account/password', '/account/password', { current: DEMO_PASSWORD, next: 'Mật-khẩu-mới-2026', confirm: 'Mật-khẩu-mới-2026' });
    expect(ok.status).to.equal(303);
    await a.get('/').expect(200);
    await b.get('/').expect(303);
    await loginAs(t.app, 'xa2.chuyenvien', 'Mật-khẩu-mới-2026');
  });

  it('reports health and Prometheus metrics', async () => {
    const h = await request(t.app).get('/healthz').expect(200);
    expect(h.body).to.deep.include({ status: 'ok', database: true });
    const m = await request(t.app).get('/metrics').expect(200);
    expect(m.text).to.contain('vanthu_http_requests_total');
  });
});
