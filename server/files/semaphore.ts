// A counting semaphore for bounded concurrency inside one process (no queue library: this is a
// counter and a FIFO of waiters, not a job queue). Used to bound concurrent upload checks so that
// 50 simultaneous 2 MB uploads do not each hold a parsed PDF and a pdfjs copy at the same time.
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('Semaphore limit must be a positive integer');
  }

  /** Checks running now and checks waiting for a slot (for tests and metrics). */
  get stats(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  async run<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      if (next) next();
      else this.active--;
    }
  }
}
