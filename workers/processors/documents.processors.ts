// Processors of the documents area, one per job in server/jobs/documents.jobs.ts.
import type { ProcessorFactory } from '../registry.ts';
import type { DOCUMENTS_JOBS } from '../../server/jobs/documents.jobs.ts';

export const DOCUMENTS_PROCESSORS: Record<keyof typeof DOCUMENTS_JOBS, ProcessorFactory> = {};
