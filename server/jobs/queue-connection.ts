// BullMQ on Redis when REDIS_URL is set, otherwise BullMQ's own PostgreSQL backend in a schema of
// the application database. Same Queue/Worker code either way; PostgreSQL stays the source of truth
// (STYLE.md: a job can always be rebuilt from the database).
import { Queue, Worker, createPostgresBackend, type Processor, type WorkerOptions, type QueueOptions } from 'bullmq';
import { Redis } from 'ioredis';

export type QueueEngine = 'redis' | 'postgres';

export interface QueueConnection {
  engine: QueueEngine;
  queue(name: string, opts?: Partial<QueueOptions>): Queue;
  worker(name: string, processor: Processor, opts?: Partial<WorkerOptions>): Worker;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export const BULLMQ_PG_SCHEMA = 'bullmq';

export function createQueueConnection(opts: { redisUrl?: string; databaseUrl: string; prefix?: string }): QueueConnection {
  if (opts.redisUrl) return redisConnection(opts.redisUrl, opts.prefix ?? 'vanthu');
  return postgresConnection(opts.databaseUrl);
}

function redisConnection(url: string, prefix: string): QueueConnection {
  // One connection for producers (fail fast when Redis is down, so the web answers 503 instead of
  // hanging); workers get their own blocking connections from BullMQ.
  const producer = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  producer.on('error', () => undefined);
  const opened: Array<Queue | Worker> = [];
  return {
    engine: 'redis',
    queue(name, o) {
      const q = new Queue(name, { ...o, connection: producer, prefix } as QueueOptions);
      q.on('error', () => undefined);
      opened.push(q);
      return q;
    },
    worker(name, processor, o) {
      const w = new Worker(name, processor, { ...o, connection: new Redis(url, { maxRetriesPerRequest: null }), prefix } as WorkerOptions);
      opened.push(w);
      return w;
    },
    async ping() {
      try {
        return (await producer.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.allSettled(opened.map((o) => o.close()));
      producer.disconnect();
    },
  };
}

function postgresConnection(databaseUrl: string): QueueConnection {
  const connection = { connectionString: databaseUrl, schema: BULLMQ_PG_SCHEMA, max: 4, migrate: true };
  const opened: Array<Queue | Worker> = [];
  return {
    engine: 'postgres',
    queue(name, o) {
      const q = new Queue(name, { ...o, connection } as never, createPostgresBackend as never) as unknown as Queue;
      q.on('error', () => undefined);
      opened.push(q);
      return q;
    },
    worker(name, processor, o) {
      const w = new Worker(name, processor, { ...o, connection } as never, createPostgresBackend as never) as unknown as Worker;
      opened.push(w);
      return w;
    },
    async ping() {
      return true; // the database health check covers it
    },
    async close() {
      await Promise.allSettled(opened.map((o) => o.close()));
    },
  };
}
