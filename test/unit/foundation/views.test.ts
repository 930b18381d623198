import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VIEWS_DIR, checkTemplate, viewEngine } from '../../../server/rendering/views.ts';

const render = (engine: ReturnType<typeof viewEngine>, file: string, options: object) =>
  new Promise<string>((resolve, reject) => engine(file, options, (e, html) => (e ? reject(e instanceof Error ? e : new Error(String(e))) : resolve(html!))));

describe('view engine (precompiled Handlebars)', () => {
  const list = path.join(VIEWS_DIR, 'pages', 'documents', 'list.hbs');
  const model = {
    cache: true,
    title: 'Văn bản đến',
    incoming: true,
    tabs: [{ key: 'da_xu_ly', label: 'Đã xử lý', current: true }],
    tabKey: 'da_xu_ly',
    items: [{ id: '7', subject: '<script>alert(1)</script> Công văn', numberAndNotation: '12/UBND-VP', stateLabel: 'Đã xử lý', urgent: true, urgencyLabel: 'Hỏa tốc' }],
    actor: { fullName: 'Hoàng Thị Hương' },
    navItems: [{ href: '/documents/incoming', label: 'Văn bản đến', current: true }],
    agencyChoices: [{ id: '1', name: 'UBND tỉnh Nghệ An', selected: true }],
    taskBell: { count: 2 },
    csrfToken: 'tok',
  };

  it('renders a page inside the main layout with its partials, escaping what users wrote', async () => {
    const html = await render(viewEngine(), list, model);
    expect(html.startsWith('<!doctype html>')).to.equal(true);
    expect(html.endsWith('</html>')).to.equal(true);
    expect(html).to.contain('<title>Văn bản đến — VănThư</title>');
    expect(html).to.contain('aria-label="Thông báo: 2 chưa đọc"'); // task-bell partial, from the layout
    expect(html).to.contain('<a href="?tab=da_xu_ly" aria-current="page">Đã xử lý</a>'); // doc-tabs partial, from the page
    expect(html).to.contain('&lt;script&gt;alert(1)&lt;/script&gt; Công văn');
    expect(html).not.to.contain('<script>alert(1)');
  });

  it('renders the view alone with layout: false', async () => {
    const html = await render(viewEngine(), list, { ...model, layout: false });
    expect(html.startsWith('<h1>Văn bản đến</h1>')).to.equal(true);
    expect(html).not.to.contain('<html');
  });

  it('compiles a template once with the view cache on, and reads it again on every render with it off', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vanthu-views-'));
    try {
      const file = path.join(dir, 'page.hbs');
      writeFileSync(file, '<p>{{title}} một</p>\n');
      const cached = viewEngine();
      const fresh = viewEngine();
      expect(await render(cached, file, { cache: true, layout: false, title: 'A' })).to.equal('<p>A một</p>');
      expect(await render(fresh, file, { cache: false, layout: false, title: 'A' })).to.equal('<p>A một</p>');
      writeFileSync(file, '<p>{{title}} hai</p>\n');
      expect(await render(cached, file, { cache: true, layout: false, title: 'B' })).to.equal('<p>B một</p>');
      expect(await render(fresh, file, { cache: false, layout: false, title: 'B' })).to.equal('<p>B hai</p>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compiles every template of views/ with only the helpers it knows, and refuses a template naming another', () => {
    const files = readdirSync(VIEWS_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.hbs'));
    expect(files.length).to.be.greaterThan(30);
    for (const f of files) expect(() => checkTemplate(readFileSync(path.join(VIEWS_DIR, f), 'utf8')), f).not.to.throw();
    expect(() => checkTemplate('<p>{{shout title}}</p>')).to.throw(/shout/);
    expect(() => checkTemplate('<p>{{#if (eq a b)}}{{date day}}{{/if}}</p>')).not.to.throw();
  });

  it('hands a template error to Express instead of throwing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vanthu-views-'));
    try {
      const file = path.join(dir, 'broken.hbs');
      writeFileSync(file, '{{> khong-co-partial}}');
      let error: unknown;
      await render(viewEngine(), file, { cache: true, layout: false }).catch((e: unknown) => (error = e));
      expect(String(error)).to.contain('khong-co-partial');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
