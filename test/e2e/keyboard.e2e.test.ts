// The whole journey with the keyboard alone (issue 7 item 4), on two nodes as in journey.e2e.test.ts:
// an administrator gives the commune leader and the commune their test certificates → a commune
// specialist drafts a reply with its PDF → the head reviews → the leader approves and signs with the
// passphrase → the clerk numbers and releases it to the district → the district clerk registers it and
// presents it → a district leader assigns it with a deadline → a specialist completes it → the commune
// sees "Hoàn thành" in its recipients table.
//
// Only Tab / Shift+Tab / Enter / Space / arrow keys and typing drive the pages: nothing is clicked, no
// located element is filled, and the only address typed is each node's sign-in page. Every element the
// test tabs through must show a visible focus indicator (an outline or a box shadow), and after every
// form the focus must be on its result (the flash message or the error). The files are chosen through
// the file chooser that a file input opens when activated with Space (the operating system's dialog is
// outside the page). Delivery over the axis and the signing workers are asynchronous: the test goes
// back to the list by keyboard until the document or its state shows.
//
// Waiting for post/redirect/get: the POST's response (303) and the next `load` event of the page are
// awaited together with the key press, so an action that lands on the same address (`?ok=done`)
// cannot be mistaken for the page before it.
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path, { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { makeDecree30Pdf } from '../fixtures/signing/decree30-pdf.ts';
import { CODES, testPortBase, writeNetwork } from '../fixtures/axis/network.ts';
import { availableRedisUrl } from '../helpers/redis.ts';
import { CERTS, PASS } from '../unit/signing/helpers.ts';
import { CHROMIUM, launchBrowser, screenshot, startNode, type RunningNode } from './support.ts';

interface Focused {
  tag: string;
  id: string;
  type: string;
  cls: string;
  /** Accessible-ish name: the label, aria-label, or the text. */
  name: string;
  /** For a select: the text of the selected option. */
  selected: string;
  inMain: boolean;
  visibleFocus: boolean;
  outline: string;
}

/**
 * What has the focus now, and whether its focus can be seen (outline or box shadow, on screen).
 * A string evaluated in the page: tsx would wrap functions written here in helpers the page lacks.
 */
const FOCUSED_JS = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const outlined = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
  const shadowed = cs.boxShadow !== 'none' && cs.boxShadow !== '';
  const clean = (s) => (s || '').replace(/\\s+/g, ' ').trim();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    type: el.getAttribute('type') || '',
    cls: el.className || '',
    name: clean(el.labels && el.labels[0] && el.labels[0].textContent) || clean(el.getAttribute('aria-label')) || clean(el.textContent).slice(0, 100),
    selected: clean(el.selectedOptions && el.selectedOptions[0] && el.selectedOptions[0].textContent),
    inMain: !!el.closest('main'),
    visibleFocus: (outlined || shadowed) && r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0,
    outline: cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + cs.outlineColor + '; shadow ' + cs.boxShadow,
  };
})()`;

async function focused(page: Page): Promise<Focused | null> {
  return (await page.evaluate(FOCUSED_JS)) as Focused | null;
}

/**
 * Polls an expression in the page until it is true. Playwright's own wait compiles its string inside
 * the page, which the Content Security Policy (script-src 'self', no eval) refuses when polling by
 * interval; page.evaluate goes through the DevTools protocol instead. A navigation in between is retried.
 */
async function until(page: Page, expression: string, timeout = 30_000, interval = 250): Promise<void> {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(expression).catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${expression} on ${page.url()}`);
    await page.waitForTimeout(interval);
  }
}

