// Pages a commune clerk can use on an old PC (issue 7): light pages, accessible (axe-core: no serious
// or critical violation), usable with the keyboard alone and on a 390×844 phone. First render on a
// throttled 1.6 Mbps / 150 ms link is measured and printed (figures, not assertions).
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { makePdf } from '../helpers/pdf.ts';
import { CHROMIUM, launchBrowser, login, screenshot, startNode, type RunningNode } from './support.ts';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

async function axe(page: Page): Promise<{ id: string; impact: string; help: string; nodes: number }[]> {
  await page.addScriptTag({ content: AXE_SOURCE }).catch(async () => {
    // The CSP forbids inline script in the page: evaluate the library instead (test-only).
    await page.evaluate(AXE_SOURCE);
  });
  // The callback runs in the page (tsconfig has no DOM types: reach the page's globals untyped).
  const result = await page.evaluate(async () => {
    const g = globalThis as unknown as { axe: { run: (ctx: unknown, o: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: unknown[] }[] }> }; document: unknown };
    const r = await g.axe.run(g.document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return result;
}

describe('light, accessible pages in Chromium', function () {
  this.timeout(600_000);
  let node: RunningNode;
  let browser: Browser;
  let docUrl = '';
  let draftUrl = '';

  /** A page whose waits allow for a loaded 2-core machine (Playwright's default is 30 s). */
  const newPage = async (options?: Parameters<Browser['newPage']>[0]): Promise<Page> => {
    const p = await browser.newPage(options);
    p.setDefaultTimeout(120_000);
    return p;
  };

  /** Submits the form of a document action through its button, and waits for the page after post/redirect/get. */
  const act = async (page: Page, action: string, fill: (form: ReturnType<Page['locator']>) => Promise<void> = async () => undefined) => {
    const form = page.locator(`form[action$="/actions/${action}"]`);
    await fill(form);
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes(`/actions/${action}`)), form.locator('button[type="submit"]').first().click()]);
    expect(response.status(), `${action} answered ${response.status()}`).to.equal(303);
    await page.waitForURL(/\?ok=done/);
    await page.waitForLoadState('load');
  };

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      process.stdout.write(`      (skipped: Chromium not found at ${CHROMIUM}; .ci/run installs the Debian package)\n`);
      this.skip();
    }
    node = await startNode('pages', 45000 + (process.pid % 5000));
    browser = await launchBrowser();
    const page = await newPage();
    // An incoming document with its scan, registered and presented to the leader (who then sees the
    // direction form: bút phê, chủ trì / phối hợp, deadline).
    await login(page, node.url, 'tinh.vanthu');
    await page.goto(`${node.url}/documents/incoming/new`);
    await page.fill('#subject', 'Kế hoạch triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư');
    await page.fill('#numberAndNotation', '120/KH-UBND');
    await page.setInputFiles('#files', { name: 'ke-hoach-120.pdf', mimeType: 'application/pdf', buffer: Buffer.from(await makePdf(['Kế hoạch triển khai Đề án 06'])) });
    await Promise.all([page.waitForURL(/\/documents\/\d+/), page.getByRole('button', { name: 'Tiếp nhận' }).click()]);
    docUrl = page.url().replace(/\?.*$/, '');
    await act(page, 'register');
    await act(page, 'present');
    // An outgoing draft with its PDF, reviewed by the head and approved by the leader: it waits for
    // the leader's signature (the signing form with the passphrase).
    await login(page, node.url, 'tinh.chuyenvien');
    await page.goto(`${node.url}/documents/outgoing/new`);
    await page.fill('#subject', 'V/v báo cáo tình hình ứng dụng chữ ký số năm 2026');
    await page.setInputFiles('#files', { name: 'du-thao.pdf', mimeType: 'application/pdf', buffer: Buffer.from(await makePdf(['V/v báo cáo tình hình ứng dụng chữ ký số năm 2026'])) });
    await Promise.all([page.waitForURL(/\/documents\/\d+\?ok=drafted/), page.getByRole('button', { name: 'Lưu dự thảo' }).click()]);
    draftUrl = page.url().replace(/\?.*$/, '');
    await act(page, 'submit');
    await login(page, node.url, 'tinh.truongphong');
    await page.goto(draftUrl);
    await act(page, 'approve');
    await login(page, node.url, 'tinh.lanhdao');
    await page.goto(draftUrl);
    await act(page, 'approve');
    expect(await page.locator(`form[action$="/actions/sign"]`).count(), 'the draft waits for the leader\'s signature').to.equal(1);
    await page.close();
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  /** The first link of a list page whose address matches, to reach a detail page without knowing its id. */
  const firstLink = async (page: Page, href: RegExp): Promise<string | undefined> => {
    const hrefs = await page.locator('main a[href]').evaluateAll((as) => as.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href')));
    return hrefs.find((h) => href.test(h));
  };

  // Every page of the journey (keyboard.e2e.test.ts, journey.e2e.test.ts) and the other main pages,
  // by the user who works on it. `from`: a list page whose first matching link is the page.
  const PAGES = (): { user: string | null; path?: string; from?: [string, RegExp] }[] => [
    { user: null, path: '/login' },
    ...['/', '/documents/incoming', '/documents/outgoing', '/documents/incoming/new', '/search', '/books', '/tasks', '/tasks/debts', '/dashboard', '/notifications', '/credentials', '/account/password', '/axis'].map((path) => ({ user: 'tinh.vanthu', path })),
    { user: 'tinh.vanthu', path: docUrl.replace(node.url, '') },
    { user: 'tinh.vanthu', from: ['/books', /^\/books\/\d+$/] },
    { user: 'tinh.chuyenvien', path: '/documents/outgoing/new' },
    { user: 'tinh.chuyenvien', path: draftUrl.replace(node.url, '') },
    // The leader's pages: the direction form, the signing form, bulk signing, a new task.
    { user: 'tinh.lanhdao', path: docUrl.replace(node.url, '') },
    { user: 'tinh.lanhdao', path: draftUrl.replace(node.url, '') },
    { user: 'tinh.lanhdao', path: '/signing/bulk' },
    { user: 'tinh.lanhdao', path: '/tasks/new' },
    ...['/admin/agencies', '/admin/users', '/admin/audit', '/calendar'].map((path) => ({ user: 'quantri', path })),
    { user: 'quantri', from: ['/admin/agencies', /^\/admin\/agencies\/\d+$/] },
    { user: 'quantri', from: ['/admin/users', /^\/admin\/users\/\d+$/] },
  ];

  // Words a clerk would not expect beside the domain's terms (issue 7 item 6; DOMAIN.md §3): "phát
  // hành" for ban hành, "đánh số" for cấp số, and English left in the interface.
  const OFF_TERMS = [/phát hành/i, /đánh số/i, /công văn đến|công văn đi/i, /\b(Submit|Cancel|Save|Delete|Edit|Loading|Error|Search|Login|Logout)\b/];

  it('keeps every page of the journey and the other main pages under 100 KB transferred (fonts and PDFs aside), with no serious accessibility violation and the domain\'s words', async () => {
    const page = await newPage();
    let signedIn: string | null = '';
    const sizes: string[] = [];
    for (const p of PAGES()) {
      if (p.user !== signedIn) {
        if (p.user) await login(page, node.url, p.user);
        else await page.context().clearCookies();
        signedIn = p.user;
      }
      let path = p.path;
      if (p.from) {
        await page.goto(`${node.url}${p.from[0]}`);
        path = await firstLink(page, p.from[1]);
        expect(path, `a link ${p.from[1]} on ${p.from[0]}`).to.be.a('string');
      }
      let bytes = 0;
      const onResponse = async (r: import('playwright-core').Response) => {
        const type = r.headers()['content-type'] ?? '';
        if (type.includes('pdf') || type.includes('font') || r.url().includes('/assets/pdfjs/')) return;
        bytes += Number(r.headers()['content-length'] ?? (await r.body().catch(() => Buffer.alloc(0))).length);
      };
      page.on('response', onResponse);
      const res = await page.goto(`${node.url}${path}`, { waitUntil: 'load' });
      page.off('response', onResponse);
      expect(res?.status(), `${path} as ${p.user ?? 'nobody'}`).to.equal(200);
      expect(bytes, `${path} weighs ${bytes} bytes`).to.be.lessThan(100 * 1024);
      const bad = (await axe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad, `${path} as ${p.user ?? 'nobody'}: ${JSON.stringify(bad)}`).to.deep.equal([]);
      const text = (await page.evaluate('document.body.innerText')) as string;
      for (const re of OFF_TERMS) expect(text, `${path}: wording ${re}`).not.to.match(re);
      sizes.push(`${path} ${(bytes / 1024).toFixed(1)} KB`);
    }
    process.stdout.write(`      ${sizes.length} pages (target: each < 100 KB, no serious/critical axe violation): ${sizes.join(', ')}\n`);
    await page.close();
  });

  it('switches agency only with the explicit button: arrow keys in the switcher do not (WCAG 3.2.2)', async () => {
    const page = await newPage();
    await login(page, node.url, 'quantri'); // an administrator of two agencies
    const before = await page.locator('#agency-switch option:checked').textContent();
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    await page.locator('#agency-switch').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowDown');
    const chosen = await page.locator('#agency-switch option:checked').textContent();
    expect(chosen, 'the arrow keys moved to another agency').not.to.equal(before);
    await page.waitForTimeout(500); // a change handler that submitted would have posted by now
    expect(posts, 'moving through the options posts nothing').to.deep.equal([]);
    expect(new URL(page.url()).pathname).to.equal('/');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent.trim()')).to.equal('Chuyển cơ quan');
    const [switched] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/account/agency')), page.waitForEvent('load'), page.keyboard.press('Enter')]);
    expect(switched.status()).to.equal(303);
    expect(await page.locator('#agency-switch option:checked').textContent(), 'the button switched the agency').to.equal(chosen);
    await page.close();
  });

  it('signs in and reaches the incoming list with the keyboard alone', async () => {
    const page = await newPage();
    await page.goto(`${node.url}/login`);
    // The username field takes the focus on arrival (autofocus): wait for it, then only type keys.
    await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id === 'username');
    await page.keyboard.type('tinh.lanhdao');
    await page.keyboard.press('Tab');
    await page.keyboard.type('VanThu@2026');
    await Promise.all([page.waitForURL(`${node.url}/`), page.keyboard.press('Enter')]);
    // Skip link first, then the navigation: Tab until "Văn bản đến" has focus, then Enter.
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document.activeElement?.textContent?.trim());
      if (focused === 'Văn bản đến') break;
    }
    await Promise.all([page.waitForURL(/\/documents\/incoming/), page.keyboard.press('Enter')]);
    expect(await page.locator('h1').textContent()).to.equal('Văn bản đến');
    await page.close();
  });

  it('reads, directs and signs on a 390×844 phone without horizontal scrolling', async () => {
    const page = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await login(page, node.url, 'tinh.lanhdao');
    for (const [url, action, label] of [
      [docUrl, 'direct', 'dien-thoai-but-phe'],
      [draftUrl, 'sign', 'dien-thoai-ky-duyet'],
    ] as const) {
      await page.goto(url);
      const overflow = await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      expect(overflow, `horizontal overflow in px on ${url}`).to.be.at.most(1);
      // Every field and button of the action form fits the screen's width.
      const outside = await page.locator(`form[action$="/actions/${action}"] :is(input:not([type=hidden]), select, textarea, button)`).evaluateAll((els) =>
        els.filter((e) => (e as unknown as { getBoundingClientRect(): { left: number; right: number } }).getBoundingClientRect().right > 391 || (e as unknown as { getBoundingClientRect(): { left: number } }).getBoundingClientRect().left < 0).map((e) => (e as unknown as { id: string }).id || (e as unknown as { tagName: string }).tagName),
      );
      expect(outside, `controls of ${action} outside the 390 px screen`).to.deep.equal([]);
      expect(await page.locator(`form[action$="/actions/${action}"]`).count()).to.equal(1);
      await screenshot(page, label);
    }
    await page.close();
  });

  it('measures first render on a throttled 1.6 Mbps / 150 ms link (printed)', async () => {
    const page = await newPage();
    await login(page, node.url, 'tinh.vanthu');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (768 * 1024) / 8 });
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    for (const path of ['/', '/documents/incoming', docUrl.replace(node.url, ''), draftUrl.replace(node.url, '')]) {
      await page.goto(`${node.url}${path}`, { waitUntil: 'load' });
      const fcp = await page.evaluate(() => {
        const perf = (globalThis as unknown as { performance: { getEntriesByName(n: string): { startTime: number }[]; getEntriesByType(t: string): { duration: number }[] } }).performance;
        return perf.getEntriesByName('first-contentful-paint')[0]?.startTime ?? perf.getEntriesByType('navigation')[0]?.duration;
      });
      expect(fcp).to.be.a('number');
      process.stdout.write(`      first contentful paint ${path}: ${Math.round(fcp!)} ms (1.6 Mbps, 150 ms RTT, cold cache)\n`);
    }
    await page.close();
  });
});
