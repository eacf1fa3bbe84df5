/**
 * The Store contract on every backend: SQLite in memory (`--ephemeral`) and in a data folder (WAL),
 * and PostgreSQL, each test in a fresh schema dropped afterwards (the CI machine runs PostgreSQL;
 * LOCALGRAPH_TEST_DATABASE_URL points elsewhere).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema } from '../../../src/storage/postgres.js';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { openStore } from '../../../src/storage/store.js';
import { freshSchemaName } from '../../helpers/server.js';
import { describeStoreContract } from './store-contract.js';

const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describeStoreContract('SQLite in memory', { open: () => openStore({ sqliteFile: null }) });

let file = '';
describeStoreContract('SQLite file', {
  open: () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-contract-'));
    dirs.push(dir);
    file = path.join(dir, 'data', 'localgraph.sqlite');
    return openStore({ sqliteFile: file });
  },
  reopen: () => openStore({ sqliteFile: file }),
});

let pgSchema = '';
describeStoreContract('PostgreSQL', {
  open: () => {
    pgSchema = freshSchemaName('lgc');
    return openStore({ databaseUrl: PG_URL, pgSchema });
  },
  reopen: () => openStore({ databaseUrl: PG_URL, pgSchema }),
  dispose: async (store) => {
    if (store.pgSchema) await dropPostgresSchema(PG_URL, store.pgSchema);
  },
});

describe('SQLite settings', () => {
  it('opens a data folder in WAL mode with foreign keys on and full fsync, creating the folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-pragma-'));
    dirs.push(dir);
    const { raw } = openSqlite(path.join(dir, 'nested', 'x.sqlite'));
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('foreign_keys', { simple: true })).toBe(1);
      // 2 = FULL: a commit is on disk before the answer that acknowledges it.
      expect(raw.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      raw.close();
    }
  });
});
