/**
 * Two real `localgraph serve` processes on one PostgreSQL schema and one Redis, as behind a load
 * balancer: an upload session whose batches alternate between them completes with exact counts;
 * a rate limit reached through one is enforced by the other; killing one in the middle of an
 * upload loses no batch it acknowledged, and counts none twice.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeProcess, type ServeProcess } from '../../bench/scaling/spawn.js';
import { dropPostgresSchema } from '../../src/storage/postgres.js';
import { DEMO, freshSchemaName } from '../helpers/server.js';

const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.LOCALGRAPH_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
const ADMIN = 'lgadmin_two_processes_test';
const ACT = `act_${DEMO.adAccountId}`;

const schema = freshSchemaName('lg2p');
let a: ServeProcess;
let b: ServeProcess;

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

function withSchema(url: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

beforeAll(async () => {
  // Both at once on an empty schema, as a deployment starts: one migrates and loads the demo.
  const opts = { databaseUrl: withSchema(PG_URL), redisUrl: REDIS_URL, args: ['--match-delay', '0'], env: { LOCALGRAPH_ADMIN_TOKEN: ADMIN } };
  const [first, second] = await Promise.allSettled([startServeProcess(opts), startServeProcess(opts)]);
  // Keep whichever started, so afterAll stops it even when the other failed.
  if (first.status === 'fulfilled') a = first.value;
  if (second.status === 'fulfilled') b = second.value;
  if (first.status === 'rejected') throw first.reason;
  if (second.status === 'rejected') throw second.reason;
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await b?.kill();
  await dropPostgresSchema(PG_URL, schema);
});

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> { // any: test reads
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

const admin = (p: ServeProcess, path: string, init: RequestInit = {}) =>
  json(p.url + path, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } });

async function createAudience(p: ServeProcess): Promise<string> {
  const r = await json(`${p.url}/v21.0/${ACT}/customaudiences?access_token=${DEMO.aliceToken}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'two processes', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' }),
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.id as string;
}

/** Batch k: `size` rows of its own, plus the demo people's emails in the first batch (3 matches). */
function batchRows(tag: string, k: number, size: number): string[][] {
  const rows = Array.from({ length: size }, (_, i) => [sha(`${tag}-${k}-${i}@example.com`)]);
  if (k === 1) rows.push([sha('alice@example.com')], [sha('bob@example.com')], [sha('carol_tester@tfbnw.net')]);
  return rows;
}

