// Job name → processor. The registry refuses to start when a job has no processor (STYLE.md
// convention 7); a second processor for one job cannot be expressed in a Record.
import type { Processor } from 'bullmq';
import type { AppContext } from '../server/app-context.ts';
import { JOB_NAMES, JOB_SCHEMAS, type JobName } from '../server/jobs/jobs.ts';
import { purgeSessionsProcessor } from './processors/purge-sessions.processor.ts';
import { sealAuditProcessor } from './processors/seal-audit.processor.ts';
import { DOCUMENTS_PROCESSORS } from './processors/documents.processors.ts';
import { TASKS_PROCESSORS } from './processors/tasks.processors.ts';
import { SIGNING_PROCESSORS } from './processors/signing.processors.ts';
import { AXIS_PROCESSORS } from './processors/axis.processors.ts';

export type ProcessorFactory = (ctx: AppContext) => Processor;

export const PROCESSORS: Record<JobName, ProcessorFactory> = {
  'maintenance.purge-sessions': purgeSessionsProcessor,
  'maintenance.seal-audit': sealAuditProcessor,
  ...DOCUMENTS_PROCESSORS,
  ...TASKS_PROCESSORS,
  ...SIGNING_PROCESSORS,
  ...AXIS_PROCESSORS,
};

export function checkRegistry(processors: Record<string, unknown> = PROCESSORS): void {
  const missing = JOB_NAMES.filter((n) => typeof processors[n] !== 'function');
  const unknown = Object.keys(processors).filter((n) => !(n in JOB_SCHEMAS));
  if (missing.length || unknown.length) {
    throw new Error(`Worker registry mismatch — missing: [${missing.join(', ')}], unknown: [${unknown.join(', ')}]`);
  }
}
