import { Migrator, type Kysely, type Migration } from 'kysely';
import type { Dialect } from './dialect.js';
import { MIGRATIONS } from './migrations/index.js';

/** Applies every pending migration at start-up; a failure stops the server before it listens. */
export async function migrate(db: Kysely<unknown>, dialect: Dialect, pgSchema?: string): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(MIGRATIONS)) migrations[name] = { up: (d) => m.up(d, dialect) };
  // With a schema, Kysely's bookkeeping tables must be looked up in that schema: its existence
  // check otherwise finds another schema's `kysely_migration` and skips creating its own.
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(pgSchema ? { migrationTableSchema: pgSchema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
