// One clock for the whole deployment: PostgreSQL's (docs/RELIABILITY.md, "Clocks"). Times written
// inside a transaction come from the database itself (`now()`, clockRepository.now); everything
// else a process stamps (request dates between nodes, signing times, retry times compared with the
// database's `now()`) uses deploymentNow(): the process clock corrected by the offset measured here.
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { clockRepository } from '../repositories/clock.repository.ts';
import { clockOffset, setClockOffset } from '../domain/vietnam-time.ts';

/** A process clock this far from the database's is logged as a warning (and shown by /healthz). */
export const CLOCK_SKEW_WARN_MS = 2_000;

/**
 * Measures the offset of the database's clock from this process's (half the round trip is taken as
 * the query's one-way time) and applies it to deploymentNow(). Returns the offset in ms.
 */
export async function syncClock(db: Database): Promise<number> {
  const t0 = Date.now();
  const dbNow = (await clockRepository.now(db)).getTime();
  const t1 = Date.now();
  const offset = Math.round(dbNow - (t0 + t1) / 2);
  setClockOffset(offset);
  return offset;
}

/** Syncs now, then every `everyMs`; a failed sync keeps the last offset. Returns the stop function. */
export async function startClockSync(db: Database, logger: Logger, everyMs = 60_000): Promise<() => void> {
  let warned = false;
  const sync = async () => {
    const offset = await syncClock(db);
    if (Math.abs(offset) >= CLOCK_SKEW_WARN_MS && !warned) logger.warn({ offsetMs: offset }, "this process's clock differs from PostgreSQL's; using PostgreSQL's");
    warned = Math.abs(offset) >= CLOCK_SKEW_WARN_MS;
  };
  await sync();
  const timer = setInterval(() => void sync().catch(() => undefined), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function currentClockOffset(): number {
  return clockOffset();
}
