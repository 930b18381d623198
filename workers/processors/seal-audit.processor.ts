// Chains the audit entries of finished transactions (server/services/audit.service.ts). Idempotent:
// a second run seals nothing new; verification seals first anyway, so a missed run loses nothing.
import type { AppContext } from '../../server/app-context.ts';
import { sealAuditChain } from '../../server/services/audit.service.ts';

export const SEAL_AUDIT_EVERY_MS = 10_000;

export const sealAuditProcessor = (ctx: AppContext) => async (): Promise<{ sealed: number }> => ({ sealed: await sealAuditChain(ctx.db) });
