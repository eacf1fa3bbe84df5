/**
 * Claiming upload batches on PostgreSQL with several claimers at once (each with its own pool, as
 * separate processes have): every batch is processed exactly once, each audience's batches in the
 * order they were staged, and a batch whose claimer died is taken over once its claim is stale.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AudienceTables } from '../../../src/storage/audiences-schema.js';
import { dropPostgresSchema, openPostgresStore } from '../../../src/storage/postgres.js';
import { claimNextPostgres } from '../../../src/storage/postgres-queue.js';
import type { Database } from '../../../src/storage/schema.js';
import type { Store } from '../../../src/storage/store.js';
import { freshSchemaName } from '../../helpers/server.js';

const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
type Db = Kysely<Database & AudienceTables>;

const schema = freshSchemaName('lgq');
let stores: Store[] = [];
const db = (i: number): Db => stores[i].db as unknown as Db;

beforeAll(async () => {
  stores = [await openPostgresStore(PG_URL, schema)];
  stores.push(...(await Promise.all([1, 2].map(() => openPostgresStore(PG_URL, schema)))));
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await dropPostgresSchema(PG_URL, schema);
});
beforeEach(async () => {
  await db(0).deleteFrom('upload_batches').execute();
});

async function stage(audienceId: string | null, readyAt = 0): Promise<number> {
  const r = await db(0)
    .insertInto('upload_batches')
    .values({
      audience_id: audienceId,
      ad_account_id: '1',
      session_id: null,
      op: 'add',
      generation: null,
      columns: '[]',
      row_count: 1,
      rows: Buffer.alloc(0),
      rows_done: 0,
      ready_at_ms: readyAt,
      staged_at: 0,
      claimed_by: null,
      claimed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

describe('claimNextPostgres', () => {
  it('hands each batch to exactly one of several concurrent claimers, in order within each audience', async () => {
    const staged = new Map<string, number[]>();
    for (let i = 0; i < 60; i++) {
      const a = `aud${i % 5}`;
      const id = await stage(a);
      staged.set(a, [...(staged.get(a) ?? []), id]);
    }
    const processed: Array<{ id: number; audience: string; worker: string }> = [];
    const worker = async (w: number): Promise<void> => {
      const name = `w${w}`;
      for (;;) {
        const b = await claimNextPostgres(db(w), name, 1000, 60_000);
        if (!b) {
          // Others may still hold heads of audiences whose later batches wait: look again until empty.
          const left = await db(w).selectFrom('upload_batches').select('id').limit(1).executeTakeFirst();
          if (!left) return;
          await new Promise((r) => setTimeout(r, 2));
          continue;
        }
        processed.push({ id: Number(b.id), audience: b.audience_id as string, worker: name });
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        await db(w).deleteFrom('upload_batches').where('id', '=', b.id).execute();
      }
    };
    await Promise.all([0, 1, 2].map(worker));
    expect(processed.map((p) => p.id).sort((x, y) => x - y)).toEqual([...staged.values()].flat().sort((x, y) => x - y));
    for (const [a, ids] of staged) expect(processed.filter((p) => p.audience === a).map((p) => p.id)).toEqual(ids);
    // Several claimers did take part.
    expect(new Set(processed.map((p) => p.worker)).size).toBeGreaterThan(1);
  });

  it('lets different audiences be claimed at the same time but not two batches of one audience', async () => {
    const a1 = await stage('A');
    await stage('A');
    const b1 = await stage('B');
    expect((await claimNextPostgres(db(0), 'w0', 1000, 60_000))?.id).toBe(a1);
    expect((await claimNextPostgres(db(1), 'w1', 1000, 60_000))?.id).toBe(b1);
    expect(await claimNextPostgres(db(2), 'w2', 1000, 60_000)).toBeUndefined();
  });

  it('gives a claimer its own batch again (the next slice) and renews the claim time', async () => {
    const id = await stage('A');
    await claimNextPostgres(db(0), 'w0', 1000, 60_000);
    const again = await claimNextPostgres(db(0), 'w0', 5000, 60_000);
    expect(again?.id).toBe(id);
    expect(Number(again?.claimed_at)).toBe(5000);
  });

  it('takes over a batch whose claimer stopped renewing, and not before', async () => {
    const id = await stage('A');
    await claimNextPostgres(db(0), 'dead', 1000, 60_000);
    expect(await claimNextPostgres(db(1), 'alive', 1000 + 59_000, 60_000)).toBeUndefined();
    const taken = await claimNextPostgres(db(1), 'alive', 1000 + 61_000, 60_000);
    expect(taken?.id).toBe(id);
    expect(taken?.claimed_by).toBe('alive');
  });

  it('leaves batches that are not ready yet', async () => {
    await stage('A', 10_000);
    expect(await claimNextPostgres(db(0), 'w0', 9_999, 60_000)).toBeUndefined();
    expect(await claimNextPostgres(db(0), 'w0', 10_000, 60_000)).toBeDefined();
  });
});
