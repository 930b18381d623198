// Handlebars views: one layout, partials, and a few helpers. Views receive plain view-models.
//
// The engine is ours, not express-handlebars' renderView: that one, even with its cache, ran per
// page a chain of promises over every partial file (path.resolve, cache lookups, object copies of
// helpers and partials) before rendering. Here every template is compiled once (partials at the
// first render, pages and layouts at their first use) and a page is two synchronous calls: the view,
// then the layout around it. Semantics kept from express-handlebars: templates and output trimmed,
// `layout` option (false: none), partials named by their path under views/partials without .hbs.
// Outside production (`view cache` off) files are read again on every render, as before.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { create } from 'express-handlebars';

const here = path.dirname(fileURLToPath(import.meta.url));
export const VIEWS_DIR = path.resolve(here, '..', '..', 'views');
const LAYOUTS_DIR = path.join(VIEWS_DIR, 'layouts');
const PARTIALS_DIR = path.join(VIEWS_DIR, 'partials');
const EXT = '.hbs';

// Vietnam time, four-digit years: "09:14:03 05/12/2026". Formatters built once (Intl construction is slow).
const vnDateTime = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', second: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric', hour12: false });
const vnDate = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' });

const FILE_ROLE_LABELS: Record<string, string> = { main: 'văn bản', attachment: 'phụ lục', scan: 'bản quét', draft: 'dự thảo', evidence: 'kết quả xử lý' };

const helpers = {
  eq: (a: unknown, b: unknown) => String(a) === String(b),
  not: (a: unknown) => !a,
  or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
  dateTime: (d: unknown) => (d ? vnDateTime.format(new Date(d as string)) : ''),
  date: (d: unknown) => (d ? vnDate.format(new Date(d as string)) : ''),
  json: (v: unknown) => JSON.stringify(v, null, 2),
  fileRole: (r: unknown) => FILE_ROLE_LABELS[String(r)] ?? String(r),
};

// The Handlebars that express-handlebars ships (no dependency of our own), in an isolated environment.
const handlebars = (create().handlebars as unknown as typeof import('handlebars')).create();
type Template = ReturnType<typeof handlebars.compile>;

// Every helper a template may call is one of `helpers` (or a Handlebars built-in): compiled with that
// known, `{{name}}` is a property read instead of a helper lookup first, and a known helper is called
// directly (the list page renders ~50 rows of such reads). A template naming any other helper fails
// to compile (test/unit/foundation/views.test.ts checks them all).
const COMPILE_OPTIONS = { knownHelpers: Object.fromEntries(Object.keys(helpers).map((h) => [h, true])), knownHelpersOnly: true };
const compileFile = (file: string): Template => handlebars.compile(readFileSync(file, 'utf8').trim(), COMPILE_OPTIONS);
/** Compiles a template's source at once, as the engine would (it compiles lazily): throws what it would. */
export const checkTemplate = (source: string): void => void handlebars.precompile(source.trim(), COMPILE_OPTIONS);

function partialFiles(dir: string, prefix = ''): Array<[string, string]> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e): Array<[string, string]> => {
    if (e.isDirectory()) return partialFiles(path.join(dir, e.name), `${prefix}${e.name}/`);
    return e.name.endsWith(EXT) ? [[`${prefix}${e.name.slice(0, -EXT.length)}`, path.join(dir, e.name)]] : [];
  });
}

function loadPartials(): Record<string, Template> {
  return Object.fromEntries(partialFiles(PARTIALS_DIR).map(([name, file]) => [name, compileFile(file)]));
}

export interface ViewEngine {
  (filePath: string, options: object, callback: (e: unknown, html?: string) => void): void;
}

/** The engine Express calls for `res.render` (options: app.locals, res.locals and the view-model). */
export function viewEngine(): ViewEngine {
  const compiled = new Map<string, Template>();
  const layoutFiles = new Map<string, string>(); // layout name → its file (a path.resolve per page otherwise)
  let partials: Record<string, Template> | undefined;
  const template = (file: string, cache: boolean) => {
    if (!cache) return compileFile(file);
    let t = compiled.get(file);
    if (!t) compiled.set(file, (t = compileFile(file)));
    return t;
  };
  return (filePath, options, callback) => {
    try {
      const o = options as { cache?: boolean; layout?: string | false | null };
      const cache = Boolean(o.cache);
      const runtime = { helpers, partials: cache ? (partials ??= loadPartials()) : loadPartials() };
      let html = template(filePath, cache)(options, runtime).trim();
      const layout = 'layout' in o ? o.layout : 'main';
      if (layout) {
        const file = layoutFiles.get(layout) ?? layoutFiles.set(layout, path.resolve(LAYOUTS_DIR, path.extname(layout) ? layout : `${layout}${EXT}`)).get(layout)!;
        html = template(file, cache)({ ...options, body: html }, runtime).trim();
      }
      callback(null, html);
    } catch (e) {
      callback(e);
    }
  };
}

export function setupViews(app: Express): void {
  app.engine('hbs', viewEngine());
  app.set('view engine', 'hbs');
  app.set('views', path.join(VIEWS_DIR, 'pages'));
}
