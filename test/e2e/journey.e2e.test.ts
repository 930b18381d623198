// The whole journey in a real browser (issue 7): a commune specialist drafts a reply → the head
// reviews → the leader signs → the clerk numbers and releases → it travels over the interconnection
// axis to the district's own node (a second process with its own database) → the district clerk
// registers it (receipt 03 flows back) → a leader assigns it with a deadline → a specialist completes
// it → the commune sees "Hoàn thành" in its recipients table.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import { makeDecree30Pdf } from '../fixtures/signing/decree30-pdf.ts';
import { CERTS, PASS } from '../unit/signing/helpers.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testPortBase, writeNetwork, CODES } from '../fixtures/axis/network.ts';
import { availableRedisUrl } from '../helpers/redis.ts';
import { CHROMIUM, launchBrowser, login, logout, screenshot, startNode, type RunningNode } from './support.ts';

describe('the whole journey in Chromium', function () {
  this.timeout(300_000);
  let node: RunningNode; // the commune's node
  let district: RunningNode; // the district's node
  let networkDir = '';
  let browser: Browser;
  let page: Page;
  let draftUrl = '';

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      process.stdout.write(`      (skipped: Chromium not found at ${CHROMIUM}; .ci/run installs the Debian package)\n`);
      this.skip();
    }
    // Two nodes of the axis test network (throwaway PKI, node configurations), each with its own
    // database, port and queue prefix.
    networkDir = mkdtempSync(path.join(os.tmpdir(), 'vanthu-e2e-axis-'));
    // Both nodes also trust the sample government PKI that signs the PDFs inside the packages.
    const net = writeNetwork(networkDir, testPortBase(1), { trustRootPaths: ['root.pem', join(CERTS, 'root-ca.pem')] });
    const redis = (await availableRedisUrl()) ?? '';
    const nodeEnv = (name: 'commune' | 'district') => ({ AXIS_NODE_CONFIG: net[name].configPath, REDIS_URL: redis, QUEUE_PREFIX: `vanthu-e2e-${name}-${process.pid}` });
    // allSettled, not all: when one node fails to start, the one that started is still stopped by
    // the after hook (Promise.all dropped it, and its process outlived the run).
    const [c, d] = await Promise.allSettled([startNode('xa', net.commune.port, nodeEnv('commune')), startNode('huyen', net.district.port, nodeEnv('district'))]);
    if (c.status === 'fulfilled') node = c.value;
    if (d.status === 'fulfilled') district = d.value;
    for (const r of [c, d]) if (r.status === 'rejected') throw r.reason;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
    await district?.stop();
    if (networkDir) rmSync(networkDir, { recursive: true, force: true });
  });

  /** Reloads a list until the document arrives (delivery over the axis is asynchronous). */
  const waitForLink = async (url: string, name: RegExp) => {
    for (let i = 0; i < 60; i++) {
      await page.goto(url);
      if (await page.getByRole('link', { name }).count()) return;
      await page.waitForTimeout(1000);
    }
    expect.fail(`${name} never appeared at ${url}`);
  };
  const waitForText = async (url: string, text: string) => {
    for (let i = 0; i < 60; i++) {
      await page.goto(url);
      if ((await page.locator('body').textContent())?.includes(text)) return;
      await page.waitForTimeout(1000);
    }
    expect.fail(`"${text}" never appeared at ${url}`);
  };

  const act = async (action: string, fill: (form: ReturnType<Page['locator']>) => Promise<void> = async () => undefined) => {
    const form = page.locator(`form[action$="/actions/${action}"]`);
    await fill(form);
    // Signing forms ask for the certificate's passphrase (the sample PKI's test-only one).
    const passphrase = form.locator('input[type="password"]');
    if (await passphrase.count()) await passphrase.first().fill('VanThu-Test-Only-2026');
    // Post/redirect/get lands on the same address: wait for the redirected page itself to load.
    const landed = page.waitForResponse((r) => r.request().method() === 'GET' && r.url().includes('?ok=done'), { timeout: 60_000 }).catch(() => null);
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().includes(`/actions/${action}`)), form.locator('button[type="submit"]').first().click()]);
    if (response.status() !== 303) {
      await page.waitForLoadState('load');
      expect.fail(`${action}: ${response.status()} ${await page.locator('.error').allTextContents()}`);
    }
    await landed;
    await page.waitForLoadState('load');
  };

  it('an administrator gives the commune leader and the commune their test certificates', async () => {
    await login(page, node.url, 'quantri');
    const upload = async (kind: 'user' | 'agency', p12: string, image: string) => {
      await page.goto(`${node.url}/credentials`);
      await page.selectOption('#cr-kind', kind);
      if (kind === 'user') await page.selectOption('#cr-user', 'xa1.lanhdao');
      else await page.selectOption('#cr-agency', { label: 'Ủy ban nhân dân xã Hưng Lộc' });
      await page.setInputFiles('#cr-p12', join(CERTS, p12));
      await page.setInputFiles('#cr-image', join(CERTS, image));
      await page.fill('#cr-pass', PASS);
      await Promise.all([page.waitForURL(/\/credentials\?ok=uploaded/), page.getByRole('button', { name: 'Tải lên' }).click()]);
    };
    await upload('user', 'persons/tran-van-hung.p12', 'images/signature-tran-van-hung.png');
    await upload('agency', 'agencies/uy-ban-nhan-dan-xa-hung-loc.p12', 'images/seal-uy-ban-nhan-dan-xa-hung-loc.png');
    expect(await page.locator('main').textContent()).to.contain('Trần Văn Hùng');
    await logout(page);
  });

  it('a commune specialist drafts a reply with its PDF and submits it for review', async () => {
    await login(page, node.url, 'xa1.chuyenvien');
    await page.getByRole('link', { name: 'Văn bản đi' }).first().click();
    await page.getByRole('link', { name: '+ Soạn dự thảo' }).click();
    await page.selectOption('#typeCode', 'cong_van');
    await page.fill('#subject', 'V/v báo cáo kết quả rà soát đất đai năm 2026 của xã Hưng Lộc');
    await page.setInputFiles('#files', { name: 'du-thao-bao-cao.pdf', mimeType: 'application/pdf', buffer: Buffer.from(await makeDecree30Pdf({ signerName: 'Trần Văn Hùng', position: 'CHỦ TỊCH' })) });
    await Promise.all([page.waitForURL(/\/documents\/\d+\?ok=drafted/), page.getByRole('button', { name: 'Lưu dự thảo' }).click()]);
    draftUrl = page.url().replace(/\?.*$/, '');
    await screenshot(page, 'du-thao');
    await act('submit');
    expect(await page.locator('table').first().textContent()).to.contain('Chờ duyệt');
    await logout(page);
  });

  it('the head of the unit reviews and approves', async () => {
    await login(page, node.url, 'xa1.truongphong');
    await page.goto(`${node.url}/documents/outgoing?tab=cho_duyet`);
    await page.getByRole('link', { name: /rà soát đất đai/ }).click();
    await act('approve', (f) => f.locator('textarea').fill('Đồng ý trình Chủ tịch.'));
    await screenshot(page, 'truong-phong-duyet');
    await logout(page);
  });

  it('the leader approves and signs digitally with the passphrase', async () => {
    await login(page, node.url, 'xa1.lanhdao');
    await page.goto(draftUrl);
    await act('approve');
    await act('sign');
    await waitForText(draftUrl, 'Chờ cấp số');
    await page.getByText('Chữ ký số hợp lệ').first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'lanh-dao-ky');
    await logout(page);
  });

  it('the commune clerk numbers it and releases it to the district over the axis', async () => {
    await login(page, node.url, 'xa1.vanthu');
    await page.goto(draftUrl);
    await act('number');
    // The number, the date and the commune's seal signature are applied by the workers.
    await waitForText(draftUrl, 'Đóng số, ngày và ký số cơ quan');
    const title = await page.locator('h1').textContent();
    expect(title).to.match(/số \d{2,}\/UBND-ĐC/);
    // The district is served by another node: it is addressed by its code (QCVN 102).
    await act('release', async (f) => {
      await f.locator('input[name="externalCodes"]').fill(CODES.district);
    });
    await waitForText(draftUrl, 'Đã đến');
    await screenshot(page, 'ban-hanh');
    await logout(page);
  });

  it('the district clerk registers it on the district node; the registration flows back to the commune', async () => {
    await login(page, district.url, 'huyen.vanthu');
    await waitForLink(`${district.url}/documents/incoming?tab=cho_vao_so`, /rà soát đất đai/);
    await page.getByRole('link', { name: /rà soát đất đai/ }).click();
    await act('register');
    await act('present');
    await screenshot(page, 'huyen-vao-so');
    await logout(page);
    await login(page, node.url, 'xa1.vanthu');
    await waitForText(draftUrl, 'Đã vào sổ');
    await logout(page);
  });

  it('a district leader assigns it with a deadline and a specialist completes it', async () => {
    await login(page, district.url, 'huyen.lanhdao');
    await page.goto(`${district.url}/documents/incoming?tab=cho_xu_ly`);
    await page.getByRole('link', { name: /rà soát đất đai/ }).click();
    await act('direct', async (f) => {
      await f.locator('textarea[name="direction"]').fill('Giao Phòng Nội vụ chủ trì, tổng hợp báo cáo huyện.');
      await f.locator('select[name="lead"]').selectOption({ label: 'Lý Thị Mỹ Duyên — Chuyên viên' });
      await f.locator('input[name="workingDays"]').fill('5');
    });
    await screenshot(page, 'lanh-dao-giao-viec');
    await logout(page);
    await login(page, district.url, 'huyen.chuyenvien');
    await page.goto(`${district.url}/documents/incoming?tab=cho_xu_ly`);
    await page.getByRole('link', { name: /rà soát đất đai/ }).click();
    await act('start');
    await act('complete', (f) => f.locator('textarea[name="note"]').fill('Đã tổng hợp vào báo cáo chung của huyện.'));
    expect(await page.locator('table').first().textContent()).to.contain('Đã xử lý');
    await screenshot(page, 'hoan-thanh');
    await logout(page);
  });

  it('the commune sees "Hoàn thành" for the district in its recipients table', async () => {
    await login(page, node.url, 'xa1.vanthu');
    await waitForText(draftUrl, 'Hoàn thành');
    const row = page.locator('tr', { hasText: CODES.district });
    expect(await row.textContent()).to.contain('Hoàn thành');
    await screenshot(page, 'xa-thay-hoan-thanh');
  });
});