const describeEl = (f: Focused | null) => (f ? `<${f.tag}${f.id ? `#${f.id}` : ''}${f.type ? ` type=${f.type}` : ''}> "${f.name}"` : '(nothing)');

describe('the whole journey with the keyboard alone in Chromium', function () {
  this.timeout(900_000);
  let commune: RunningNode;
  let district: RunningNode;
  let networkDir = '';
  let browser: Browser;
  let page: Page;
  /** Every element the test tabbed through, for the summary line. */
  const visited = new Set<string>();

  const SUBJECT = 'V/v báo cáo kết quả rà soát đất đai năm 2026 của xã Hưng Lộc';
  const SUBJECT_RE = /rà soát đất đai năm 2026/;

  /**
   * Presses Tab (or Shift+Tab) until the focused element matches, asserting on the way that each one
   * shows its focus. Fails with the path it took when the target never comes.
   */
  const tabTo = async (what: string, match: (f: Focused) => boolean, opts: { back?: boolean; max?: number } = {}): Promise<Focused> => {
    const path: string[] = [];
    for (let i = 0; i < (opts.max ?? 120); i++) {
      await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
      const f = await focused(page);
      path.push(describeEl(f));
      if (!f) continue;
      visited.add(describeEl(f));
      expect(f.visibleFocus, `${describeEl(f)} on ${page.url()} has no visible focus (${f.outline})`).to.equal(true);
      if (match(f)) return f;
    }
    return expect.fail(`never reached ${what} on ${page.url()} by ${opts.back ? 'Shift+Tab' : 'Tab'}; went through: ${path.join(' → ')}`);
  };
  const byId = (id: string) => (f: Focused) => f.id === id;
  const byName = (re: RegExp, tag?: string) => (f: Focused) => re.test(f.name) && (!tag || f.tag === tag);

  /** The result of a form has the focus, with its ring: the flash message (or, failing, the error). */
  const expectResultFocused = async (what: string) => {
    const f = await focused(page);
    expect(f?.cls, `after ${what} the focus is on the result of the form, not ${describeEl(f)}`).to.match(/\b(flash|error)\b/);
    expect(f!.visibleFocus, `the focused result shows its focus (${f!.outline})`).to.equal(true);
    expect(f!.cls, `${what}: ${f!.name}`).to.match(/\bflash\b/);
  };

  /** Waits for the page that a key press brings (a link followed, or a form posted and redirected). */
  const pressAndLand = async (key: string, post?: string): Promise<void> => {
    const loaded = page.waitForEvent('load', { timeout: 120_000 });
    const posted = post ? page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith(post), { timeout: 120_000 }) : null;
    await page.keyboard.press(key);
    if (posted) {
      const res = await posted;
      if (res.status() !== 303) {
        await loaded.catch(() => undefined);
        expect.fail(`${post}: ${res.status()} ${(await page.locator('.error, [role="alert"]').allTextContents()).join(' ')}`);
      }
    }
    await loaded;
    await page.waitForLoadState('load');
    if (post) {
      // autofocus is applied at the next rendering opportunity, not at `load`.
      await until(page, '!!document.activeElement && document.activeElement !== document.body', 10_000).catch(() => undefined);
      await expectResultFocused(post);
    }
  };

  /** From the top of a freshly loaded page: Tab to the skip link, Enter, and the focus is at the start of the content. */
  const skipToContent = async () => {
    const f = await tabTo('the skip link', byName(/Bỏ qua, đến nội dung chính/), { max: 1 });
    expect(f.tag).to.equal('a');
    await page.keyboard.press('Enter');
    await until(page, 'document.activeElement && document.activeElement.id === "noi-dung"');
    const main = await focused(page);
    expect(main!.visibleFocus, `the content shows that it has the focus (${main!.outline})`).to.equal(true);
  };

  /** Arrow keys on a focused (closed) select until the wanted option is selected: down to the end, then up. */
  const chooseOption = async (re: RegExp) => {
    let f = (await focused(page))!;
    expect(f.tag, 'a select has the focus').to.equal('select');
    for (const key of ['ArrowDown', 'ArrowUp']) {
      for (let i = 0; i < 80 && !re.test(f.selected); i++) {
        const before = f.selected;
        await page.keyboard.press(key);
        f = (await focused(page))!;
        if (f.selected === before) break; // the end of the list
      }
    }
    expect(f.selected, `option ${re} chosen with the arrow keys`).to.match(re);
  };

  /** Space on the focused file input opens the file chooser; the operating system's dialog is outside the page. */
  const chooseFile = async (id: string, file: string | { name: string; mimeType: string; buffer: Buffer }) => {
    const f = (await focused(page))!;
    expect(f.id).to.equal(id);
    const chooser = page.waitForEvent('filechooser', { timeout: 30_000 });
    await page.keyboard.press('Space');
    await (await chooser).setFiles(file);
  };

  /** Types the node's sign-in address (the one address typed per user), then signs in by keyboard. */
  const signIn = async (node: RunningNode, username: string) => {
    if (page.url() === 'about:blank' || !page.url().startsWith(node.url) || new URL(page.url()).pathname !== '/login') {
      await page.context().clearCookies(); // a test that failed midway may have left someone signed in
      await page.goto(`${node.url}/login`);
    }
    // The username field takes the focus on arrival (autofocus).
    await until(page, 'document.activeElement && document.activeElement.id === "username"');
    const f = (await focused(page))!;
    expect(f.visibleFocus, `autofocused username field shows its focus (${f.outline})`).to.equal(true);
    await page.keyboard.type(username);
    await tabTo('the password field', byId('password'), { max: 1 });
    await page.keyboard.type('VanThu@2026');
    await tabTo('the sign-in button', byName(/^Đăng nhập$/, 'button'), { max: 1 });
    await pressAndLand('Enter');
    expect(new URL(page.url()).pathname).to.equal('/');
  };

  /** Backwards when the focus is in the content (the header comes before it), forwards from the top of a page. */
  const towardsHeader = async () => ({ back: (await focused(page))?.inMain ?? false, max: 120 });

  const signOut = async () => {
    await tabTo('the sign-out button', byName(/^Đăng xuất$/, 'button'), await towardsHeader());
    await pressAndLand('Enter');
    expect(new URL(page.url()).pathname).to.equal('/login');
  };

  /** From any page: the navigation's link, the list's tab, then the document's link. False when it is not (yet) in the list. */
  const openDocument = async (list: 'Văn bản đến' | 'Văn bản đi', tab: RegExp): Promise<boolean> => {
    await tabTo(`"${list}" in the navigation`, (f) => f.tag === 'a' && f.name === list && !f.inMain, await towardsHeader());
    await pressAndLand('Enter');
    await skipToContent();
    await tabTo(`the list tab ${tab}`, (f) => f.tag === 'a' && tab.test(f.name), { max: 20 });
    await pressAndLand('Enter');
    if (!(await page.getByRole('link', { name: SUBJECT_RE }).count())) return false;
    await skipToContent();
    await tabTo(`the document ${SUBJECT_RE}`, (f) => f.tag === 'a' && SUBJECT_RE.test(f.name));
    await pressAndLand('Enter');
    expect(new URL(page.url()).pathname).to.match(/^\/documents\/\d+$/);
    return true;
  };

  /** Opens the document again and again (by keyboard) until it is in the list and its page passes `ready`. */
  const openDocumentUntil = async (list: 'Văn bản đến' | 'Văn bản đi', tab: RegExp, ready?: () => Promise<boolean>) => {
    for (let i = 0; i < 60; i++) {
      if ((await openDocument(list, tab)) && (!ready || (await ready()))) return;
      await page.waitForTimeout(2000);
    }
    expect.fail(`the document never ${ready ? 'reached the awaited state' : 'arrived'} in ${list} / ${tab}`);
  };

  /** The signing-status script reloads the page once the workers are done: wait until that has happened. */
  const waitForWorkers = async (text: string) => {
    const shown = `document.readyState === 'complete' && document.body.innerText.includes(${JSON.stringify(text)})`;
    await until(page, shown, 300_000, 1000);
    await page.waitForTimeout(2500); // a reload announced ("Đang tải lại trang…") starts 800 ms later
    await page.waitForLoadState('load');
    await until(page, shown, 60_000);
  };

  /** On a freshly opened document page: from the content, Tab to the action's first field or button. */
  const toAction = async (what: string, match: (f: Focused) => boolean) => {
    await skipToContent();
    return tabTo(what, match);
  };

  const stateOf = async () => (await page.locator('tr', { hasText: 'Trạng thái' }).first().textContent())?.replace(/\s+/g, ' ').trim();

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      process.stdout.write(`      (skipped: Chromium not found at ${CHROMIUM}; .ci/run installs the Debian package)\n`);
      this.skip();
    }
    // Two nodes of the axis test network, as in journey.e2e.test.ts (other ports).
    networkDir = mkdtempSync(path.join(os.tmpdir(), 'vanthu-e2e-kb-axis-'));
    const net = writeNetwork(networkDir, testPortBase(2), { trustRootPaths: ['root.pem', join(CERTS, 'root-ca.pem')] });
    const redis = (await availableRedisUrl()) ?? '';
    const nodeEnv = (name: 'commune' | 'district') => ({ AXIS_NODE_CONFIG: net[name].configPath, REDIS_URL: redis, QUEUE_PREFIX: `vanthu-e2e-kb-${name}-${process.pid}` });
    // allSettled: when one node fails to start, the other is still stopped by the after hook.
    const [c, d] = await Promise.allSettled([startNode('kbxa', net.commune.port, nodeEnv('commune')), startNode('kbhuyen', net.district.port, nodeEnv('district'))]);
    if (c.status === 'fulfilled') commune = c.value;
    if (d.status === 'fulfilled') district = d.value;
    for (const r of [c, d]) if (r.status === 'rejected') throw r.reason;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    process.stdout.write(`      ${visited.size} distinct focusable elements tabbed through, each with a visible focus\n`);
    await browser?.close();
    await commune?.stop();
    await district?.stop();
    if (networkDir) rmSync(networkDir, { recursive: true, force: true });
  });

  it('an administrator uploads the leader\'s and the commune\'s certificates (selects by arrow keys, files by Space)', async () => {
    await signIn(commune, 'quantri');
    await tabTo('"Chứng thư số" in the navigation', (f) => f.tag === 'a' && f.name === 'Chứng thư số', { max: 40 });
    await pressAndLand('Enter');
    const upload = async (kind: 'user' | 'agency', owner: RegExp, p12: string, image: string) => {
      await tabTo('the owner kind', byId('cr-kind'));
      if (kind === 'user') {
        await chooseOption(/^Cá nhân/);
        await tabTo('the user', byId('cr-user'), { max: 1 });
      } else {
        await chooseOption(/^Cơ quan/);
        await tabTo('the agency', byId('cr-agency'), { max: 2 });
      }
      await chooseOption(owner);
      await tabTo('the certificate file', byId('cr-p12'), { max: 2 });
      await chooseFile('cr-p12', join(CERTS, p12));
      await tabTo('the image file', byId('cr-image'), { max: 1 });
      await chooseFile('cr-image', join(CERTS, image));
      await tabTo('the passphrase', byId('cr-pass'), { max: 1 });
      await page.keyboard.type(PASS);
      await tabTo('"Tải lên"', byName(/^Tải lên$/, 'button'), { max: 1 });
      await pressAndLand('Enter', '/credentials');
    };
    await skipToContent();
    await upload('user', /xa1\.lanhdao/, 'persons/tran-van-hung.p12', 'images/signature-tran-van-hung.png');
    // From the flash of the first upload, on to the form again.
    await upload('agency', /Ủy ban nhân dân xã Hưng Lộc/, 'agencies/uy-ban-nhan-dan-xa-hung-loc.p12', 'images/seal-uy-ban-nhan-dan-xa-hung-loc.png');
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).to.contain('Trần Văn Hùng');
    expect(main).to.contain('Ủy ban nhân dân xã Hưng Lộc');
    await signOut();
  });

  it('a commune specialist drafts a reply with its PDF (file chooser opened by the keyboard) and submits it', async () => {
    await signIn(commune, 'xa1.chuyenvien');
    await tabTo('"Văn bản đi" in the navigation', (f) => f.tag === 'a' && f.name === 'Văn bản đi', { max: 30 });
    await pressAndLand('Enter');
    await skipToContent();
    await tabTo('"+ Soạn dự thảo"', byName(/Soạn dự thảo/, 'a'), { max: 10 });
    await pressAndLand('Enter');
    await skipToContent();
    await tabTo('the document type', byId('typeCode'));
    await chooseOption(/^Công văn/);
    await tabTo('the subject', byId('subject'));
    await page.keyboard.type(SUBJECT);
    await tabTo('the file input', byId('files'));
    await chooseFile('files', { name: 'du-thao-bao-cao.pdf', mimeType: 'application/pdf', buffer: Buffer.from(await makeDecree30Pdf({ signerName: 'Trần Văn Hùng', position: 'CHỦ TỊCH' })) });
    await tabTo('"Lưu dự thảo"', byName(/^Lưu dự thảo$/, 'button'), { max: 3 });
    await pressAndLand('Enter', '/documents/outgoing');
    expect(page.url()).to.match(/\/documents\/\d+\?ok=drafted/);
    expect(await page.locator('main').textContent()).to.contain('du-thao-bao-cao.pdf');
    // From the flash: past the file links and the PDF viewer (it must not hold the focus) to the form.
    await tabTo('the note of "Trình duyệt dự thảo"', byId('sb-note'));
    await page.keyboard.type('Kính trình trưởng ban xem xét.');
    await tabTo('"Trình duyệt"', byName(/^Trình duyệt$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/actions/submit');
    expect(await stateOf()).to.contain('Chờ duyệt');
    await screenshot(page, 'ban-phim-du-thao');
    await signOut();
  });

  it('the head reviews and approves — Shift+Tab back from the button included', async () => {
    await signIn(commune, 'xa1.truongphong');
    await openDocumentUntil('Văn bản đi', /^Chờ duyệt$/);
    await toAction('the opinion of "Duyệt dự thảo"', byId('ap-note'));
    await page.keyboard.type('Đồng ý trình Chủ tịch.');
    await tabTo('"Duyệt"', byName(/^Duyệt$/, 'button'), { max: 1 });
    // Back to the field and forward again: Shift+Tab keeps the same order in reverse.
    await tabTo('the opinion again', byId('ap-note'), { back: true, max: 1 });
    await tabTo('"Duyệt" again', byName(/^Duyệt$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/actions/approve');
    await screenshot(page, 'ban-phim-truong-phong-duyet');
    await signOut();
  });

  it('the leader finds it under "Chờ duyệt", approves it and signs it with the passphrase', async () => {
    await signIn(commune, 'xa1.lanhdao');
    // After the head's approval the draft waits for the leader's, still under "Chờ duyệt".
    await openDocumentUntil('Văn bản đi', /^Chờ duyệt$/);
    await toAction('the opinion of "Duyệt dự thảo"', byId('ap-note'));
    await tabTo('"Duyệt"', byName(/^Duyệt$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/actions/approve');
    expect(await stateOf()).to.match(/Chờ ký/);
    // From the flash to the signing form.
    await tabTo('the signing passphrase', byId('sg-pass'));
    await page.keyboard.type(PASS);
    await tabTo('"Ký duyệt"', byName(/^Ký duyệt$/, 'button'), { max: 3 });
    await pressAndLand('Enter', '/actions/sign');
    // The signing worker finishes after the redirect; the page reloads itself once it is done.
    await waitForWorkers('Chờ cấp số');
    await waitForWorkers('Chữ ký số hợp lệ');
    await screenshot(page, 'ban-phim-lanh-dao-ky');
    await signOut();
  });

  it('the commune clerk finds it under "Chờ cấp số", numbers it and releases it to the district', async () => {
    await signIn(commune, 'xa1.vanthu');
    await openDocumentUntil('Văn bản đi', /^Chờ cấp số$/);
    await toAction('the agency passphrase of "Cấp số"', byId('nb-pass'));
    await page.keyboard.type(PASS);
    await tabTo('"Cấp số"', byName(/^Cấp số$/, 'button'), { max: 2 });
    await pressAndLand('Enter', '/actions/number');
    // The number, the date and the seal signature are applied by the workers; the page reloads itself.
    await waitForWorkers('Đóng số, ngày và ký số cơ quan');
    expect(await page.locator('h1').textContent()).to.match(/số \d{2,}\/UBND-ĐC/);
    // The district is served by another node: it is addressed by its code (QCVN 102). The page may
    // have reloaded itself: start from the top of the content.
    const start = await focused(page);
    if (!start?.inMain) await skipToContent();
    await tabTo('the codes of other agencies', byId('rl-ext'));
    await page.keyboard.type(CODES.district);
    await tabTo('"Ban hành"', byName(/^Ban hành$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/actions/release');
    expect(await page.locator('section', { hasText: 'Nơi nhận và tình trạng' }).textContent()).to.contain(CODES.district);
    await screenshot(page, 'ban-phim-ban-hanh');
    await signOut();
  });

  it('the district clerk waits for it under "Chờ vào sổ", registers it and presents it', async () => {
    await signIn(district, 'huyen.vanthu');
    await openDocumentUntil('Văn bản đến', /^Chờ vào sổ$/);
    await toAction('the book of "Vào sổ"', byId('reg-book'));
    await tabTo('"Vào sổ"', byName(/^Vào sổ$/, 'button'), { max: 3 });
    await pressAndLand('Enter', '/actions/register');
    await tabTo('the note of "Trình lãnh đạo"', byId('pr-note'));
    await page.keyboard.type('Kính trình Chủ tịch cho ý kiến chỉ đạo.');
    await tabTo('"Trình"', byName(/^Trình$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/actions/present');
    expect(await stateOf()).to.match(/Chờ lãnh đạo cho ý kiến/);
    await screenshot(page, 'ban-phim-huyen-vao-so');
    await signOut();
  });

  it('a district leader finds it under "Chờ xử lý" and assigns it with a lead (arrow keys) and a deadline in working days', async () => {
    await signIn(district, 'huyen.lanhdao');
    await openDocumentUntil('Văn bản đến', /^Chờ xử lý$/);
    await toAction('the direction text', byId('dr-text'));
    await page.keyboard.type('Giao Phòng Nội vụ chủ trì, tổng hợp báo cáo huyện.');
    await tabTo('the lead', byId('dr-lead'), { max: 1 });
    await chooseOption(/Lý Thị Mỹ Duyên/);
    // Past the two lists of "Phối hợp" / "Để biết" and the date's parts.
    await tabTo('the number of working days', byId('dr-days'), { max: 8 });
    await page.keyboard.type('5');
    await tabTo('"Giao xử lý"', byName(/^Giao xử lý$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/actions/direct');
    expect(await page.locator('main').textContent()).to.contain('Giao Phòng Nội vụ chủ trì');
    expect(await page.locator('tr', { hasText: 'Hạn xử lý' }).first().textContent()).to.match(/\d{4}-\d{2}-\d{2}|\d{2}\/\d{2}\/\d{4}/);
    expect(await page.locator('section', { hasText: 'Phân công xử lý' }).textContent()).to.contain('Lý Thị Mỹ Duyên');
    await screenshot(page, 'ban-phim-giao-viec');
    await signOut();
  });

  it('the district specialist finds it under "Chờ xử lý", starts and completes the handling', async () => {
    await signIn(district, 'huyen.chuyenvien');
    await openDocumentUntil('Văn bản đến', /^Chờ xử lý$/);
    await toAction('"Bắt đầu xử lý"', byName(/^Bắt đầu xử lý$/, 'button'));
    await pressAndLand('Enter', '/actions/start');
    await tabTo('the result of "Hoàn thành xử lý"', byId('cp-note'));
    await page.keyboard.type('Đã tổng hợp vào báo cáo chung của huyện.');
    await tabTo('"Hoàn thành"', byName(/^Hoàn thành$/, 'button'), { max: 4 });
    await pressAndLand('Enter', '/actions/complete');
    expect(await stateOf()).to.contain('Đã xử lý');
    await screenshot(page, 'ban-phim-hoan-thanh');
    await signOut();
  });

  it('the commune clerk sees "Hoàn thành" for the district in the recipients table', async () => {
    await signIn(commune, 'xa1.vanthu');
    const districtRow = () => page.locator('tr', { hasText: CODES.district });
    await openDocumentUntil('Văn bản đi', /^Đã ban hành$/, async () => /Hoàn thành/.test((await districtRow().textContent()) ?? ''));
    expect(await districtRow().textContent()).to.contain('Hoàn thành');
    await screenshot(page, 'ban-phim-xa-thay-hoan-thanh');
  });
});
