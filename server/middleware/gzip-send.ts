// Pages and JSON answers compressed in one call when they are sent whole (`res.send`): the body is
// already a string, so one gzipSync at level 1 and one write of headers + body. The `compression`
// middleware (kept for streamed answers: static assets, exports) does the same work through a zlib
// Transform stream — a threadpool round trip per chunk, a stream per response and several socket
// writes — which was a tenth of the web process's CPU on the inbox page under load
// (docs/PERFORMANCE.md). It leaves an answer alone once Content-Encoding is set.
import { gzipSync } from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';

/** Below this, gzip's header and the CPU cost more than the bytes saved on the link. */
const MIN_BYTES = 1024;
const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|problem\+json))/;

function acceptsGzip(req: Request): boolean {
  const ae = req.headers['accept-encoding'];
  if (!ae) return false;
  // "gzip;q=0" refuses it; anything else naming gzip (or *) accepts.
  for (const part of String(ae).split(',')) {
    const [coding, ...params] = part.trim().split(';');
    const name = coding!.trim().toLowerCase();
    if (name !== 'gzip' && name !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return !q || Number(q.slice(2)) > 0;
  }
  return false;
}

export function gzipSend(req: Request, res: Response, next: NextFunction): void {
  const send = res.send;
  res.send = function sendCompressed(this: Response, body?: unknown) {
    if ((typeof body === 'string' || Buffer.isBuffer(body)) && req.method !== 'HEAD') {
      const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
      res.vary('Accept-Encoding');
      // The content type as Express will set it for a string body (text/html) when none is set yet.
      const type = String(res.get('Content-Type') ?? (typeof body === 'string' ? 'text/html' : ''));
      if (bytes >= MIN_BYTES && !res.get('Content-Encoding') && COMPRESSIBLE.test(type) && res.statusCode !== 204 && res.statusCode !== 304 && acceptsGzip(req)) {
        // What Express does for a string body (type html when unset, charset utf-8), since it
        // will see a Buffer.
        if (typeof body === 'string') res.set('Content-Type', `${type.replace(/;\s*charset=[^;]*/i, '')}; charset=utf-8`);
        res.set('Content-Encoding', 'gzip');
        return send.call(this, gzipSync(body as string | Buffer, { level: 1 }));
      }
    }
    return send.call(this, body);
  } as Response['send'];
  next();
}
