import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { KyselyAudienceRows } from '../../../src/storage/audiences-rows-kysely.js';
import type { AudienceRowStore } from '../../../src/storage/audiences-rows.js';
import type { Database } from '../../../src/storage/schema.js';
import { openStore, type Store } from '../../../src/storage/store.js';
import { decideBatch, type SessionInput } from '../../../src/audiences/sessions.js';

/**
 * The upload path reads its session, decides, then writes (audiences/upload.ts). A matcher slice
 * that commits between the read and the write lowers rows_pending and raises num_matched; the
 * write must not put back the values read before it.
 */
const kinds = ['sqlite-raw', 'kysely'] as const;
const ctx = { adAccountId: '1', audienceId: 'A', kind: 'users', now: 100 };
const input = (batchSeq: number): SessionInput => ({ sessionId: '77', batchSeq, lastBatch: false, estimatedTotal: undefined, auto: false });

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

/** One upload's bookkeeping, split where the real path awaits between its read and its write. */
async function readThenStage(store: Store, seq: number, counts: { received: number; invalid: number; staged: number }, between: () => Promise<void>): Promise<void> {
  const existing = await store.audiences.getSession('1', '77');
  await between();
  const d = decideBatch(existing, input(seq), ctx, counts);
  expect(d.verdict).toBe('accept');
  await store.audiences.stage({ session: { row: d.row, exists: d.exists, added: d.added }, batches: [] });
}

const slice = (rowsInSlice: number, matched: number) => ({
  batchId: -1, rowsDone: rowsInSlice, finished: false, rowsInSlice, matched, nowSeconds: 100, session: { adAccountId: '1', sessionId: '77' },
});

for (const kind of kinds) {
  describe(`${kind}: a matcher slice between an upload's read and its write`, () => {
    let store: Store;
    let rows: AudienceRowStore;
    beforeEach(async () => {
      ({ store, rows } = await setup(kind));
    });
    afterEach(() => store.close());

    it('keeps the slice’s rows_pending and num_matched', async () => {
      await readThenStage(store, 1, { received: 12, invalid: 2, staged: 10 }, async () => {});
      // Batch 2 reads the session; the matcher applies all of batch 1 (10 rows, 4 matched); batch 2 writes.
      await readThenStage(store, 2, { received: 7, invalid: 1, staged: 6 }, () => rows.advance('A', slice(10, 4)));
      const s = await store.audiences.getSession('1', '77');
      expect({ pending: Number(s?.rows_pending), matched: Number(s?.num_matched), received: Number(s?.num_received), invalid: Number(s?.num_invalid) }).toEqual({
        pending: 6,
        matched: 4,
        received: 19,
        invalid: 3,
      });
      expect(JSON.parse(String(s?.batch_seqs))).toEqual([1, 2]);
    });

    it('ends with exact counts when many uploads and slices interleave', async () => {
      await readThenStage(store, 1, { received: 10, invalid: 0, staged: 10 }, async () => {});
      // Every batch after the first races a slice of 10 rows (3 matched) of the one staged before it.
      for (let seq = 2; seq <= 20; seq++) await readThenStage(store, seq, { received: 10, invalid: 0, staged: 10 }, () => rows.advance('A', slice(10, 3)));
      await rows.advance('A', slice(10, 3));
      const s = await store.audiences.getSession('1', '77');
      expect([Number(s?.rows_pending), Number(s?.num_matched), Number(s?.num_received)]).toEqual([0, 60, 200]);
    });
  });
}
