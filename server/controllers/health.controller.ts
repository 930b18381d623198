// Operations endpoints: /healthz (database and queue) and Prometheus /metrics.
import type { Request, Response } from 'express';
import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';
import type { Registry } from 'prom-client';
import { currentClockOffset } from '../services/clock.service.ts';

const withTimeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);

export function healthController(ctx: AppContext, registry: Registry) {
  return {
    async health(_req: Request, res: Response): Promise<void> {
      const database = await withTimeout(
        sql`select 1`.execute(ctx.db).then(() => true, () => false),
        2000,
        false,
      );
      const queue = await withTimeout(ctx.jobs.ping(), 2000, false);
      const ok = database && queue;
      res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', database, queue: { engine: ctx.jobs.engine, ok: queue }, clockOffsetMs: currentClockOffset() });
    },

    async metrics(_req: Request, res: Response): Promise<void> {
      res.type(registry.contentType).send(await registry.metrics());
    },
  };
}
