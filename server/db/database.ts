// The application's Kysely instance. CamelCasePlugin lives here, not on the migration runner
// (STYLE.md convention 4). bigint columns come back as strings: ids never lose precision.
import { CamelCasePlugin, Kysely, PostgresDialect, sql, type RawBuilder, type Transaction } from 'kysely';
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
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    prepareMarkedStatements(client);
  });
  return pool;
}

const PREPARED_MARK = /^\/\* prepared:([a-z0-9_.]+) \*\//;

/**
 * Starts a statement that each connection prepares once under `name` and then only binds and
 * executes: PostgreSQL skips parsing it again and, after a few runs, planning it (a generic plan).
 * For the hottest statements only (a registration's write, the session and inbox list reads of every
 * page), whose text never changes with their values (everything a parameter) and whose result
 * columns are spelled out (a prepared `select *` fails once a column is added). A text built per
 * call can start with the same mark as `prepared(name)` writes, one name per distinct text.
 */
export function prepared(name: string): RawBuilder<unknown> {
  return sql.raw(`/* prepared:${name} */ `);
}

/** Kysely sends text and values; a marked text goes to pg as a named statement instead. */
function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...a: unknown[]) => unknown;
  (client as unknown as { query: (...a: unknown[]) => unknown }).query = (text: unknown, ...rest: unknown[]) => {
    const mark = typeof text === 'string' ? PREPARED_MARK.exec(text) : null;
    if (mark && Array.isArray(rest[0])) return query({ name: mark[1], text, values: rest[0] }, ...rest.slice(1));
    return query(text, ...rest);
  };
}

export function createDatabase(pool: pg.Pool): Database {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
}
