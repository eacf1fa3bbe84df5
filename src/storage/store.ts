/**
 * The one Store: domain repositories over one Kysely database. Every backend (SQLite here,
 * PostgreSQL in storage/postgres) builds the same Store; the contract tests run against each.
 */
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from './dialect.js';
import { migrate } from './migrate.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite.js';
import { WorldRepo } from './world.js';
import { AuthRepo } from './auth-repo.js';
import { AudienceRepo, bindSqliteRaw } from './audiences.js';
import { BatchFiles } from './batch-files.js';
import { UserContentRepo } from './user-content.js';

export interface StoreOptions {
  /** SQLite file path; null = in memory. Ignored when `databaseUrl` is given. */
  sqliteFile?: string | null;
  /** postgres://… — use PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  /** PostgreSQL schema to keep every table in (tests use one per run); default `public`. */
  pgSchema?: string;
}

/**
 * Named locks held across every process sharing the store (PostgreSQL advisory locks); on SQLite
 * there is one process, so an in-process queue per name is enough.
 */
export interface StoreLocks {
  /** Runs `fn` while holding the lock `name`, waiting for it if another holder has it. */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** One process: a promise chain per name. */
export class LocalLocks implements StoreLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(name) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(name, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}

export class Store {
  readonly world: WorldRepo;
  /** App roles, test-user friendships (auth/, apps/). */
  readonly auth: AuthRepo;
  /** Custom audiences, upload sessions, the matching queue and rows (audiences/). */
  readonly audiences: AudienceRepo;
  /** The User node's edge data: content, business memberships, page blocks (users/, pages/). */
  readonly userContent: UserContentRepo;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly closer: () => Promise<void>,
    /** The PostgreSQL schema holding the tables (undefined on SQLite). */
    readonly pgSchema?: string,
    /** Cross-process locks (startup steps, session bookkeeping); in-process on SQLite. */
    readonly locks: StoreLocks = new LocalLocks(),
    /** Where large staged batches' rows go on a file-backed SQLite store (batch-files.ts). */
    readonly batchFiles?: BatchFiles,
  ) {
    this.world = new WorldRepo(db);
    this.auth = new AuthRepo(db);
    this.audiences = new AudienceRepo(db, dialect, batchFiles);
    this.userContent = new UserContentRepo(db);
  }

  /** Runs `fn` in one transaction with a Store bound to it: all of it lands, or none. */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new Store(trx, this.dialect, async () => {}, this.pgSchema, this.locks, this.batchFiles)));
  }

  /** Deletes every row of every table but the migration bookkeeping (control surface reset). */
  async clearAll(): Promise<void> {
    const tables = await this.tableNames();
    const clear = async (tx: Store): Promise<void> => {
      for (const t of tables) await sql`DELETE FROM ${sql.table(t)}`.execute(tx.db);
    };
    // Inside a transaction already (a fixture replacing the state): clear as part of it, since
    // Kysely cannot open a transaction within a transaction.
    if (this.db.isTransaction) await clear(this);
    else await this.transaction(clear);
  }

  async tableNames(): Promise<string[]> {
    const metas = await this.db.introspection.getTables();
    return metas
      .filter((t) => this.dialect === 'sqlite' || t.schema === (this.pgSchema ?? 'public'))
      .map((t) => t.name)
      .filter((n) => !n.startsWith('kysely_'));
  }

  close(): Promise<void> {
    return this.closer();
  }
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    // Loaded lazily so a SQLite-only run never needs the pg driver to be reachable.
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore(options.databaseUrl, options.pgSchema);
  }
  const file = options.sqliteFile ?? null;
  const { db, raw } = openSqlite(file);
  bindSqliteRaw(db, raw);
  await migrate(db as unknown as Kysely<unknown>, 'sqlite');
  // In memory (--ephemeral) nothing is durable anyway: rows stay inline there.
  const batchFiles = file ? new BatchFiles(path.join(path.dirname(file), 'localgraph-queue'), `${file}-wal`) : undefined;
  const store = new Store(db, 'sqlite', () => db.destroy(), undefined, undefined, batchFiles);
  // Files a crash left behind between their write and their transaction.
  await store.audiences.sweepBatchFiles();
  return store;
}
