/**
 * The PostgreSQL bulk row store must give exactly what the SQLite one gives: the same return
 * values and the same tables after any sequence of adds (with duplicates inside and across
 * batches), removals by row and by person, replace commits, people's key changes, and rows
 * assigned to and taken from people created or deleted later.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudienceTables } from '../../../src/storage/audiences-schema.js';
import type { AddRow, AudienceRowStore, SliceProgress } from '../../../src/storage/audiences-rows.js';
import { SqliteAudienceRows } from '../../../src/storage/audiences-rows-sqlite.js';
import { migrate } from '../../../src/storage/migrate.js';
import { PostgresAudienceRows } from '../../../src/storage/postgres-audience-rows.js';
import { dropPostgresSchema, openPostgresStore } from '../../../src/storage/postgres.js';
import type { Database } from '../../../src/storage/schema.js';
import { openSqlite } from '../../../src/storage/sqlite.js';
import type { Store } from '../../../src/storage/store.js';
import { freshSchemaName } from '../../helpers/server.js';

const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
type Db = Kysely<Database & AudienceTables>;

const h = (s: string): Buffer => createHash('sha256').update(s).digest();
const KEYS = Array.from({ length: 10 }, (_, i) => h('key' + i));
const PEOPLE = ['p1', 'p2', 'p3', 'p4'];
const AUDIENCES = ['a1', 'a2'];

function packKeys(idx: number[]): Buffer {
  return Buffer.concat(idx.map((i) => Buffer.concat([Buffer.from([1]), KEYS[i]])));
}

interface Side {
  db: Db;
  rows: AudienceRowStore;
}

const pgSchema = freshSchemaName('lgr');
let pgStore: Store;
let pg: Side;
let lite: Side;
let clock = 1_700_000_000;

/** SQLite keeps unmatched rows' keys waiting in row_match_pending, by row id (migration 007). */
const isSqlite = (db: Db): boolean => db === lite.db;

async function seed(db: Db): Promise<void> {
  const tables = ['audience_rows', 'row_match_keys', 'row_match_log', 'person_keys', 'person_key_sets', 'upload_batches', 'audience_sessions', 'custom_audiences'];
  if (isSqlite(db)) tables.push('row_match_pending');
  for (const t of tables) {
    await sql`DELETE FROM ${sql.table(t)}`.execute(db);
  }
  for (const id of AUDIENCES) {
    await db
      .insertInto('custom_audiences')
      .values({
        id,
        ad_account_id: '1',
        name: id,
        description: null,
        subtype: 'CUSTOM',
        customer_file_source: null,
        is_value_based: 0,
        retention_days: 0,
        subscription_info: null,
        extra: '{}',
        data_source_type: 'UNKNOWN',
        data_source_sub_type: 'ANYTHING',
        status_override: null,
        fields_violating: null,
        replace_state: null,
        generation: 0,
        member_count: 0,
        published_count: -1,
        removal_floor: 0,
        time_created: 1,
        time_updated: 1,
        time_content_updated: 1,
        deleted: 0,
      })
      .execute();
  }
  await db
    .insertInto('audience_sessions')
    .values({
      ad_account_id: '1',
      session_id: 's1',
      audience_id: 'a1',
      kind: 'users',
      started_at: 1,
      last_batch_at: 1,
      closed_at: 0,
      batch_seqs: '[]',
      num_received: 0,
      num_invalid: 0,
      num_matched: 0,
      rows_pending: 1000,
      estimated_num_total: null,
      schema_sig: null,
      generation: null,
      committed: 0,
    })
    .execute();
}

