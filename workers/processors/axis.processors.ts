// Processors of the axis area, one per job in server/jobs/axis.jobs.ts.
import type { ProcessorFactory } from '../registry.ts';
import type { AXIS_JOBS } from '../../server/jobs/axis.jobs.ts';

export const AXIS_PROCESSORS: Record<keyof typeof AXIS_JOBS, ProcessorFactory> = {};
