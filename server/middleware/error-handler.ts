// One error handler (STYLE.md convention 6): AppError → its status with its Vietnamese message;
// anything else is logged once and shown without internals, with the request id to quote.
import type { NextFunction, Request, Response } from 'express';
import { AppError, isAppError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new AppError('not_found', 'Không tìm thấy trang hoặc tài nguyên yêu cầu.'));
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let e: AppError;
    if (isAppError(err)) e = err;
    else if ((err as { type?: string }).type === 'entity.too.large') e = new AppError('too_large', 'Dữ liệu gửi lên vượt quá giới hạn cho phép.');
    else if ((err as { type?: string }).type === 'entity.parse.failed') e = new AppError('bad_request', 'Dữ liệu gửi lên không đúng định dạng.');
    else {
      logger.error({ err, requestId: req.requestId }, 'unhandled error');
      e = new AppError('bad_request', 'Đã xảy ra lỗi hệ thống. Vui lòng thử lại hoặc báo quản trị viên kèm mã yêu cầu.');
      Object.defineProperty(e, 'status', { value: 500 });
    }
    if (res.headersSent) return;
    const wantsJson = req.path.startsWith('/api/') || req.viaBearer || req.accepts(['html', 'json']) === 'json';
    res.status(e.status);
    if (wantsJson) {
      res.json({ error: { code: e.code, message: e.message, details: e.details, requestId: req.requestId } });
      return;
    }
    res.render('../errors/error', { title: 'Lỗi', status: e.status, message: e.message, requestId: req.requestId, actor: req.actor });
  };
}
