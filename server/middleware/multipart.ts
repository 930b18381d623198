// File uploads (multipart/form-data), parsed in memory with hard limits, only for signed-in users
// (an anonymous multipart body is refused before it is read). Parsing happens before the CSRF check
// so that every form, with or without files, carries its token the same way.
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { AppError } from '../errors.ts';
import type { Upload } from '../services/file.service.ts';

export function multipart(maxBytes: number, maxFiles = 20) {
  const parse = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: maxFiles, fields: 200, fieldSize: 100_000, parts: 250 } }).any();
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.is('multipart/form-data')) return next();
    if (!req.actor) return next(new AppError('unauthenticated', 'Vui lòng đăng nhập.'));
    parse(req, res, (err?: unknown) => {
      if (!err) return next();
      const code = (err as { code?: string }).code;
      if (code === 'LIMIT_FILE_SIZE') return next(new AppError('too_large', `Tệp vượt quá giới hạn ${Math.round(maxBytes / 1048576)} MB.`));
      if (code?.startsWith('LIMIT_')) return next(new AppError('too_large', 'Quá nhiều tệp hoặc dữ liệu trong một lần gửi.'));
      next(new AppError('bad_request', 'Dữ liệu tải lên không đọc được.'));
    });
  };
}

/** The uploaded files of a request, as the services take them. */
export function uploadsOf(req: Request): Upload[] {
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  // Multer decodes file names as latin1; browsers send UTF-8 (Vietnamese names must survive).
  return files.filter((f) => f.size > 0).map((f) => ({ fileName: Buffer.from(f.originalname, 'latin1').toString('utf8'), bytes: f.buffer }));
}
