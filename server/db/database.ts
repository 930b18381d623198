// The application's Kysely instance. CamelCasePlugin lives here, not on the migration runner
// (STYLE.md convention 4). bigint columns come back as strings: ids never lose precision.
import { CamelCasePlugin, Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './types.ts';

export type Database = Kysely<DB>;
export type Executor = Kysely<DB> | Transaction<DB>;

// DATE columns stay 'YYYY-MM-DD' strings: turning them into Date objects at local midnight shifts
// Vietnamese dates by the server's offset.
pg.types.setTypeParser(1082, (v: string) => v);

export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
  // A client losing its connection (PostgreSQL restart) must not crash the process: idle clients
  // report on the pool, checked-out ones on themselves; the query in flight fails and is retried
  // by its caller, and the pool replaces the client.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createDatabase(pool: pg.Pool): Database {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
}
