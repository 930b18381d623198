// Deletes expired sessions. Idempotent: running it twice deletes nothing the second time.
import type { AppContext } from '../../server/app-context.ts';
import { sessionRepository } from '../../server/repositories/session.repository.ts';

export const purgeSessionsProcessor = (ctx: AppContext) => async (): Promise<{ deleted: number }> => {
  const deleted = await sessionRepository.purgeExpired(ctx.db);
  return { deleted };
};
