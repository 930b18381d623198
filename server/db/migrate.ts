// Runs the migrations in migrations/ with Kysely's Migrator, on a Kysely<any> without the
// CamelCasePlugin (migrations speak snake_case SQL).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Kysely, Migrator, PostgresDialect, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
// Works from the sources (server/db → migrations) and from the build (dist/server/db → dist/migrations).
const MIGRATIONS_DIR = path.resolve(here, '..', '..', 'migrations');

class FolderMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(MIGRATIONS_DIR))
      .filter((f) => /^\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}_.+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const name = file.replace(/\.(ts|js)$/, '');
      migrations[name] = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, file)).href)) as Migration;
    }
    return migrations;
  }
}

function migratorFor(pool: pg.Pool): { migrator: Migrator; db: Kysely<unknown> } {
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  // Unordered migrations are allowed: features land in parallel, each with its own dated file.
  return { db, migrator: new Migrator({ db, provider: new FolderMigrationProvider(), allowUnorderedMigrations: true }) };
}

function unwrap(result: MigrationResultSet): string[] {
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const err = result.error instanceof Error ? result.error : new Error(String(result.error));
    err.message = `Migration ${failed?.migrationName ?? '?'} thất bại: ${err.message}`;
    throw err;
  }
  return (result.results ?? []).map((r) => `${r.direction} ${r.migrationName}`);
}

/** Applies every pending migration; returns the names applied. Does not end the pool. */
export async function migrateToLatest(pool: pg.Pool): Promise<string[]> {
  const { migrator } = migratorFor(pool);
  return unwrap(await migrator.migrateToLatest());
}

export async function migrateDown(pool: pg.Pool): Promise<string[]> {
  const { migrator } = migratorFor(pool);
  return unwrap(await migrator.migrateDown());
}
