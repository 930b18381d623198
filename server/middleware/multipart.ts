// File uploads (multipart/form-data), parsed in memory with hard limits, only for signed-in users
// (an anonymous multipart body is refused before it is read). Parsing happens before the CSRF check
// so that every form, with or without files, carries its token the same way.
//
// Memory: a request's files are held in memory from parsing until its answer (the content check and
// the store read the bytes), so at most `concurrency` multipart requests are read and handled at
// once; the others wait, unread, in the kernel's socket buffers (or in nginx's request buffer in
// production: deploy/nginx.conf `proxy_request_buffering on`). Fifty 2 MB uploads at once then cost
// a few in-flight files, not fifty; the CPU (content checks) is the bottleneck either way. The
// declared bytes in flight are bounded too, so large files are handled one or two at a time.
import { availableParallelism } from 'node:os';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { AppError } from '../errors.ts';
import type { Upload } from '../services/file.service.ts';

/** Default bound on multipart requests in flight: two per core. */
export const DEFAULT_UPLOAD_CONCURRENCY = Math.max(2, 2 * availableParallelism());

/** Default bound on the declared bytes of the multipart requests in flight (one 50 MB file fits). */
export const DEFAULT_UPLOAD_BUDGET_BYTES = 64 * 1024 * 1024;

/**
 * A semaphore bounding both the number of holders and the sum of their weights (bytes): `acquire`
 * resolves, in arrival order, when both fit; the returned function frees the slot once. A weight
 * above the budget is clamped to it (such a request then runs alone). The byte budget keeps a few
 * 50 MB uploads from being held, parsed and checked at the same time (each costs several times
 * its size while checked), while many small ones still run side by side.
 */
export function slots(limit: number, budget = Number.POSITIVE_INFINITY): { acquire(weight?: number): Promise<() => void>; readonly inUse: number; readonly waiting: number } {
  let inUse = 0;
  let used = 0;
  const queue: { weight: number; grant: () => void }[] = [];
  const fits = (w: number) => inUse < limit && (inUse === 0 || used + w <= budget);
  const pump = () => {
    while (queue.length && fits(queue[0]!.weight)) {
      const head = queue.shift()!;
      inUse++;
      used += head.weight;
      head.grant();
    }
  };
  return {
    acquire(weight = 0) {
      const w = Math.min(Math.max(0, weight), budget);
      return new Promise((resolve) => {
        const grant = () => {
          let done = false;
          resolve(() => {
            if (done) return;
            done = true;
            inUse--;
            used -= w;
            pump();
          });
        };
        queue.push({ weight: w, grant });
        pump();
      });
    },
    get inUse() {
      return inUse;
    },
    get waiting() {
      return queue.length;
    },
  };
}

export function multipart(maxBytes: number, maxFiles = 20, concurrency = DEFAULT_UPLOAD_CONCURRENCY, budgetBytes = DEFAULT_UPLOAD_BUDGET_BYTES) {
  const parse = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: maxFiles, fields: 200, fieldSize: 100_000, parts: 250 } }).any();
  const inFlight = slots(concurrency, budgetBytes);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.is('multipart/form-data')) return next();
    if (!req.actor) return next(new AppError('unauthenticated', 'Vui lòng đăng nhập.'));
    // Weighed by the declared length; a body without one may be as large as the limit allows.
    const declared = Number(req.headers['content-length']);
    const weight = Number.isFinite(declared) && declared >= 0 ? declared : maxBytes * maxFiles;
    void inFlight.acquire(weight).then((release) => {
      // Held until the answer is sent (or the client goes away): the files live until then.
      res.once('finish', release);
      res.once('close', release);
      if (res.writableEnded || req.destroyed) {
        release();
        return;
      }
      parse(req, res, (err?: unknown) => {
        if (!err) return next();
        const code = (err as { code?: string }).code;
        if (code === 'LIMIT_FILE_SIZE') return next(new AppError('too_large', `Tệp vượt quá giới hạn ${Math.round(maxBytes / 1048576)} MB.`));
        if (code?.startsWith('LIMIT_')) return next(new AppError('too_large', 'Quá nhiều tệp hoặc dữ liệu trong một lần gửi.'));
        next(new AppError('bad_request', 'Dữ liệu tải lên không đọc được.'));
      });
    });
  };
}

/** The uploaded files of a request, as the services take them. */
export function uploadsOf(req: Request): Upload[] {
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  // Multer decodes file names as latin1; browsers send UTF-8 (Vietnamese names must survive).
  return files.filter((f) => f.size > 0).map((f) => ({ fileName: Buffer.from(f.originalname, 'latin1').toString('utf8'), bytes: f.buffer }));
}
