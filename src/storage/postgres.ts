import { Kysely, sql, type Kysely as K } from 'kysely';
import pg from 'pg';
import { migrate } from './migrate.js';
import { ScopedPostgresDialect } from './postgres-introspector.js';
import { PgAdvisoryLocks } from './postgres-locks.js';
import type { Database } from './schema.js';
import { Store } from './store.js';

// bigint columns hold unix seconds and counters, all far below 2^53: read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric (sum() over bigint) likewise: counts, never money.
pg.types.setTypeParser(1700, (v) => Number(v));

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresTarget {
  /** The URL handed to pg, without our own `schema` / `pool` parameters. */
  url: string;
  schema?: string;
  poolSize: number;
}

/**
 * Reads localgraph's own parameters out of a connection string: `?schema=lg_ci` keeps every table
 * in that schema (several environments in one database), `?pool=20` sizes the pool. pg would
 * pass unknown parameters to the server as startup options, so they are removed first.
 */
export function parsePostgresUrl(raw: string, schemaOverride?: string): PostgresTarget {
  const u = new URL(raw);
  const schema = schemaOverride ?? (u.searchParams.get('schema') || undefined);
  const poolParam = u.searchParams.get('pool');
  u.searchParams.delete('schema');
  u.searchParams.delete('pool');
  const envPool = Number(process.env.LOCALGRAPH_PG_POOL);
  const poolSize = poolParam ? Number(poolParam) : Number.isInteger(envPool) && envPool > 0 ? envPool : 10;
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) throw new Error(`pool size must be 1–1000, got ${poolParam ?? ''}`);
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`not a usable schema name: ${schema}`);
  return { url: u.toString(), schema, poolSize };
}

/**
 * PostgreSQL backend: the same migrations and repositories as SQLite, over a pool. With a schema
 * (`?schema=` in the URL, or `schema`), every table lives in that schema; each test run uses its
 * own and drops it afterwards.
 *
 * Several processes may start at once against one fresh database: creating the schema, migrating
 * and (in start.ts) loading the demo fixture run under a PostgreSQL advisory lock, so exactly one
 * of them does each step and the others find it done.
 */
export async function openPostgresStore(url: string, schema?: string): Promise<Store> {
  const target = parsePostgresUrl(url, schema);
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize,
    // A server restart or a failover must not leave the process holding dead sockets forever.
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  });
  // An idle client losing its connection (PostgreSQL restarted) emits 'error' on the pool;
  // unhandled, that would crash the process. The next query simply opens a new connection.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new ScopedPostgresDialect({ pool }) });
  const locks = new PgAdvisoryLocks(db, target.schema ?? 'public');
  try {
    await locks.exclusive('startup', async () => {
      if (target.schema) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(target.schema)}`.execute(db);
      await migrate(db as unknown as K<unknown>, 'postgres', target.schema);
    });
  } catch (e) {
    await db.destroy();
    throw e;
  }
  return new Store(db, 'postgres', () => db.destroy(), target.schema, locks);
}

/** Drops a test schema and everything in it. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`not a usable schema name: ${schema}`);
  const client = new pg.Client({ connectionString: parsePostgresUrl(url).url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
