// Worker-thread entry of the arrival checks (axis-check-pool.ts): the node's settings arrive as
// workerData, one checker (and its verdict caches) per thread.
import { workerData } from 'node:worker_threads';
import workerpool from 'workerpool';
import { loadPdfjs } from '../files/upload-check.ts';
import { createArrivalChecker, type ArrivalCheckSettings } from './axis-check.ts';

const checker = createArrivalChecker(workerData as ArrivalCheckSettings);
// Loaded while the thread waits for its first package (seconds on a busy machine), not during it.
void loadPdfjs();

workerpool.worker({
  check: (bytes: Uint8Array, recipientCode: string, at: Date) => checker.check(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), recipientCode, at),
});
