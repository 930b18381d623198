// The Express application, built from injected dependencies so tests run it on their own database.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import compression from 'compression';
import { gzipSend } from './middleware/gzip-send.ts';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from './app-context.ts';
import { setupViews, VIEWS_DIR } from './rendering/views.ts';
import { cookies, loadActor } from './middleware/session.ts';
import { csrf } from './middleware/csrf.ts';
import { multipart } from './middleware/multipart.ts';
import { pageModel } from './middleware/page-model.ts';
import { errorHandler, notFound } from './middleware/error-handler.ts';
import { operationsRoutes, webRoutes } from './routes/index.ts';
import { axisNodeRoutes } from './routes/axis-node.routes.ts';

const PDFJS_BUILD_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'build');

export function createApp(ctx: AppContext): Express {
  const { config, db, logger } = ctx;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  setupViews(app);
  // Compiled templates are cached except while developing (Express caches only in production).
  app.set('view cache', config.env !== 'development');

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'vanthu_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'status'], registers: [registry] });
  const duration = new Histogram({ name: 'vanthu_http_request_seconds', help: 'HTTP request duration', labelNames: ['method'], registers: [registry], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

  // Request id, metrics and the access log line. The log line is written only when `info` is enabled
  // (pino-http, used before, built a child logger with the serialised request — headers included —
  // for every request even when nothing was logged: measurable CPU per page; docs/PERFORMANCE.md).
  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    req.requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    const url = req.originalUrl;
    const logged = url !== '/healthz' && url !== '/metrics';
    const done = () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const finished = res.writableFinished;
      if (finished) {
        duration.observe({ method: req.method }, seconds);
        requests.inc({ method: req.method, status: String(res.statusCode) });
      }
      if (logged && logger.isLevelEnabled('info')) {
        const entry = { req: { id: req.requestId, method: req.method, url, remoteAddress: req.socket.remoteAddress }, res: { statusCode: res.statusCode }, responseTime: Math.round(seconds * 1000) };
        logger.info(entry, finished ? 'request completed' : 'request aborted');
      }
    };
    res.once('close', done); // after 'finish', or alone when the client went away first
    next();
  });

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          workerSrc: ["'self'", 'blob:'],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          baseUri: ["'self'"],
          ...(config.cookieSecure ? { upgradeInsecureRequests: [] } : { upgradeInsecureRequests: null }),
        },
      },
      hsts: config.cookieSecure,
    }),
  );

  // Slow commune links: compress pages and assets (PDFs are already compressed; the filter skips them).
  // Level 1: the inbox page (21 kB of HTML) compresses to 2.35 kB instead of 2.26 kB at the default
  // level 6, for about half the CPU (docs/PERFORMANCE.md).
  // Whatever gzipSend compressed already carries Content-Encoding: checked before the type lookup.
  app.use(compression({ level: 1, filter: (req, res) => !res.getHeader('Content-Encoding') && compression.filter(req, res) }));
  app.use(gzipSend); // whole pages and JSON: one gzipSync, one write (middleware/gzip-send.ts)
  app.use('/assets', express.static(path.join(VIEWS_DIR, 'assets'), { maxAge: config.env === 'production' ? '7d' : 0, index: false }));
  // The PDF viewer's library and worker, straight from the installed pdfjs-dist (no copy to keep in sync).
  app.use('/assets/pdfjs', express.static(path.join(PDFJS_BUILD_DIR), { maxAge: config.env === 'production' ? '7d' : 0, index: false }));
  app.use(operationsRoutes(ctx, registry));
  app.use(axisNodeRoutes(ctx)); // node-to-node edXML transport: signed requests, no session or CSRF

  app.use(express.urlencoded({ extended: false, limit: '200kb', parameterLimit: 200 }));
  app.use(express.json({ limit: '1mb' }));
  app.use(cookies);
  app.use(loadActor(db));
  app.use(multipart(config.uploadMaxBytes));
  app.use(csrf(config.sessionSecret, config.cookieSecure));
  app.use(pageModel(db));
  app.use(webRoutes(ctx));

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
