import { Kysely, PostgresDialect, type Kysely as K } from 'kysely';
import pg from 'pg';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';
import { Store } from './store.js';

// bigint columns hold unix seconds and counters, all far below 2^53: read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));

/** PostgreSQL backend: the same migrations and repositories as SQLite, over a pool. */
export async function openPostgresStore(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrate(db as unknown as K<unknown>, 'postgres');
  return new Store(db, 'postgres', () => db.destroy());
}
