import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KyselyAudienceRows } from '../../../src/storage/audiences-rows-kysely.js';
import type { AudienceRowStore, SliceProgress } from '../../../src/storage/audiences-rows.js';
import type { Database } from '../../../src/storage/schema.js';
import type { Kysely } from 'kysely';
import { openStore, type Store } from '../../../src/storage/store.js';
import { sha256 } from '../../../src/audiences/hashing.js';

/** The raw SQLite fast path and the dialect-neutral Kysely path must agree on every operation. */
const kinds = ['sqlite-raw', 'kysely'] as const;

async function setup(kind: (typeof kinds)[number]): Promise<{ store: Store; rows: AudienceRowStore }> {
  const store = await openStore({ sqliteFile: null });
  const rows = kind === 'sqlite-raw' ? store.audiences.rows : new KyselyAudienceRows(store.db as Kysely<Database> as never, 'sqlite');
  await store.audiences.insertAudience({
    id: 'A', ad_account_id: '1', name: null, description: null, subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY', is_value_based: 0,
    retention_days: 0, subscription_info: null, extra: '{}', data_source_type: 'FILE_IMPORTED', data_source_sub_type: 'MULTI_HASHES', status_override: null,
    fields_violating: null, replace_state: null, generation: 0, member_count: 0, published_count: -1, removal_floor: 0, time_created: 1, time_updated: 1,
    time_content_updated: 1, deleted: 0,
  });
  return { store, rows };
}

let batchId = 0;
async function batch(store: Store): Promise<SliceProgress> {
  await store.audiences.enqueue({
    audience_id: 'A', ad_account_id: '1', session_id: null, op: 'add', generation: null, columns: '[]', row_count: 1, rows: Buffer.alloc(0),
    rows_done: 0, ready_at_ms: 0, staged_at: 0, claimed_by: null, claimed_at: null,
  });
  batchId++;
  const b = await store.audiences.claimNext('t', 0, 1000);
  return { batchId: Number(b?.id ?? batchId), rowsDone: 1, finished: true, rowsInSlice: 1, matched: 0, nowSeconds: 10 };
}

const row = (s: string, personId: string | null) => ({ rowHash: sha256('row:' + s), keys: Buffer.from(s), personId, matchType: personId ? 1 : null, matchKeys: personId ? [] : [sha256('key:' + s)] });

for (const kind of kinds) {
  describe(`${kind}: audience rows`, () => {
    let store: Store;
    let rows: AudienceRowStore;
    beforeEach(async () => {
      ({ store, rows } = await setup(kind));
    });
    afterEach(() => store.close());

    it('stores a row once, counts a person once, and publishes when the queue is empty', async () => {
      const r1 = await rows.applyAdd('A', 0, [row('a', 'p1'), row('b', 'p1'), row('c', null)], await batch(store));
      expect(r1).toEqual({ newRows: 3, newMembers: 1 });
      const r2 = await rows.applyAdd('A', 0, [row('a', 'p1'), row('d', 'p2')], await batch(store));
      expect(r2).toEqual({ newRows: 1, newMembers: 1 });
      const a = await store.audiences.getAudience('A');
      expect([Number(a?.member_count), Number(a?.published_count)]).toEqual([2, 2]);
      expect(await store.audiences.pendingCount()).toEqual({ batches: 0, rows: 0 });
    });

    it('removes by person and by row, and unmatched rows are found by their keys', async () => {
      await rows.applyAdd('A', 0, [row('a', 'p1'), row('b', 'p1'), row('c', null)], await batch(store));
      expect((await rows.unmatchedRowsWithKeys([sha256('key:c')])).map((r) => r.keys.toString())).toEqual(['c']);
      const r = await rows.applyRemove('A', [{ rowHash: sha256('row:c'), matchKeys: [sha256('key:c')] }], ['p1'], await batch(store));
      expect(r).toEqual({ removedRows: 3, removedMembers: 1 });
      expect(await rows.unmatchedRowsWithKeys([sha256('key:c')])).toEqual([]);
    });

    it('assigns waiting rows to a new person and unassigns a deleted one', async () => {
      await rows.applyAdd('A', 0, [row('c', null)], await batch(store));
      const joined = await rows.assignRows([{ audienceId: 'A', rowHash: sha256('row:c'), personId: 'p9', matchType: 1, matchKeys: [sha256('key:c')] }]);
      expect([...joined]).toEqual([['A', 1]]);
      expect((await rows.rowsOfPerson('p9')).length).toBe(1);
      const left = await rows.unassignPerson('p9', [{ audienceId: 'A', rowHash: sha256('row:c'), matchKeys: [sha256('key:c')] }]);
      expect([...left]).toEqual([['A', -1]]);
      expect((await rows.unmatchedRowsWithKeys([sha256('key:c')])).length).toBe(1);
    });

    it('a replace commit keeps exactly the rows of its generation', async () => {
      await rows.applyAdd('A', 0, [row('a', 'p1'), row('b', 'p2'), row('c', null)], await batch(store));
      await rows.applyAdd('A', 1, [row('b', 'p2'), row('e', 'p3')], await batch(store));
      const r = await rows.commitReplace('A', 1, false, await batch(store));
      expect(r).toEqual({ removedRows: 2, members: 2 });
      expect(await rows.unmatchedRowsWithKeys([sha256('key:c')])).toEqual([]);
    });

    it('looks people up by key in one batch', async () => {
      await rows.replacePersonKeys([{ personId: 'p1', keys: [{ type: 1, hash: sha256('k1') }, { type: 2, hash: sha256('k2') }], attrs: [] }], 1);
      await rows.replacePersonKeys([{ personId: 'p1', keys: [{ type: 1, hash: sha256('k1') }], attrs: [{ type: 4, hash: sha256('1990') }] }], 2);
      const hits = await rows.lookupPersonKeys([sha256('k1'), sha256('k2'), sha256('zz')]);
      expect(hits.map((h) => [h.personId, h.keyType])).toEqual([['p1', 1]]);
      expect((await rows.personAttrs(['p1'])).get('p1')?.length).toBe(33);
      await rows.deletePersonKeys(['p1']);
      expect(await rows.lookupPersonKeys([sha256('k1')])).toEqual([]);
    });
  });
}
