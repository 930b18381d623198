// Pages a commune clerk can use on an old PC (issue 7): light pages, accessible (axe-core: no serious
// or critical violation), usable with the keyboard alone and on a 390×844 phone. First render on a
// throttled 1.6 Mbps / 150 ms link is measured and printed (figures, not assertions).
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
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
  this.timeout(300_000);
  let node: RunningNode;
  let browser: Browser;
  let docUrl = '';

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      process.stdout.write(`      (skipped: Chromium not found at ${CHROMIUM}; .ci/run installs the Debian package)\n`);
      this.skip();
    }
    node = await startNode('pages', 45000 + (process.pid % 5000));
    browser = await launchBrowser();
    // One document to show.
    const page = await browser.newPage();
    await login(page, node.url, 'tinh.vanthu');
    await page.goto(`${node.url}/documents/incoming/new`);
    await page.fill('#subject', 'Kế hoạch triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư');
    await page.fill('#numberAndNotation', '120/KH-UBND');
    await Promise.all([page.waitForURL(/\/documents\/\d+/), page.getByRole('button', { name: 'Tiếp nhận' }).click()]);
    docUrl = page.url().replace(/\?.*$/, '');
    await page.close();
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  const PAGES = () => ['/', '/documents/incoming', '/documents/outgoing', '/documents/incoming/new', docUrl.replace(node.url, ''), '/admin/agencies'];

  it('keeps every main page under 100 KB transferred (fonts and PDFs aside) with no serious accessibility violation', async () => {
    const page = await browser.newPage();
    await login(page, node.url, 'quantri');
    await login(page, node.url, 'tinh.vanthu');
    for (const path of PAGES()) {
      if (path === '/admin/agencies') await login(page, node.url, 'quantri');
      let bytes = 0;
      const onResponse = async (r: import('playwright-core').Response) => {
        const type = r.headers()['content-type'] ?? '';
        if (type.includes('pdf') || type.includes('font') || r.url().includes('/assets/pdfjs/')) return;
        bytes += Number(r.headers()['content-length'] ?? (await r.body().catch(() => Buffer.alloc(0))).length);
      };
      page.on('response', onResponse);
      await page.goto(`${node.url}${path}`, { waitUntil: 'load' });
      page.off('response', onResponse);
      expect(bytes, `${path} weighs ${bytes} bytes`).to.be.lessThan(100 * 1024);
      const bad = (await axe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(bad, `${path}: ${JSON.stringify(bad)}`).to.deep.equal([]);
      process.stdout.write(`      ${path}: ${(bytes / 1024).toFixed(1)} KB\n`);
    }
    await page.close();
  });

  it('signs in and reaches the incoming list with the keyboard alone', async () => {
    const page = await browser.newPage();
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

  it('reads and directs on a 390×844 phone without horizontal scrolling', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await login(page, node.url, 'tinh.lanhdao');
    await page.goto(docUrl);
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow, 'horizontal overflow in px').to.be.at.most(1);
    await screenshot(page, 'dien-thoai-van-ban');
    await page.close();
  });

  it('measures first render on a throttled 1.6 Mbps / 150 ms link (printed)', async () => {
    const page = await browser.newPage();
    await login(page, node.url, 'tinh.vanthu');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (768 * 1024) / 8 });
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    for (const path of ['/', '/documents/incoming', docUrl.replace(node.url, '')]) {
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
