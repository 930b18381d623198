// Handlebars views: one layout, partials, and a few helpers. Views receive plain view-models.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { engine } from 'express-handlebars';

const here = path.dirname(fileURLToPath(import.meta.url));
export const VIEWS_DIR = path.resolve(here, '..', '..', 'views');

// Vietnam time, four-digit years: "09:14:03 05/12/2026".
const vnDateTime = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', second: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric', hour12: false });
const vnDate = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' });

const FILE_ROLE_LABELS: Record<string, string> = { main: 'văn bản', attachment: 'phụ lục', scan: 'bản quét', draft: 'dự thảo', evidence: 'kết quả xử lý' };

export function setupViews(app: Express): void {
  app.engine(
    'hbs',
    engine({
      extname: '.hbs',
      defaultLayout: 'main',
      layoutsDir: path.join(VIEWS_DIR, 'layouts'),
      partialsDir: path.join(VIEWS_DIR, 'partials'),
      helpers: {
        eq: (a: unknown, b: unknown) => String(a) === String(b),
        not: (a: unknown) => !a,
        or: (...args: unknown[]) => args.slice(0, -1).some(Boolean),
        dateTime: (d: unknown) => (d ? vnDateTime.format(new Date(d as string)) : ''),
        date: (d: unknown) => (d ? vnDate.format(new Date(d as string)) : ''),
        json: (v: unknown) => JSON.stringify(v, null, 2),
        fileRole: (r: unknown) => FILE_ROLE_LABELS[String(r)] ?? String(r),
      },
    }),
  );
  app.set('view engine', 'hbs');
  app.set('views', path.join(VIEWS_DIR, 'pages'));
}
