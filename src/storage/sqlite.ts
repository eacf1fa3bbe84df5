import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';

export interface SqliteHandle {
  db: Kysely<Database>;
  /** The raw connection, for the bulk paths where Kysely's per-row overhead matters. */
  raw: SQLite.Database;
}

/**
 * Opens the embedded store. `file` null means in memory (`--ephemeral`). WAL lets readers run
 * beside the writer; synchronous=FULL because a request answered 200 must survive a crash, and
 * fsync costs ~60 µs here (spec/machine-limits.md §0).
 */
export function openSqlite(file: string | null): SqliteHandle {
  if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
  const raw = new SQLite(file ?? ':memory:');
  if (file) raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('cache_size = -262144');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
  return { db, raw };
}
