// NOT YET IN `npm run test:e2e` (named .wip.ts so the e2e glob skips it): its first complete run got
// through receive, register and present by keyboard, then stopped on a wrong state label (fixed since)
// before the session ended. Run it with the mocha command of test:e2e and this file; rename it to
// keyboard.e2e.test.ts once it passes three times in a row.
// The journey with the keyboard alone (issue 7 item 4): the incoming workflow (receive → register →
// present → the leader's direction with a lead and a deadline → the specialist completes) and the
// outgoing one (draft → review by the head → approval by the leader), driven only by Tab / Shift+Tab /
// Enter / Space / arrow keys and typing. Nothing is clicked and no located element is filled: focus
// arrives by keyboard, and every element the test tabs through must show a visible focus indicator
// (an outline or a box shadow). The file of the draft is chosen through the file chooser the file
// input opens when activated with the keyboard (the operating system's dialog is outside the page).
//
// Waiting for post/redirect/get: the POST's response (303) and the next `load` event of the page are
// awaited together with the key press, so an action that lands on the same address (`?ok=done`)
// cannot be mistaken for the page before it.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { makePdf } from '../helpers/pdf.ts';
import { CHROMIUM, launchBrowser, screenshot, startNode, type RunningNode } from './support.ts';

interface Focused {
  tag: string;
  id: string;
  type: string;
  /** Accessible-ish name: the label, aria-label, or the text. */
  name: string;
  /** For a select: the text of the selected option. */
  selected: string;
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
    name: clean(el.labels && el.labels[0] && el.labels[0].textContent) || clean(el.getAttribute('aria-label')) || clean(el.textContent).slice(0, 100),
    selected: clean(el.selectedOptions && el.selectedOptions[0] && el.selectedOptions[0].textContent),
    visibleFocus: (outlined || shadowed) && r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0,
    outline: cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + cs.outlineColor + '; shadow ' + cs.boxShadow,
  };
})()`;

async function focused(page: Page): Promise<Focused | null> {
  return (await page.evaluate(FOCUSED_JS)) as Focused | null;
}

const describeEl = (f: Focused | null) => (f ? `<${f.tag}${f.id ? `#${f.id}` : ''}${f.type ? ` type=${f.type}` : ''}> "${f.name}"` : '(nothing)');

describe('the journey with the keyboard alone in Chromium', function () {
  this.timeout(300_000);
  let node: RunningNode;
  let browser: Browser;
  let page: Page;
  /** Every element the test tabbed through, for the summary line. */
  const visited = new Set<string>();

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

  /** Waits for the page that a key press brings (a link followed, or a form posted and redirected). */
  const pressAndLand = async (key: string, post?: string): Promise<void> => {
    const loaded = page.waitForEvent('load', { timeout: 60_000 });
    const posted = post ? page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith(post), { timeout: 60_000 }) : null;
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
  };

  /** From the top of a fresh page: Tab to the skip link, Enter, and the focus is at the start of the content. */
  const skipToContent = async () => {
    const f = await tabTo('the skip link', byName(/Bỏ qua, đến nội dung chính/), { max: 1 });
    expect(f.tag).to.equal('a');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id === 'noi-dung');
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

  const signIn = async (username: string) => {
    // After signing out the browser is on the sign-in page already; the first time, the address is typed.
    if (page.url() === 'about:blank' || new URL(page.url()).pathname !== '/login') {
      await page.context().clearCookies(); // a test that failed midway may have left someone signed in
      await page.goto(`${node.url}/login`);
    }
    // The username field takes the focus on arrival (autofocus).
    await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id === 'username');
    const f = (await focused(page))!;
    expect(f.visibleFocus, `autofocused username field shows its focus (${f.outline})`).to.equal(true);
    await page.keyboard.type(username);
    await tabTo('the password field', byId('password'), { max: 1 });
    await page.keyboard.type('VanThu@2026');
    await tabTo('the sign-in button', byName(/^Đăng nhập$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/login');
    expect(new URL(page.url()).pathname).to.equal('/');
  };

  const signOut = async () => {
    await tabTo('the sign-out button', byName(/^Đăng xuất$/, 'button'), { max: 40 });
    await pressAndLand('Enter', '/logout');
    expect(new URL(page.url()).pathname).to.equal('/login');
  };

  /** From any page: the main navigation's link, then the document's link in the list (tab `tab` first when given). */
  const openDocument = async (list: 'Văn bản đến' | 'Văn bản đi', subject: RegExp, tab?: RegExp) => {
    await tabTo(`"${list}" in the navigation`, (f) => f.tag === 'a' && f.name === list, { max: 30 });
    await pressAndLand('Enter');
    if (tab) {
      await skipToContent();
      await tabTo(`the list tab ${tab}`, (f) => f.tag === 'a' && tab.test(f.name), { max: 20 });
      await pressAndLand('Enter');
    }
    await skipToContent();
    await tabTo(`the document ${subject}`, (f) => f.tag === 'a' && subject.test(f.name));
    await pressAndLand('Enter');
    expect(new URL(page.url()).pathname).to.match(/^\/documents\/\d+$/);
  };

  /** On a document page: from the content, Tab to the action's first field or button. */
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
    node = await startNode('keyboard', 40000 + (process.pid % 1000));
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    process.stdout.write(`      ${visited.size} distinct focusable elements tabbed through, each with a visible focus\n`);
    await browser?.close();
    await node?.stop();
  });

  const INCOMING = 'Kế hoạch kiểm tra công tác văn thư lưu trữ năm 2027';
  const OUTGOING = 'V/v báo cáo tình hình ứng dụng chữ ký số năm 2026';

  it('the clerk receives an incoming document, registers it and presents it to the leader', async () => {
    await signIn('tinh.vanthu');
    await tabTo('"Văn bản đến" in the navigation', (f) => f.tag === 'a' && f.name === 'Văn bản đến', { max: 30 });
    await pressAndLand('Enter');
    await skipToContent();
    await tabTo('"+ Tiếp nhận văn bản đến"', byName(/Tiếp nhận văn bản đến/, 'a'), { max: 10 });
    await pressAndLand('Enter');
    expect(new URL(page.url()).pathname).to.equal('/documents/incoming/new');
    await skipToContent();
    await tabTo('the document type', byId('typeCode'));
    await chooseOption(/^Kế hoạch/);
    await tabTo('the number and notation', byId('numberAndNotation'), { max: 1 });
    await page.keyboard.type('215/KH-SNV');
    await tabTo('the issuer', byId('issuerName'), { max: 6 });
    await page.keyboard.type('Sở Nội vụ tỉnh Nghệ An');
    await tabTo('the subject', byId('subject'), { max: 4 });
    await page.keyboard.type(INCOMING);
    await tabTo('"Tiếp nhận"', byName(/^Tiếp nhận$/, 'button'), { max: 12 });
    await pressAndLand('Enter', '/documents/incoming');
    expect(page.url()).to.match(/\/documents\/\d+\?ok=/);
    expect(await page.locator('main').textContent()).to.contain(INCOMING);

    // Vào sổ: the book select keeps its first book; Tab on to the button.
    await toAction('the book of the registration form', byId('reg-book'));
    await tabTo('"Vào sổ"', byName(/^Vào sổ$/, 'button'), { max: 3 });
    await pressAndLand('Enter', '/actions/register');
    expect(await stateOf()).to.match(/Đã vào sổ|Chờ trình/);
    // Trình lãnh đạo, with a note.
    await toAction('the note of "Trình lãnh đạo"', byId('pr-note'));
    await page.keyboard.type('Kính trình Chủ tịch cho ý kiến chỉ đạo.');
    await tabTo('"Trình"', byName(/^Trình$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/actions/present');
    expect(await stateOf()).to.match(/Chờ lãnh đạo cho ý kiến/);
    await screenshot(page, 'ban-phim-trinh');
    await signOut();
  });

  it('the leader gives the direction with a lead (arrow keys) and a deadline in working days', async () => {
    await signIn('tinh.lanhdao');
    await openDocument('Văn bản đến', /kiểm tra công tác văn thư/);
    await toAction('the direction text', byId('dr-text'));
    await page.keyboard.type('Giao đồng chí Ánh chủ trì, tham mưu kế hoạch; báo cáo trước hạn.');
    await tabTo('the lead', byId('dr-lead'), { max: 1 });
    await chooseOption(/Bùi Thị Ngọc Ánh/);
    await tabTo('the number of working days', byId('dr-days'), { max: 6 });
    await page.keyboard.type('5');
    await tabTo('"Giao xử lý"', byName(/^Giao xử lý$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/actions/direct');
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).to.contain('Giao đồng chí Ánh chủ trì');
    expect(await page.locator('tr', { hasText: 'Hạn xử lý' }).first().textContent()).to.match(/\d{4}-\d{2}-\d{2}|\d{2}\/\d{2}\/\d{4}/);
    expect(await page.locator('section', { hasText: 'Phân công xử lý' }).textContent()).to.contain('Bùi Thị Ngọc Ánh');
    await signOut();
  });

  it('the specialist starts and completes the handling', async () => {
    await signIn('tinh.chuyenvien');
    await openDocument('Văn bản đến', /kiểm tra công tác văn thư/);
    await toAction('"Bắt đầu xử lý"', byName(/^Bắt đầu xử lý$/, 'button'));
    await pressAndLand('Enter', '/actions/start');
    await toAction('the result of "Hoàn thành xử lý"', byId('cp-note'));
    await page.keyboard.type('Đã xây dựng dự thảo kế hoạch, trình lãnh đạo văn phòng.');
    await tabTo('"Hoàn thành"', byName(/^Hoàn thành$/, 'button'), { max: 3 });
    await pressAndLand('Enter', '/actions/complete');
    expect(await stateOf()).to.contain('Đã xử lý');
    await screenshot(page, 'ban-phim-hoan-thanh');
    await signOut();
  });

  it('a specialist drafts an outgoing document with its PDF (file chooser opened by the keyboard) and submits it', async () => {
    await signIn('tinh.chuyenvien');
    await tabTo('"Văn bản đi" in the navigation', (f) => f.tag === 'a' && f.name === 'Văn bản đi', { max: 30 });
    await pressAndLand('Enter');
    await skipToContent();
    await tabTo('"+ Soạn dự thảo"', byName(/Soạn dự thảo/, 'a'), { max: 10 });
    await pressAndLand('Enter');
    await skipToContent();
    await tabTo('the subject', byId('subject'));
    await page.keyboard.type(OUTGOING);
    await tabTo('the file input', byId('files'));
    const chooser = page.waitForEvent('filechooser');
    await page.keyboard.press('Space');
    await (await chooser).setFiles({ name: 'du-thao-bao-cao.pdf', mimeType: 'application/pdf', buffer: Buffer.from(await makePdf([OUTGOING])) });
    await tabTo('"Lưu dự thảo"', byName(/^Lưu dự thảo$/, 'button'), { max: 2 });
    await pressAndLand('Enter', '/documents/outgoing');
    expect(page.url()).to.match(/\/documents\/\d+\?ok=drafted/);
    expect(await page.locator('main').textContent()).to.contain('du-thao-bao-cao.pdf');
    await toAction('the note of "Trình duyệt dự thảo"', byId('sb-note'));
    await page.keyboard.type('Kính trình trưởng phòng xem xét.');
    await tabTo('"Trình duyệt"', byName(/^Trình duyệt$/, 'button'), { max: 1 });
    await pressAndLand('Enter', '/actions/submit');
    expect(await stateOf()).to.contain('Chờ duyệt');
    await signOut();
  });

  it('the head reviews and approves, then the leader approves — Shift+Tab back from the button included', async () => {
    for (const [user, tab] of [
      ['tinh.truongphong', /Chờ duyệt/],
      ['tinh.lanhdao', /Chờ duyệt/],
    ] as const) {
      await signIn(user);
      await openDocument('Văn bản đi', /ứng dụng chữ ký số/, tab);
      await toAction('the opinion of "Duyệt dự thảo"', byId('ap-note'));
      await page.keyboard.type('Đồng ý.');
      await tabTo('"Duyệt"', byName(/^Duyệt$/, 'button'), { max: 1 });
      // Back to the field and forward again: Shift+Tab keeps the same order in reverse.
      await tabTo('the opinion again', byId('ap-note'), { back: true, max: 1 });
      await tabTo('"Duyệt" again', byName(/^Duyệt$/, 'button'), { max: 1 });
      await pressAndLand('Enter', '/actions/approve');
      await signOut();
    }
    await signIn('tinh.lanhdao');
    await openDocument('Văn bản đi', /ứng dụng chữ ký số/);
    expect(await stateOf()).to.match(/Chờ ký/);
    await screenshot(page, 'ban-phim-duyet');
  });
});
