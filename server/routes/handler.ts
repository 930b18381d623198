import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Express 5 forwards rejected promises, but the explicit wrapper keeps the types honest. */
export const h =
  (fn: (req: Request, res: Response) => unknown): RequestHandler =>
  (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve(fn(req, res)).catch(next);
  };
