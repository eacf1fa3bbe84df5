import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { MIGRATIONS } from '../../../src/storage/migrations/index.js';
import { openStore, Store } from '../../../src/storage/store.js';
import { KyselyAudienceRows } from '../../../src/storage/audiences-rows-kysely.js';
import type { Database } from '../../../src/storage/schema.js';
import type { SliceProgress } from '../../../src/storage/audiences-rows.js';
import { sha256 } from '../../../src/audiences/hashing.js';

/**
 * Migration 007 stores `audience_rows.audience_id` as an integer on SQLite. Real audience ids have
 * 17 digits, past 2^53: every read must give back the exact string, and rows stored before the
 * migration must survive it.
 */
const AUDIENCE = '23847000000012345';

let dir: string | undefined;
let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function migrateTo(db: Kysely<unknown>, last: string): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const [name, m] of Object.entries(MIGRATIONS)) if (name <= last) migrations[name] = { up: (d) => m.up(d, 'sqlite') };
  const { error } = await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
  if (error) throw error;
}

async function insertAudience(s: Store, id: string): Promise<void> {
  await s.audiences.insertAudience({
    id, ad_account_id: '1', name: null, description: null, subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY', is_value_based: 0,
    retention_days: 0, subscription_info: null, extra: '{}', data_source_type: 'FILE_IMPORTED', data_source_sub_type: 'MULTI_HASHES', status_override: null,
    fields_violating: null, replace_state: null, generation: 0, member_count: 0, published_count: -1, removal_floor: 0, time_created: 1, time_updated: 1,
    time_content_updated: 1, deleted: 0,
  });
}

async function progress(s: Store, audienceId: string): Promise<SliceProgress> {
  await s.audiences.enqueue({
    audience_id: audienceId, ad_account_id: '1', session_id: null, op: 'add', generation: null, columns: '[]', row_count: 1, rows: Buffer.alloc(0),
    rows_done: 0, ready_at_ms: 0, staged_at: 0, claimed_by: null, claimed_at: null,
  });
  const b = await s.audiences.claimNext('t', 0, 1000);
  return { batchId: Number(b?.id), rowsDone: 1, finished: true, rowsInSlice: 1, matched: 0, nowSeconds: 10 };
}

