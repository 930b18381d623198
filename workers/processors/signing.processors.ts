// Processors of the signing area, one per job in server/jobs/signing.jobs.ts.
import type { ProcessorFactory } from '../registry.ts';
import type { SIGNING_JOBS } from '../../server/jobs/signing.jobs.ts';

export const SIGNING_PROCESSORS: Record<keyof typeof SIGNING_JOBS, ProcessorFactory> = {};
