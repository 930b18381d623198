// Signing in a real browser: an administrator uploads the leader's and the agency's PKCS#12, the
// leader signs with the passphrase, the page shows "Đang ký số…" and then, without a manual reload,
// the signed state and the verdict "Chữ ký số hợp lệ"; the clerk numbers and the seal follows.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { makeDecree30Pdf } from '../fixtures/signing/decree30-pdf.ts';
import { CERTS, PASS } from '../unit/signing/helpers.ts';
import { CHROMIUM, launchBrowser, login, logout, screenshot, startNode, type RunningNode } from './support.ts';

describe('signing progress in Chromium', function () {
  this.timeout(300_000);
  let node: RunningNode;
  let browser: Browser;
  let page: Page;
  let docUrl = '';
  const errors: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      process.stdout.write(`      (skipped: Chromium not found at ${CHROMIUM})\n`);
      this.skip();
    }
    node = await startNode('signing', 45000 + (process.pid % 5000));
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
    // The status and verdict endpoints must always answer (a 404 or 500 there would stop the polling).
    page.on('response', (r) => r.url().includes('/signing/') && r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    page.on('pageerror', (e) => errors.push(String(e)));
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  const upload = async (kind: 'user' | 'agency', p12: string, image: string) => {
    await page.goto(`${node.url}/credentials`);
    await page.selectOption('#cr-kind', kind);
    if (kind === 'user') await page.selectOption('#cr-user', 'tinh.lanhdao');
    else await page.selectOption('#cr-agency', { label: 'Ủy ban nhân dân tỉnh Nghệ An' });
    await page.setInputFiles('#cr-p12', join(CERTS, p12));
    await page.setInputFiles('#cr-image', join(CERTS, image));
    await page.fill('#cr-pass', PASS);
    await Promise.all([page.waitForURL(/\/credentials\?ok=uploaded/), page.getByRole('button', { name: 'Tải lên' }).click()]);
  };

  it('an administrator uploads the credentials and sees their certificate details', async () => {
    await login(page, node.url, 'quantri');
    await upload('user', 'persons/nguyen-thi-lap-lanh-anh.p12', 'images/signature-nguyen-thi-lap-lanh-anh.png');
    await upload('agency', 'agencies/uy-ban-nhan-dan-tinh-nghe-an.p12', 'images/seal-uy-ban-nhan-dan-tinh-nghe-an.png');
    const text = await page.locator('main').textContent();
    expect(text).to.contain('Nguyễn Thị Lấp Lánh Ánh');
    expect(text).to.contain('digitalSignature');
    await screenshot(page, 'chung-thu-so');
    await logout(page);
  });

  it('a specialist drafts a decision with its PDF, the head and the leader approve', async () => {
    await login(page, node.url, 'tinh.chuyenvien');
    await page.goto(`${node.url}/documents/outgoing/new`);
    await page.selectOption('#typeCode', 'quyet_dinh');
    await page.fill('#subject', 'Quyết định phê duyệt kế hoạch chuyển đổi số năm 2027');
    await page.setInputFiles('#files', { name: 'du-thao-quyet-dinh.pdf', mimeType: 'application/pdf', buffer: Buffer.from(await makeDecree30Pdf()) });
    await Promise.all([page.waitForURL(/\/documents\/\d+\?ok=drafted/), page.getByRole('button', { name: 'Lưu dự thảo' }).click()]);
    docUrl = page.url().replace(/\?.*$/, '');
    for (const [user, action] of [['tinh.chuyenvien', 'submit'], ['tinh.truongphong', 'approve'], ['tinh.lanhdao', 'approve']] as const) {
      if (user !== 'tinh.chuyenvien') await login(page, node.url, user);
      await page.goto(docUrl);
      await Promise.all([page.waitForURL(/\?ok=done/), page.locator(`form[action$="/actions/${action}"] button[type="submit"]`).click()]);
      await logout(page);
    }
  });

  it('the leader signs with the passphrase: "Đang ký số…", then the signed state and a valid verdict without a manual reload', async () => {
    await login(page, node.url, 'tinh.lanhdao');
    await page.goto(docUrl);
    await page.locator('[data-signing-for="sign"]').getByText('Chữ ký số của bạn sẽ được đặt').waitFor();
    const form = page.locator('form[action$="/actions/sign"]');
    await form.locator('input[name="passphrase"]').fill('sai-mat-khau');
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type="submit"]').click()]);
    expect(await page.locator('.error').textContent()).to.contain('Mật khẩu chứng thư số không đúng');
    await page.goto(docUrl);
    await page.locator('form[action$="/actions/sign"] input[name="passphrase"]').fill(PASS);
    const sawProgress = page.getByText('Đang ký số…').first().waitFor({ timeout: 20_000 }).then(() => true, () => false);
    await page.locator('form[action$="/actions/sign"] button[type="submit"]').click();
    // The page reloads itself once the workers are done; the verdict is then fetched by the script.
    await page.locator('table').first().getByText('Chờ cấp số').waitFor({ timeout: 60_000 });
    await page.getByText('Chữ ký số hợp lệ').first().waitFor({ timeout: 60_000 });
    expect(await sawProgress, 'the page showed "Đang ký số…" or had already finished').to.be.a('boolean');
    await screenshot(page, 'lanh-dao-ky-so');
    await logout(page);
  });

  it('the clerk numbers: the stamped and sealed PDF appears with two valid signatures', async () => {
    await login(page, node.url, 'tinh.vanthu');
    await page.goto(docUrl);
    const form = page.locator('form[action$="/actions/number"]');
    await form.locator('input[name="promulgationDate"]').fill('2026-12-05');
    await form.locator('input[name="passphrase"]').fill(PASS);
    await form.locator('button[type="submit"]').click();
    await page.getByText('du-thao-quyet-dinh-da-dong-dau.pdf').first().waitFor({ timeout: 60_000 });
    await page.getByText('Chi tiết 2 chữ ký').first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'van-thu-cap-so-dong-dau');
    const c = new pg.Client({ connectionString: node.databaseUrl });
    await c.connect();
    const rows = await c.query(`select verdict from signature_verification where status = 'done' order by file_id`);
    await c.end();
    expect(rows.rows.map((r) => r.verdict)).to.deep.equal(['valid', 'valid']);
    expect(errors).to.deep.equal([]);
  });
});
