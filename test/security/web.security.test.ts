// Web security of the whole app (issue 8, item 3): CSRF on every state-changing route found in the
// Express router, stored XSS through every user-written field that is shown back, other agencies' ids
// (IDOR), session fixation, brute-force lock-out, path traversal and spoofed types in uploads, open
// redirects, and a strict CSP with no inline script on any page.
import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import request from 'supertest';
import type { Express } from 'express';
import { createTestApp, csrfFrom, loginAs, postForm, type Agent, type TestApp } from '../helpers/app.ts';
import { makePdf } from '../helpers/pdf.ts';
import { userRepository } from '../../server/repositories/user.repository.ts';
import { receiveIncoming } from '../../server/services/incoming.service.ts';
import { createDraft } from '../../server/services/outgoing.service.ts';
import { performAction } from '../../server/services/document-actions.ts';
import { booksFor } from '../../server/services/book.service.ts';
import { createAgency, createUnit } from '../../server/services/agency.service.ts';
import { createUser } from '../../server/services/user.service.ts';
import { saveSearch } from '../../server/services/search.service.ts';
import type { Actor } from '../../server/domain/actor.ts';

interface RouteInfo {
  method: string;
  path: string;
}

// State-changing routes that never read the session cookie, so CSRF does not apply: they must refuse
// an unsigned request whatever cookies it carries (checked below, with nothing written).
const NO_COOKIE_ROUTES: Record<string, string> = {
  'POST /axis/v1/packages': 'node-to-node edXML transport: peers sign their requests (server/axis/request-signing.ts)',
};

// Routers mounted under a path: Express 5 layers do not keep the mount path, only a matcher.
const KNOWN_MOUNTS = ['/api/v1'];

/** Every route of the app, walked from the router stack (so a new route is covered automatically). */
export function routesOf(app: Express): RouteInfo[] {
  const out: RouteInfo[] = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; slash?: boolean; matchers?: ((p: string) => unknown)[] };
  const walk = (stack: Layer[], prefix: string) => {
    for (const l of stack) {
      if (l.route) for (const m of Object.keys(l.route.methods)) out.push({ method: m.toUpperCase(), path: prefix + l.route.path });
      else if (l.handle?.stack) {
        let mount = '';
        if (!l.slash) {
          mount = KNOWN_MOUNTS.find((p) => l.matchers?.[0]?.(p)) ?? '';
          if (!mount) throw new Error('a router is mounted under a path this test does not know: add it to KNOWN_MOUNTS');
        }
        walk(l.handle.stack, prefix + mount);
      }
    }
  };
  walk(((app as unknown as { router: { stack: Layer[] } }).router).stack, '');
  return out;
}