describe('audience_rows on SQLite (migration 007)', () => {
  it('keeps the rows stored before it, with their 17-digit audience ids exact', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-rows-layout-'));
    const file = path.join(dir, 'localgraph.db');
    const old = openSqlite(file);
    await migrateTo(old.db as unknown as Kysely<unknown>, '006_batch_files');
    const ins = old.raw.prepare('INSERT INTO audience_rows (audience_id, row_hash, keys, person_id, match_type, generation, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    ins.run(AUDIENCE, sha256('r1'), Buffer.from('k1'), 'p1', 1, 0, 5);
    ins.run(AUDIENCE, sha256('r2'), Buffer.from('k2'), null, null, 0, 5);
    ins.run('not-numeric', sha256('r1'), Buffer.from('k3'), 'p1', 2, 0, 5);
    // The unmatched row's two keys, waiting in the old log to be indexed.
    const log = old.raw.prepare('INSERT INTO row_match_log (audience_id, key_hash, row_hash) VALUES (?, ?, ?)');
    log.run(AUDIENCE, sha256('key:r2:a'), sha256('r2'));
    log.run(AUDIENCE, sha256('key:r2:b'), sha256('r2'));
    await old.db.destroy();

    store = await openStore({ sqliteFile: file });
    const ddl = await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE name = 'audience_rows'`.execute(store.db);
    expect(ddl.rows[0].sql).not.toMatch(/without rowid/i);
    const types = await sql<{ t: string; n: number }>`SELECT typeof(audience_id) AS t, count(*) AS n FROM audience_rows GROUP BY 1 ORDER BY 1`.execute(store.db);
    expect(types.rows).toEqual([
      { t: 'integer', n: 2 },
      { t: 'text', n: 1 },
    ]);
    const held = await store.audiences.rows.rowsOfPerson('p1');
    expect(held.map((r) => [r.audienceId, r.keys.toString()]).sort()).toEqual([
      [AUDIENCE, 'k1'],
      ['not-numeric', 'k3'],
    ]);
    expect(await store.audiences.rowCounts(AUDIENCE)).toEqual({ rows: 2, matched: 1 });
    await insertAudience(store, AUDIENCE);
    // The old log's entries moved to row_match_pending: a person holding either key finds the row.
    for (const k of ['a', 'b']) {
      const found = await store.audiences.rows.unmatchedRowsWithKeys([sha256(`key:r2:${k}`)]);
      expect(found.map((r) => [r.audienceId, r.keys.toString()])).toEqual([[AUDIENCE, 'k2']]);
    }
    // The identity is still unique: the same row again is not stored twice.
    const r = await store.audiences.rows.applyAdd(AUDIENCE, 0, [{ rowHash: sha256('r2'), keys: Buffer.from('k2'), personId: null, matchType: null, matchKeys: [] }], await progress(store, AUDIENCE));
    expect(r.newRows).toBe(0);
  });

  it('keeps audience ids as text where an older fixture gave one the integer would change (a leading zero)', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-rows-layout-'));
    const file = path.join(dir, 'localgraph.db');
    const old = openSqlite(file);
    await migrateTo(old.db as unknown as Kysely<unknown>, '006_batch_files');
    const legacy = '0238500000000001';
    await insertAudience(new Store(old.db as never, 'sqlite', async () => {}), legacy);
    const ins = old.raw.prepare('INSERT INTO audience_rows (audience_id, row_hash, keys, person_id, match_type, generation, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    ins.run(legacy, sha256('r1'), Buffer.from('k1'), 'p1', 1, 0, 5);
    ins.run('238500000000001', sha256('r1'), Buffer.from('k9'), 'p1', 1, 0, 5);
    await old.db.destroy();

    store = await openStore({ sqliteFile: file });
    const types = await sql<{ t: string }>`SELECT DISTINCT typeof(audience_id) AS t FROM audience_rows`.execute(store.db);
    expect(types.rows).toEqual([{ t: 'text' }]);
    expect((await store.audiences.rows.rowsOfPerson('p1')).map((r) => [r.audienceId, r.keys.toString()]).sort()).toEqual([
      [legacy, 'k1'],
      ['238500000000001', 'k9'],
    ]);
    expect(await store.audiences.rowCounts(legacy)).toEqual({ rows: 1, matched: 1 });
  });

  it("a removed row's waiting match keys never point at a row stored after it", async () => {
    store = await openStore({ sqliteFile: null });
    const rows = store.audiences.rows;
    await insertAudience(store, AUDIENCE);
    const unmatched = (s: string) => ({ rowHash: sha256(s), keys: Buffer.from(s), personId: null, matchType: null, matchKeys: [sha256('key1:' + s), sha256('key2:' + s)] });
    await rows.applyAdd(AUDIENCE, 0, [unmatched('x')], await progress(store, AUDIENCE));
    await rows.applyRemove(AUDIENCE, [{ rowHash: sha256('x'), matchKeys: [] }], [], await progress(store, AUDIENCE));
    // The next row takes the place at the end of the table; its id must not be the removed row's.
    await rows.applyAdd(AUDIENCE, 0, [unmatched('y')], await progress(store, AUDIENCE));
    expect(await rows.unmatchedRowsWithKeys([sha256('key1:x'), sha256('key2:x')])).toEqual([]);
    expect((await rows.unmatchedRowsWithKeys([sha256('key2:y')])).map((r) => r.keys.toString())).toEqual(['y']);
  });

  for (const kind of ['sqlite-raw', 'kysely'] as const) {
    it(`${kind}: a row added under a 17-digit id is read back under that id, and found, removed and counted by it`, async () => {
      store = await openStore({ sqliteFile: null });
      const rows = kind === 'sqlite-raw' ? store.audiences.rows : new KyselyAudienceRows(store.db as Kysely<Database> as never, 'sqlite');
      await insertAudience(store, AUDIENCE);
      const near = String(BigInt(AUDIENCE) + 1n); // the same double as AUDIENCE
      await insertAudience(store, near);
      const row = (s: string) => ({ rowHash: sha256(s), keys: Buffer.from(s), personId: 'p9', matchType: 1, matchKeys: [] });
      expect(await rows.applyAdd(AUDIENCE, 0, [row('a'), row('b')], await progress(store, AUDIENCE))).toEqual({ newRows: 2, newMembers: 1 });
      expect(await rows.applyAdd(near, 0, [row('a')], await progress(store, near))).toEqual({ newRows: 1, newMembers: 1 });
      expect((await rows.rowsOfPerson('p9')).map((r) => r.audienceId).sort()).toEqual([AUDIENCE, AUDIENCE, near]);
      expect(await store.audiences.rowCounts(AUDIENCE)).toEqual({ rows: 2, matched: 2 });
      expect(await rows.applyRemove(AUDIENCE, [], ['p9'], await progress(store, AUDIENCE))).toEqual({ removedRows: 2, removedMembers: 1 });
      expect(await store.audiences.rowCounts(near)).toEqual({ rows: 1, matched: 1 });
    });
  }
});
