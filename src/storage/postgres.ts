import { Kysely, PostgresDialect, sql, type Kysely as K } from 'kysely';
import pg from 'pg';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';
import { Store } from './store.js';

// bigint columns hold unix seconds and counters, all far below 2^53: read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));

/**
 * PostgreSQL backend: the same migrations and repositories as SQLite, over a pool. With `schema`,
 * every table lives in that schema (each test run uses its own and drops it afterwards).
 */
export async function openPostgresStore(url: string, schema?: string): Promise<Store> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`not a usable schema name: ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (schema) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
  await migrate(db as unknown as K<unknown>, 'postgres');
  return new Store(db, 'postgres', () => db.destroy(), schema);
}

/** Drops a test schema and everything in it. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '')}" CASCADE`);
  } finally {
    await client.end();
  }
}