const P = (field: string) => `${field}<script>alert("${field}")</script><img src=x onerror=alert(1)>" autofocus onfocus="alert(2)`;
// A file name keeps only its base name, so its payload has no slash.
const FILE_NAME = 'file<img src=x onerror=alert(1)>" autofocus onfocus="alert(2).pdf';
const UNESCAPED = [/<script>alert\(/, /<img src=x onerror/, /onfocus="alert/];
const NON_INLINE_SCRIPT = /<script\b(?![^>]*\bsrc=)[^>]*>/i;

function expectEscaped(html: string, where: string): void {
  for (const re of UNESCAPED) expect(re.test(html), `${where}: unescaped ${re}`).to.equal(false);
}

describe('Web security', function () {
  this.timeout(90_000);
  let t: TestApp;
  const agents: Record<string, Agent> = {};
  const actors: Record<string, Actor> = {};
  let province: string;
  let docId: string, returnedId: string, draftId: string, fileId: string, taskId: string, bookId: string, savedSearchId: string, agencyId: string, userId: string;

  const actorFor = async (username: string): Promise<Actor> => {
    const u = (await userRepository.findByUsername(t.ctx.db, username))!;
    const roles = await userRepository.rolesOf(t.ctx.db, u.id);
    return { userId: u.id, username: u.username, fullName: u.fullName, position: u.position, roles, activeAgencyId: roles[0]!.agencyId };
  };

  /** Row count of every table: "nothing written" means this does not change. */
  const tableCounts = async (): Promise<Record<string, number>> => {
    const tables = await t.tdb.pool.query<{ name: string }>(`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`);
    const out: Record<string, number> = {};
    for (const { name } of tables.rows) out[name] = Number((await t.tdb.pool.query(`select count(*) as n from "${name}"`)).rows[0].n);
    return out;
  };

  before(async () => {
    t = await createTestApp();
    for (const name of ['tinh.vanthu', 'tinh.lanhdao', 'tinh.truongphong', 'tinh.chuyenvien', 'xa1.vanthu', 'xa1.chuyenvien', 'quantri']) {
      actors[name] = await actorFor(name);
      agents[name] = await loginAs(t.app, name);
    }
    const clerk = actors['tinh.vanthu']!;
    province = clerk.activeAgencyId!;
    const pdf = await makePdf(['Van ban thu nghiem bao mat']);

    // An incoming document entered through the form: subject, issuer and the file name are hostile.
    const page = await agents['tinh.vanthu']!.get('/documents/incoming/new').expect(200);
    const res = await agents['tinh.vanthu']!
      .post('/documents/incoming')
      .field('_csrf', csrfFrom(page.text))
      .field('typeCode', 'cong_van')
      .field('numberAndNotation', '12/UBND-VX')
      .field('promulgationDate', '2026-11-20')
      .field('issuerName', P('issuer'))
      .field('subject', P('subject'))
      .field('urgency', '0')
      .attach('files', pdf, { filename: FILE_NAME, contentType: 'application/pdf' });
    expect(res.status, res.text.slice(0, 300)).to.equal(303);
    docId = /\/documents\/(\d+)/.exec(res.headers.location!)![1]!;
    fileId = (await t.ctx.db.selectFrom('documentFile').select('id').where('documentId', '=', docId).executeTakeFirstOrThrow()).id;

    // Through the workflow: a presenting note, a direction (which makes a task), a progress note.
    bookId = (await booksFor(t.ctx.db, province, 'incoming'))[0]!.id;
    await performAction(t.ctx, clerk, docId, 'register', { bookId });
    await performAction(t.ctx, clerk, docId, 'present', { note: P('present-note') });
    const unit = await t.ctx.db.selectFrom('unit').select('id').where('agencyId', '=', province).where('abbreviation', '=', 'TH').executeTakeFirstOrThrow();
    await performAction(t.ctx, actors['tinh.lanhdao']!, docId, 'direct', { direction: P('direction'), lead: `u:${unit.id}`, workingDays: '3' });
    await performAction(t.ctx, actors['tinh.truongphong']!, docId, 'start', {});
    await performAction(t.ctx, actors['tinh.truongphong']!, docId, 'progress', { note: P('progress') }).catch(() => undefined);
    taskId = (await t.ctx.db.selectFrom('task').select('id').executeTakeFirst())?.id ?? '1';

    // A returned document with a hostile reason; a draft with a hostile comment.
    const returned = await receiveIncoming(t.ctx, clerk, province, { typeCode: 'cong_van', subject: P('returned-subject'), issuerName: 'UBND', urgency: '0' }, []);
    returnedId = returned.id;
    await performAction(t.ctx, clerk, returnedId, 'return', { reason: P('reason') });
    const draft = await createDraft(t.ctx, actors['tinh.chuyenvien']!, province, { typeCode: 'quyet_dinh', subject: P('draft-subject') }, [{ fileName: `draft-${FILE_NAME}`, bytes: pdf }]);
    draftId = draft.id;
    await performAction(t.ctx, actors['tinh.chuyenvien']!, draftId, 'submit', { note: P('submit-note') }).catch(() => undefined);
    await performAction(t.ctx, actors['tinh.truongphong']!, draftId, 'comment', { note: P('comment') }).catch(() => undefined);

    // Agency, unit and user names; a saved search name.
    const admin = actors['quantri']!;
    const agency = await createAgency(t.ctx.db, admin, { name: P('agency'), abbreviation: 'XSS', levelCode: 'commune', parentId: province, qcvnCode: '000.09.31.H41' });
    agencyId = agency.id;
    await createUnit(t.ctx.db, admin, province, { name: P('unit'), abbreviation: 'XSSU' });
    const user = await createUser(t.ctx.db, admin, { username: 'xss.user', fullName: P('user'), position: P('position'), password: 'Rat-Kho-Doan#2026', agencyId: province, role: 'specialist' });
    userId = String((user as { id?: string }).id ?? '1');
    savedSearchId = await saveSearch(t.ctx.db, clerk, { name: P('saved-search'), q: 'thử' }).catch(() => '1');
  });
  after(async () => t?.close());

  describe('CSRF', function () {
    it('refuses every state-changing route of the router without a token (403), writing nothing', async () => {
      const routes = routesOf(t.app).filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
      expect(routes.length).to.be.at.least(25);
      expect(routes.map((r) => r.path)).to.include.members(['/login', '/logout', '/documents/incoming', '/documents/:id/actions/:action', '/api/v1/documents/incoming']);
      const before = await tableCounts();
      const failures: string[] = [];
      for (const agent of [agents['quantri']!, agents['tinh.vanthu']!, request.agent(t.app)]) {
        for (const r of routes) {
          const url = r.path.replace(/:id/g, docId).replace(/:action/g, 'start').replace(/:\w+/g, '1');
          const res = await agent[r.method.toLowerCase() as 'post'](url).type('form').send({ subject: 'không có mã CSRF', name: 'x', reason: 'không có mã CSRF' });
          if (`${r.method} ${r.path}` in NO_COOKIE_ROUTES) {
            if (res.status < 400) failures.push(`${r.method} ${url}: accepted an unsigned request with a session cookie (${res.status})`);
          } else if (res.status !== 403 || !/CSRF/.test(res.text)) failures.push(`${r.method} ${url}: ${res.status}`);
        }
      }
      expect(failures).to.deep.equal([]);
      expect(await tableCounts()).to.deep.equal(before);
    });

    it("refuses another session's token and a token sent in the header of the wrong session", async () => {
      const mine = csrfFrom((await agents['tinh.vanthu']!.get('/').expect(200)).text);
      const res = await agents['xa1.vanthu']!.post('/notifications/read').type('form').send({ _csrf: mine });
      expect(res.status).to.equal(403);
      const api = await agents['xa1.vanthu']!.post('/api/v1/documents/incoming').set('X-CSRF-Token', mine).send({ subject: 'x' });
      expect(api.status).to.equal(403);
    });

    it('accepts the same request with its own token (so the refusals above are about the token)', async () => {
      const res = await postForm(agents['tinh.vanthu']!, '/', '/notifications/read', {});
      expect(res.status).to.be.oneOf([200, 302, 303]);
    });
  });

  describe('stored XSS', function () {
    it('escapes every user-written field on the pages that show it', async () => {
      const pages: [string, string, string[]][] = [
        ['tinh.vanthu', `/documents/${docId}`, ['subject', 'issuer', 'present-note', 'direction']],
        ['tinh.vanthu', '/documents/incoming?tab=dang_xu_ly', ['subject']],
        ['tinh.vanthu', '/documents/incoming?tab=cho_xu_ly', []],
        ['tinh.vanthu', `/documents/${returnedId}`, ['returned-subject', 'reason']],
        ['tinh.truongphong', `/documents/${draftId}`, ['draft-subject']],
        ['tinh.chuyenvien', `/documents/${draftId}`, ['draft-subject']],
        ['tinh.truongphong', `/tasks/${taskId}`, []],
        ['tinh.truongphong', '/tasks', []],
        ['tinh.vanthu', '/search?q=subject', []],
        ['tinh.vanthu', `/books/${bookId}`, ['subject']],
        ['tinh.vanthu', '/', []],
        ['quantri', '/admin/agencies', ['agency']],
        ['quantri', `/admin/agencies/${province}`, ['unit']],
        ['quantri', '/admin/users', ['user']],
        ['quantri', '/admin/audit', []],
        ['tinh.lanhdao', '/dashboard', []],
        ['tinh.vanthu', '/notifications', []],
      ];
      let shown = 0;
      for (const [user, url, fields] of pages) {
        const res = await agents[user]!.get(url);
        expect(res.status, `${user} ${url}`).to.be.oneOf([200, 303, 404]);
        expectEscaped(res.text, `${user} ${url}`);
        for (const f of fields) {
          if (res.status !== 200) continue;
          expect(res.text, `${url} shows ${f} (escaped)`).to.contain(`${f}&lt;script&gt;`);
          shown++;
        }
      }
      expect(shown).to.be.at.least(10);
      const doc = await agents['tinh.vanthu']!.get(`/documents/${docId}`);
      // safeFileName already replaces < > " by _; either way the name is shown and harmless.
      expect(doc.text, 'the file name is shown, escaped').to.match(/file(&lt;|_)img src/);
      const draftPage = await agents['tinh.truongphong']!.get(`/documents/${draftId}`);
      expect(draftPage.text, 'the draft file name is shown, escaped').to.match(/draft-file(&lt;|_)img src/);
    });

    it('escapes a hostile search query and a hostile next= on the login page (reflected XSS)', async () => {
      const q = encodeURIComponent(P('q'));
      expectEscaped((await agents['tinh.vanthu']!.get(`/search?q=${q}`)).text, 'search');
      expectEscaped((await request(t.app).get(`/login?next=${q}`)).text, 'login');
    });
  });

  describe('other agencies\' ids (IDOR)', function () {
    it("answers 404 to a commune clerk for the province's document, file, task, book, draft and API record", async () => {
      const other = agents['xa1.vanthu']!;
      for (const url of [`/documents/${docId}`, `/documents/${docId}/files/${fileId}`, `/documents/${draftId}`, `/tasks/${taskId}`, `/books/${bookId}`, `/books/${bookId}/csv`, `/signing/documents/${docId}/verification`, `/api/v1/documents/${docId}`, `/api/v1/documents/${docId}/files/${fileId}`, `/search/saved/${savedSearchId}`]) {
        const res = await other.get(url);
        expect(res.status, url).to.equal(404);
        expect(res.text, url).to.not.contain('subject&lt;script');
      }
      const act = await postForm(other, '/', `/documents/${docId}/actions/start`, {});
      expect(act.status).to.equal(404);
    });

    it("answers 404 to a specialist of the same agency with no part in the document's file", async () => {
      const res = await agents['xa1.chuyenvien']!.get(`/documents/${docId}/files/${fileId}`);
      expect(res.status).to.equal(404);
    });

    it('keeps the admin pages from non-administrators', async () => {
      for (const url of ['/admin/agencies', `/admin/agencies/${agencyId}`, '/admin/users', `/admin/users/${userId}`, '/admin/audit']) {
        const res = await agents['tinh.vanthu']!.get(url);
        expect(res.status, url).to.be.oneOf([403, 404]);
      }
    });
  });

  describe('sessions and login', function () {
    it('does not keep a session cookie planted before login (session fixation)', async () => {
      const planted = 'a'.repeat(43);
      const agent = request.agent(t.app);
      const page = await agent.get('/login').set('Cookie', `vt_sid=${planted}`);
      const res = await agent.post('/login').set('Cookie', `vt_sid=${planted}; ${page.headers['set-cookie']![0]!.split(';')[0]}`).type('form').send({ _csrf: csrfFrom(page.text), username: 'tinh.chuyenvien', password: 'VanThu@2026' });
      expect(res.status).to.equal(303);
      const sid = /vt_sid=([^;]*)/.exec(String(res.headers['set-cookie']))![1];
      expect(sid).to.not.equal(planted);
      expect(sid!.length).to.be.greaterThan(20);
      expect((await request(t.app).get('/').set('Cookie', `vt_sid=${planted}`)).status).to.equal(303);
      expect((await request(t.app).get('/').set('Cookie', `vt_sid=${sid}`)).status).to.equal(200);
    });

    it('ends the session on logout: the old cookie no longer opens a page', async () => {
      const agent = await loginAs(t.app, 'xa1.lanhdao');
      const cookie = (agent as unknown as { jar: { getCookie(n: string, o: unknown): { value: string } } }).jar.getCookie('vt_sid', { domain: '127.0.0.1', path: '/', secure: false, script: false });
      await postForm(agent, '/', '/logout', {});
      if (cookie) expect((await request(t.app).get('/').set('Cookie', `vt_sid=${cookie.value}`)).status).to.equal(303);
      expect((await agent.get('/')).status).to.equal(303);
    });

    it('locks an account after repeated wrong passwords, even for the right password afterwards', async () => {
      const agent = request.agent(t.app);
      const statuses: number[] = [];
      for (let i = 0; i < t.ctx.config.loginMaxFailures; i++) {
        const page = await agent.get('/login');
        statuses.push((await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'xa2.chuyenvien', password: `sai-${i}` })).status);
      }
      expect(statuses.every((s) => s >= 400)).to.equal(true);
      const page = await agent.get('/login');
      const right = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'xa2.chuyenvien', password: 'VanThu@2026' });
      expect(right.status).to.be.oneOf([401, 403, 423, 429]);
      expect(right.text).to.match(/khóa/);
      expect(String(right.headers['set-cookie'] ?? '')).to.not.match(/vt_sid=[^;]{20,}/);
    });
  });

  describe('uploads', function () {
    it('keeps only the base name of a file name with path traversal and writes nothing outside the blob folder', async () => {
      const names = ['../../../../tmp/vanthu-pwned.pdf', '..\\..\\..\\Windows\\win.ini.pdf', '/etc/passwd.pdf', 'a/../../b.pdf', '....//....//x.pdf', '%2e%2e%2fenc.pdf'];
      const page = await agents['tinh.vanthu']!.get('/documents/incoming/new');
      let req = agents['tinh.vanthu']!.post('/documents/incoming').field('_csrf', csrfFrom(page.text)).field('typeCode', 'cong_van').field('subject', 'Tên tệp có đường dẫn').field('urgency', '0');
      for (const [i, n] of names.entries()) req = req.attach('files', await makePdf([`tep ${i}`]), { filename: n, contentType: 'application/pdf' });
      const res = await req;
      expect(res.status, /<main[\s\S]*?<\/main>/.exec(res.text)?.[0]?.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ')).to.equal(303);
      const id = /\/documents\/(\d+)/.exec(res.headers.location!)![1]!;
      const stored = (await t.ctx.db.selectFrom('documentFile').select('fileName').where('documentId', '=', id).execute()).map((f) => f.fileName);
      expect(stored).to.have.length(names.length);
      for (const n of stored) expect(n).to.not.match(/[/\\\u0000]|^\.\./);
      for (const f of await readdir(t.ctx.config.blobDir, { recursive: true })) expect(f).to.not.match(/pwned|win\.ini|passwd/);
    });

    it('types files by content: HTML declared as application/pdf is refused, a PDF named .html is served as PDF with nosniff and a sandbox', async () => {
      const page = await agents['tinh.vanthu']!.get('/documents/incoming/new');
      const spoofed = await agents['tinh.vanthu']!.post('/documents/incoming').field('_csrf', csrfFrom(page.text)).field('typeCode', 'cong_van').field('subject', 'Giả PDF').field('urgency', '0')
        .attach('files', Buffer.from('<html><script>alert(1)</script></html>'), { filename: 'van-ban.pdf', contentType: 'application/pdf' });
      expect(spoofed.status).to.equal(415);
      const page2 = await agents['tinh.vanthu']!.get('/documents/incoming/new');
      const res = await agents['tinh.vanthu']!.post('/documents/incoming').field('_csrf', csrfFrom(page2.text)).field('typeCode', 'cong_van').field('subject', 'PDF mang tên HTML').field('urgency', '0')
        .attach('files', await makePdf(['html?']), { filename: 'trang.html', contentType: 'text/html' });
      expect(res.status).to.equal(303);
      const id = /\/documents\/(\d+)/.exec(res.headers.location!)![1]!;
      const f = await t.ctx.db.selectFrom('documentFile').select(['id', 'contentType']).where('documentId', '=', id).executeTakeFirstOrThrow();
      expect(f.contentType).to.equal('application/pdf');
      const file = await agents['tinh.vanthu']!.get(`/documents/${id}/files/${f.id}`).expect(200);
      expect(file.headers['content-type']).to.equal('application/pdf');
      expect(file.headers['x-content-type-options']).to.equal('nosniff');
      expect(file.headers['content-security-policy']).to.contain('sandbox');
    });
  });

  describe('redirects', function () {
    it('never redirects off the site after login, whatever next= says', async () => {
      const nexts = ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'http:evil.example', '\t//evil.example', '/\t/evil.example', 'javascript:alert(1)', '///evil.example', '/%0d%0aSet-Cookie:x=1', ' //evil.example'];
      for (const next of nexts) {
        const page = await request(t.app).get(`/login?next=${encodeURIComponent(next)}`);
        expect(page.text, next).to.not.contain('evil.example');
      }
      // Each login costs an argon2 verification: post the most dangerous shapes only.
      for (const next of ['//evil.example/', '/\\evil.example', '/\t/evil.example', '/%0d%0aSet-Cookie:x=1']) {
        const agent = request.agent(t.app);
        const page = await agent.get('/login');
        const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'xa1.truongphong', password: 'VanThu@2026', next });
        expect(res.status, next).to.equal(303);
        const loc = res.headers.location!;
        expect(loc, next).to.match(/^\/(?![/\\])/);
        expect(loc, next).to.not.match(/evil|\r|\n/);
        expect(String(res.headers['set-cookie'])).to.not.contain('x=1');
      }
    });

    it('keeps a local next= after login', async () => {
      const agent = request.agent(t.app);
      const page = await agent.get('/login?next=%2Ftasks');
      const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: 'xa1.truongphong', password: 'VanThu@2026', next: '/tasks' });
      expect(res.headers.location).to.equal('/tasks');
    });
  });

  describe('CSP and security headers', function () {
    it('sends a strict CSP and the security headers on every HTML page, none of which has an inline script or handler', async () => {
      const ids: Record<string, string> = { '/documents/:id': docId, '/documents/:id/files/:fileId': '', '/tasks/:id': taskId, '/books/:id': bookId, '/admin/agencies/:id': province, '/admin/users/:id': userId, '/search/saved/:id': savedSearchId };
      const gets = routesOf(t.app).filter((r) => r.method === 'GET');
      let html = 0;
      for (const user of ['quantri', 'tinh.vanthu']) {
        for (const r of gets) {
          if (r.path.startsWith('/assets') || ids[r.path] === '') continue;
          const url = (ids[r.path] !== undefined ? r.path.replace(/:id/, ids[r.path]!) : r.path).replace(/:\w+/g, '1');
          const res = await agents[user]!.get(url);
          expect(res.headers['x-powered-by'], url).to.equal(undefined);
          if (!String(res.headers['content-type'] ?? '').startsWith('text/html')) continue;
          html++;
          const csp = String(res.headers['content-security-policy'] ?? '');
          expect(csp, `${url} CSP`).to.contain("script-src 'self'").and.contain("object-src 'none'").and.contain("frame-ancestors 'none'");
          expect(csp, url).to.not.match(/unsafe-inline|unsafe-eval/);
          expect(res.headers['x-content-type-options'], url).to.equal('nosniff');
          expect(res.headers['referrer-policy'], url).to.be.a('string');
          expect(NON_INLINE_SCRIPT.test(res.text), `${user} ${url}: inline <script>`).to.equal(false);
          expect(/\son[a-z]+\s*=\s*["']/i.test(res.text), `${user} ${url}: inline event handler`).to.equal(false);
          expect(/href\s*=\s*["']\s*javascript:/i.test(res.text), `${user} ${url}: javascript: URL`).to.equal(false);
        }
      }
      expect(html).to.be.at.least(30);
    });

    it('sends the CSP on the login page, on 404 pages and on error pages too', async () => {
      for (const url of ['/login', '/khong-co-trang-nay', '/documents/abc']) {
        const res = await request(t.app).get(url);
        expect(res.headers['content-security-policy'], url).to.contain("script-src 'self'");
        expect(NON_INLINE_SCRIPT.test(res.text), url).to.equal(false);
      }
    });
  });
});