/** Both sides get batch ids in step: each op stages one batch for its progress bookkeeping. */
async function newBatch(db: Db, audienceId: string): Promise<number> {
  const r = await db
    .insertInto('upload_batches')
    .values({
      audience_id: audienceId,
      ad_account_id: '1',
      session_id: 's1',
      op: 'add',
      generation: null,
      columns: '[]',
      row_count: 10,
      rows: Buffer.alloc(0),
      rows_done: 0,
      ready_at_ms: 0,
      staged_at: 0,
      claimed_by: null,
      claimed_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

const hexOf = (v: unknown): string | null => (v === null ? null : Buffer.from(v as Uint8Array).toString('hex'));

async function snapshot(db: Db): Promise<unknown> {
  const rows = await db.selectFrom('audience_rows').selectAll().execute();
  // Match keys as a reader sees them: indexed or still in the append log, for rows that exist
  // unmatched (each store may defer indexing differently and leave entries of removed rows behind).
  const mk = [...(await db.selectFrom('row_match_keys').selectAll().execute()), ...(await db.selectFrom('row_match_log').select(['audience_id', 'key_hash', 'row_hash']).execute())];
  if (isSqlite(db)) {
    const pending = await sql<{ audience_id: string; keys: Buffer; row_hash: Buffer }>`SELECT CAST(r.audience_id AS TEXT) AS audience_id, p.keys, r.row_hash
      FROM row_match_pending p JOIN audience_rows r ON r.id = p.row_id`.execute(db);
    for (const p of pending.rows) {
      for (let o = 0; o < p.keys.length; o += 32) mk.push({ audience_id: p.audience_id, key_hash: p.keys.subarray(o, o + 32), row_hash: p.row_hash });
    }
  }
  const unmatched = new Set(rows.filter((r) => r.person_id === null).map((r) => `${r.audience_id}:${hexOf(r.row_hash)}`));
  const pk = await db.selectFrom('person_keys').selectAll().execute();
  const ks = await db.selectFrom('person_key_sets').selectAll().execute();
  const aud = await db.selectFrom('custom_audiences').select(['id', 'member_count', 'published_count', 'replace_state', 'time_content_updated']).orderBy('id').execute();
  const ses = await db.selectFrom('audience_sessions').select(['rows_pending', 'num_matched']).execute();
  const batches = await db.selectFrom('upload_batches').select(['id', 'rows_done']).orderBy('id').execute();
  const sortBy = <T>(xs: T[], key: (x: T) => string): T[] => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return {
    rows: sortBy(
      rows.map((r) => ({ a: r.audience_id, h: hexOf(r.row_hash), k: hexOf(r.keys), p: r.person_id, t: r.match_type, g: Number(r.generation), at: Number(r.added_at) })),
      (r) => `${r.a}:${r.h}`,
    ),
    mk: [...new Set(mk.filter((m) => unmatched.has(`${m.audience_id}:${hexOf(m.row_hash)}`)).map((m) => `${m.audience_id}:${hexOf(m.key_hash)}:${hexOf(m.row_hash)}`))].sort(),
    pk: sortBy(
      pk.map((p) => `${hexOf(p.key_hash)}:${p.person_id}:${p.key_type}`),
      (s) => s,
    ),
    ks: sortBy(
      ks.map((k) => ({ p: k.person_id, k: hexOf(k.keys), a: hexOf(k.attrs), t: Number(k.built_at) })),
      (k) => k.p,
    ),
    aud: aud.map((a) => ({ ...a, member_count: Number(a.member_count), published_count: Number(a.published_count), time_content_updated: Number(a.time_content_updated) })),
    ses: ses.map((s) => ({ rows_pending: Number(s.rows_pending), num_matched: Number(s.num_matched) })),
    batches: batches.map((b) => ({ id: Number(b.id), rows_done: Number(b.rows_done) })),
  };
}

beforeAll(async () => {
  pgStore = await openPostgresStore(PG_URL, pgSchema);
  const pdb = pgStore.db as unknown as Db;
  pg = { db: pdb, rows: new PostgresAudienceRows(pdb) };
  const { db, raw } = openSqlite(null);
  await migrate(db as unknown as Kysely<unknown>, 'sqlite');
  lite = { db: db as unknown as Db, rows: new SqliteAudienceRows(raw) };
});

afterAll(async () => {
  await pgStore?.close();
  await dropPostgresSchema(PG_URL, pgSchema);
  await lite?.db.destroy();
});

const rowArb = fc.record({
  keys: fc.uniqueArray(fc.integer({ min: 0, max: KEYS.length - 1 }), { minLength: 1, maxLength: 3 }),
  person: fc.option(fc.constantFrom(...PEOPLE), { nil: null }),
});

const opArb = fc.oneof(
  fc.record({
    op: fc.constant('add' as const),
    audience: fc.constantFrom(...AUDIENCES),
    generation: fc.constantFrom(0, 0, 2),
    rows: fc.array(rowArb, { maxLength: 8 }),
    finished: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('addBatches' as const),
    audience: fc.constantFrom(...AUDIENCES),
    generation: fc.constantFrom(0, 2),
    parts: fc.array(fc.array(rowArb, { maxLength: 5 }), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    op: fc.constant('remove' as const),
    audience: fc.constantFrom(...AUDIENCES),
    rows: fc.array(rowArb, { maxLength: 5 }),
    people: fc.array(fc.constantFrom(...PEOPLE), { maxLength: 2 }),
    finished: fc.boolean(),
  }),
  fc.record({ op: fc.constant('commit' as const), audience: fc.constantFrom(...AUDIENCES), generation: fc.constantFrom(1, 2, 3), failed: fc.boolean() }),
  fc.record({
    op: fc.constant('personKeys' as const),
    sets: fc.array(
      fc.record({ person: fc.constantFrom(...PEOPLE), keys: fc.uniqueArray(fc.integer({ min: 0, max: KEYS.length - 1 }), { maxLength: 3 }) }),
      { maxLength: 3 },
    ),
  }),
  fc.record({ op: fc.constant('deleteKeys' as const), people: fc.array(fc.constantFrom(...PEOPLE), { maxLength: 2 }) }),
  fc.record({ op: fc.constant('assign' as const), person: fc.constantFrom(...PEOPLE), key: fc.integer({ min: 0, max: KEYS.length - 1 }) }),
  fc.record({ op: fc.constant('unassign' as const), person: fc.constantFrom(...PEOPLE) }),
  fc.record({ op: fc.constant('lookup' as const), keys: fc.array(fc.integer({ min: 0, max: KEYS.length - 1 }), { maxLength: 6 }) }),
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

function addRows(rows: Array<{ keys: number[]; person: string | null }>): AddRow[] {
  return rows.map((r) => {
    const keys = packKeys([...r.keys].sort((a, b) => a - b));
    return { rowHash: h(keys.toString('hex')), keys, personId: r.person, matchType: r.person ? 1 : null, matchKeys: r.person ? [] : r.keys.map((i) => KEYS[i]) };
  });
}

async function apply(side: Side, o: Op, now: number): Promise<unknown> {
  const progress = async (audience: string, finished: boolean, n: number): Promise<SliceProgress> => ({
    batchId: await newBatch(side.db, audience),
    rowsDone: n,
    finished,
    rowsInSlice: n,
    session: audience === 'a1' ? { adAccountId: '1', sessionId: 's1' } : undefined,
    matched: 1,
    nowSeconds: now,
  });
  switch (o.op) {
    case 'add':
      return side.rows.applyAdd(o.audience, o.generation, addRows(o.rows), await progress(o.audience, o.finished, o.rows.length));
    case 'addBatches': {
      const parts = [];
      for (const [i, p] of o.parts.entries()) parts.push({ rows: addRows(p), progress: await progress(o.audience, i < o.parts.length - 1 || p.length % 2 === 0, p.length) });
      const viaBatches = side.rows.applyAddBatches;
      if (!viaBatches) throw new Error('both stores implement applyAddBatches');
      return viaBatches.call(side.rows, o.audience, o.generation, parts);
    }
    case 'remove': {
      const rows = addRows(o.rows).map((r) => ({ rowHash: r.rowHash, matchKeys: [...r.matchKeys, ...(r.personId ? [] : [])] }));
      // Removal rows carry the keys a stored unmatched row was indexed by (the row's own keys).
      const withKeys = rows.map((r, i) => ({ rowHash: r.rowHash, matchKeys: o.rows[i].keys.map((k) => KEYS[k]) }));
      return side.rows.applyRemove(o.audience, withKeys, o.people, await progress(o.audience, o.finished, o.rows.length));
    }
    case 'commit':
      return side.rows.commitReplace(o.audience, o.generation, o.failed, await progress(o.audience, true, 0));
    case 'personKeys':
      await side.rows.replacePersonKeys(
        o.sets.map((s) => ({ personId: s.person, keys: s.keys.map((k) => ({ type: 1, hash: KEYS[k] })), attrs: [{ type: 9, hash: h('attr' + s.person) }] })),
        now,
      );
      return null;
    case 'deleteKeys':
      await side.rows.deletePersonKeys(o.people);
      return null;
    case 'assign': {
      const found = await side.rows.unmatchedRowsWithKeys([KEYS[o.key]]);
      const sorted = [...found].sort((a, b) => (a.audienceId + a.rowHash.toString('hex')).localeCompare(b.audienceId + b.rowHash.toString('hex')));
      const delta = await side.rows.assignRows(
        sorted.map((r) => ({ audienceId: r.audienceId, rowHash: r.rowHash, personId: o.person, matchType: 1, matchKeys: [KEYS[o.key]] })),
      );
      return { found: sorted.map((r) => r.audienceId + ':' + r.rowHash.toString('hex')), delta: [...delta].sort() };
    }
    case 'unassign': {
      const rows = await side.rows.rowsOfPerson(o.person);
      const sorted = [...rows].sort((a, b) => (a.audienceId + a.rowHash.toString('hex')).localeCompare(b.audienceId + b.rowHash.toString('hex')));
      const delta = await side.rows.unassignPerson(
        o.person,
        sorted.map((r) => ({ audienceId: r.audienceId, rowHash: r.rowHash, matchKeys: [] })),
      );
      return { rows: sorted.length, delta: [...delta].sort() };
    }
    case 'lookup': {
      const r = await side.rows.lookupPersonKeys(o.keys.map((k) => KEYS[k]));
      // A set: the SQLite store repeats a hit for a key asked twice, the others do not; callers build maps.
      return [...new Set(r.map((x) => `${x.key.toString('hex')}:${x.personId}:${x.keyType}`))].sort();
    }
  }
}

describe('PostgresAudienceRows', () => {
  it('matches the SQLite row store result for result and table for table over random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), async (ops) => {
        await seed(pg.db);
        await seed(lite.db);
        for (const o of ops) {
          clock += 7;
          const a = await apply(lite, o, clock);
          const b = await apply(pg, o, clock);
          expect(b, `${o.op} result`).toEqual(a);
          expect(await snapshot(pg.db), `tables after ${o.op}`).toEqual(await snapshot(lite.db));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('adds a 10,000-row slice in a few statements and counts each new person once', async () => {
    await seed(pg.db);
    const rows: AddRow[] = Array.from({ length: 10_000 }, (_, i) => {
      const keys = Buffer.concat([Buffer.from([1]), h('bulk' + i)]);
      const person = i % 3 === 0 ? `bulk-p${(i / 3) % 300}` : null;
      return { rowHash: h(keys.toString('hex')), keys, personId: person, matchType: person ? 1 : null, matchKeys: person ? [] : [h('bulk' + i)] };
    });
    const batchId = await newBatch(pg.db, 'a2');
    const r = await pg.rows.applyAdd('a2', 0, rows, { batchId, rowsDone: 10_000, finished: true, rowsInSlice: 10_000, matched: 0, nowSeconds: clock });
    expect(r).toEqual({ newRows: 10_000, newMembers: 300 });
    const again = await pg.rows.applyAdd('a2', 0, rows, { batchId, rowsDone: 10_000, finished: true, rowsInSlice: 10_000, matched: 0, nowSeconds: clock });
    expect(again).toEqual({ newRows: 0, newMembers: 0 });
    const aud = await pg.db.selectFrom('custom_audiences').select(['member_count', 'published_count']).where('id', '=', 'a2').executeTakeFirstOrThrow();
    expect(Number(aud.member_count)).toBe(300);
    expect(Number(aud.published_count)).toBe(300);
  });
});
