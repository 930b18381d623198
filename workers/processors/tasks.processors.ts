// Processors of the tasks area, one per job in server/jobs/tasks.jobs.ts.
import type { ProcessorFactory } from '../registry.ts';
import type { TASKS_JOBS } from '../../server/jobs/tasks.jobs.ts';

export const TASKS_PROCESSORS: Record<keyof typeof TASKS_JOBS, ProcessorFactory> = {};