function upload(p: ServeProcess, audienceId: string, sessionId: number, seq: number, last: boolean, rows: string[][]): Promise<{ status: number; body: any }> { // any: test reads
  return json(`${p.url}/v21.0/${audienceId}/users?access_token=${DEMO.aliceToken}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      payload: { schema: ['EMAIL'], data: rows },
      session: { session_id: sessionId, batch_seq: seq, last_batch_flag: last },
    }),
  });
}

/** Polls a process's control surface until the audience's queue is empty and its count published. */
async function settled(p: ServeProcess, audienceId: string): Promise<any> { // any: test reads
  const deadline = Date.now() + 90_000;
  for (;;) {
    const r = await admin(p, `/_localgraph/audiences/${audienceId}`);
    if (r.body.pending_batches === 0 && r.body.published_count === r.body.members) return r.body;
    if (Date.now() > deadline) throw new Error(`matching did not finish: ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('two server processes, one PostgreSQL, one Redis', () => {
  it('completes an upload session whose batches alternate between the processes, with exact counts', async () => {
    const id = await createAudience(a);
    const size = 2000;
    const batches = 12;
    let expected = 0;
    let last: { status: number; body: any } | undefined; // any: test reads
    for (let k = 1; k <= batches; k++) {
      const rows = batchRows('alt', k, size);
      expected += rows.length;
      const p = k % 2 === 0 ? b : a;
      if (k === 5) {
        // The same batch through both processes at the same moment: counted once.
        const [x, y] = await Promise.all([upload(a, id, 77, k, false, rows), upload(b, id, 77, k, false, rows)]);
        expect([x.status, y.status]).toEqual([200, 200]);
        continue;
      }
      last = await upload(p, id, 77, k, k === batches, rows);
      expect(last.status, JSON.stringify(last.body)).toBe(200);
      if (k === 7) {
        // A client retry of batch 6 through the other process: not counted again.
        const again = await upload(a, id, 77, 6, false, batchRows('alt', 6, size));
        expect(again.status).toBe(200);
        expect(again.body.num_received).toBe(last.body.num_received);
      }
    }
    expect(last?.body.num_received).toBe(expected);
    const view = await settled(b, id);
    expect(view.rows).toBe(expected);
    expect(view.members).toBe(3);
    expect(view.matched_rows).toBe(3);
    const session = view.sessions.find((s: { session_id: string }) => s.session_id === '77');
    expect(session).toMatchObject({ num_received: String(expected), num_matched: '3', stage: 'finished' });
    // Both processes answer the same count to a Graph read.
    for (const p of [a, b]) {
      const r = await json(`${p.url}/v21.0/${id}?fields=approximate_count_lower_bound,operation_status&access_token=${DEMO.aliceToken}`);
      expect(r.body.operation_status.code).toBe(200);
    }
  });

  it('enforces through one process a rate limit reached through the other', async () => {
    await admin(a, '/_localgraph/ratelimits/usage', { method: 'DELETE' });
    const me = (p: ServeProcess) => json(`${p.url}/v21.0/me?fields=id&access_token=${DEMO.bobToken}`);
    expect((await me(b)).status).toBe(200);
    const usage = await admin(a, `/_localgraph/ratelimits/usage?app=${DEMO.appId}`);
    const budget = usage.body.apps[0].budget_calls_per_window as number;
    await admin(a, '/_localgraph/ratelimits/usage', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, percent: ((budget - 10) * 100) / budget }) });
    let ok = 0;
    let refused: { status: number; body: any } | undefined; // any: test reads
    for (let i = 0; i < 30 && !refused; i++) {
      const r = await me(i % 2 === 0 ? b : a);
      if (r.status === 200) ok++;
      else refused = r;
    }
    expect(ok).toBe(10);
    expect(refused?.body.error).toMatchObject({ code: 4 });
    expect((await me(b)).body.error).toMatchObject({ code: 4 });
    await admin(b, '/_localgraph/ratelimits/usage', { method: 'DELETE' });
    expect((await me(a)).status).toBe(200);
  });

  it('loses no acknowledged batch when one process is killed in the middle of an upload', async () => {
    const id = await createAudience(a);
    const size = 6000;
    const batches = 8;
    let expected = 0;
    const rowsOf = (k: number): string[][] => batchRows('kill', k, size);
    for (let k = 1; k <= 4; k++) {
      const rows = rowsOf(k);
      expected += rows.length;
      const r = await upload(k % 2 === 0 ? b : a, id, 88, k, false, rows);
      expect(r.status).toBe(200);
    }
    // Batch 5 is acknowledged by B, whose matcher was told at once and is now working on it;
    // batch 6 is still travelling to B when B dies.
    expected += rowsOf(5).length + rowsOf(6).length;
    expect((await upload(b, id, 88, 5, false, rowsOf(5))).status).toBe(200);
    const inFlight = upload(b, id, 88, 6, false, rowsOf(6)).then(
      (r) => r.status,
      () => 'no answer',
    );
    await b.kill();
    await inFlight;
    // Whatever B answered, a client sends an unanswered batch again; a batch B did store is not counted twice.
    expect((await upload(a, id, 88, 6, false, rowsOf(6))).status).toBe(200);
    for (let k = 7; k <= batches; k++) {
      const rows = rowsOf(k);
      expected += rows.length;
      expect((await upload(a, id, 88, k, k === batches, rows)).status).toBe(200);
    }
    // B may have died holding a claimed batch, which holds back the audience's later batches:
    // move the shared clock past the claim's staleness so A takes it over (rather than waiting
    // two minutes).
    const moved = await admin(a, '/_localgraph/clock', { method: 'POST', body: JSON.stringify({ advance_seconds: 180 }) });
    expect(moved.status).toBe(200);
    const view = await settled(a, id);
    expect(view.rows).toBe(expected);
    expect(view.members).toBe(3);
    const session = view.sessions.find((s: { session_id: string }) => s.session_id === '88');
    expect(session).toMatchObject({ num_received: String(expected), num_matched: '3', stage: 'finished' });
  });
});
