/**
 * The upload benchmark across backends, measured in one run on the same request bodies:
 *   1. one process on SQLite (the default, the baseline),
 *   2. one process on PostgreSQL (+ Redis for rate-limit counters),
 *   3. two processes on one PostgreSQL schema and one Redis, behind a round-robin balancer.
 * Each holds the same N people (half of the uploaded rows name one); M rows of schema
 * [EMAIL, PHONE, FN, LN] go up as 10,000-row requests of one session, `concurrency` in flight.
 * It reports rows/s acknowledged (answers received) and end to end (until the audience count is
 * final), beside the SQLite figure. Servers are real `localgraph serve` processes.
 *
 * Alone: `node --import tsx bench/scaling/multi-process-bench.ts [--people N] [--rows N] [--concurrency C]`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { personKeys } from '../../src/audiences/person-keys.js';
import { startServer } from '../../src/server/start.js';
import { insertKeySetsBulk, insertPeopleBulk, type SeedKeySet, type SeedPerson } from '../../src/storage/audiences-seed.js';
import type { AudienceTables } from '../../src/storage/audiences-schema.js';
import { PostgresAudienceRows } from '../../src/storage/postgres-audience-rows.js';
import { dropPostgresSchema, openPostgresStore } from '../../src/storage/postgres.js';
import { insertPeopleBulkPostgres } from '../../src/storage/postgres-seed.js';
import type { Database } from '../../src/storage/schema.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import { startRoundRobin, type RoundRobin } from './round-robin.js';
import { startServeProcess, type ServeProcess } from './spawn.js';
import { letters } from '../audiences/upload-bench.js';
import { formatTable, type BenchRow } from '../table.js';

export type { BenchRow };

export interface ScalingBenchOptions {
  people?: number;
  rows?: number;
  batchSize?: number;
  /** Requests in flight at once (the last batch of the session always goes alone, last). */
  concurrency?: number;
  databaseUrl?: string;
  redisUrl?: string;
  log?: (line: string) => void;
}

const ACT = 'act_1029384756';
const TOKEN = 'EAADemoAliceUserTokenForDemoApp0000000000000000000000000000';
const ADMIN = 'lgadmin_scaling_bench';
const hex = (s: string): string => crypto.hash('sha256', s, 'hex');

function identity(p: number): { email: string; phone: string; fn: string; ln: string } {
  return { email: `s${p}@example.com`, phone: String(15560000000 + p), fn: 'fn' + letters(p), ln: 'ln' + letters(p) };
}

/** Even rows name person j/2 (they match), odd rows nobody. */
function rowValues(j: number, people: number): string[] {
  const p = j % 2 === 0 ? (j / 2) % people : people + j;
  const id = identity(p);
  return [hex(id.email), hex(id.phone), hex(id.fn), hex(id.ln)];
}

function seedPeople(people: number): { persons: SeedPerson[]; sets: SeedKeySet[] } {
  const persons: SeedPerson[] = [];
  const sets: SeedKeySet[] = [];
  for (let p = 0; p < people; p++) {
    const id = identity(p);
    const person = { id: 's' + String(p).padStart(8, '0'), name: `${id.fn} ${id.ln}`, first_name: id.fn, last_name: id.ln, email: id.email, profile: { phone: '+' + id.phone, country: 'US' } };
    persons.push(person);
    const k = personKeys({ ...person, asids: [], externIds: [] });
    sets.push({ personId: person.id, keys: k.keys, attrs: k.attrs });
  }
  return { persons, sets };
}

async function seedSqlite(dir: string, seed: ReturnType<typeof seedPeople>): Promise<void> {
  // A real start-up creates the file, its tables and the demo world.
  const first = await startServer({ dataDir: dir, port: 0, demo: true, adminToken: ADMIN, rateLimits: false });
  await first.close();
  const { db, raw } = openSqlite(path.join(dir, 'localgraph.sqlite'));
  const now = Math.floor(Date.now() / 1000);
  insertPeopleBulk(raw, seed.persons, now);
  insertKeySetsBulk(raw, seed.sets, now);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  await db.destroy();
}

async function seedPostgres(url: string, schema: string, seed: ReturnType<typeof seedPeople>): Promise<void> {
  const first = await startServer({ databaseUrl: url, pgSchema: schema, port: 0, demo: true, adminToken: ADMIN, rateLimits: false });
  await first.close();
  const store = await openPostgresStore(url, schema);
  try {
    const now = Math.floor(Date.now() / 1000);
    await insertPeopleBulkPostgres(store.db, seed.persons, now);
    const rows = new PostgresAudienceRows(store.db as unknown as Kysely<Database & AudienceTables>);
    for (let i = 0; i < seed.sets.length; i += 20_000) await rows.replacePersonKeys(seed.sets.slice(i, i + 20_000), now);
  } finally {
    await store.close();
  }
}

function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}

async function json(res: Response): Promise<any> { // any: Graph answers read by shape
  return JSON.parse(await res.text()) as unknown;
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

interface RunResult {
  ackSeconds: number;
  finalSeconds: number;
  latencies: number[];
  count: number;
  /** The matchers' own time, summed over processes (ms): prepare rows, look people up, store. */
  matcher?: { prepare: number; match: number; apply: number; slices: number };
}

async function matcherTimings(procs: ServeProcess[]): Promise<RunResult['matcher']> {
  const sum = { prepare: 0, match: 0, apply: 0, slices: 0 };
  for (const p of procs) {
    const q = await json(await fetch(`${p.url}/_localgraph/audiences`, { headers: { authorization: `Bearer ${ADMIN}` } }));
    const t = q.queue?.matcher_ms as typeof sum | undefined;
    if (!t) return undefined;
    for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += t[k];
  }
  return sum;
}

/** One upload session through `url`: every batch but the last `concurrency` at a time, then the last. */
async function uploadSession(url: string, bodies: Buffer[], concurrency: number): Promise<RunResult> {
  const created = await json(
    await fetch(`${url}/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'scaling bench', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' }),
    }),
  );
  const id = created.id as string;
  if (!id) throw new Error(`could not create the audience: ${JSON.stringify(created)}`);
  const latencies: number[] = [];
  const send = async (b: Buffer): Promise<void> => {
    const s = performance.now();
    const res = await fetch(`${url}/v21.0/${id}/users?access_token=${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });
    const answer = await json(res);
    latencies.push(performance.now() - s);
    if (res.status !== 200) throw new Error(`upload failed: ${JSON.stringify(answer)}`);
  };
  const t0 = performance.now();
  let next = 0;
  const head = bodies.slice(0, -1);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < head.length) await send(head[next++]);
    }),
  );
  await send(bodies[bodies.length - 1]);
  const ackSeconds = (performance.now() - t0) / 1000;
  for (;;) {
    const a = await json(await fetch(`${url}/v21.0/${id}?fields=operation_status,approximate_count_lower_bound&access_token=${TOKEN}`));
    if (a.operation_status?.code === 200) return { ackSeconds, finalSeconds: (performance.now() - t0) / 1000, latencies, count: a.approximate_count_lower_bound as number };
    if (performance.now() - t0 > 900_000) throw new Error('matching did not finish in 15 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function runScalingBench(opts: ScalingBenchOptions = {}): Promise<BenchRow[]> {
  const people = opts.people ?? 100_000;
  const total = opts.rows ?? 200_000;
  const batch = opts.batchSize ?? 10_000;
  const concurrency = opts.concurrency ?? 2;
  const pgUrl = opts.databaseUrl ?? process.env.LOCALGRAPH_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = opts.redisUrl ?? process.env.LOCALGRAPH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const tag = `${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const schemas = [`lgbench1_${tag}`, `lgbench2_${tag}`];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-scaling-bench-'));
  const procs: ServeProcess[] = [];
  let balancer: RoundRobin | undefined;
  const stopAll = async (): Promise<void> => {
    await balancer?.close();
    balancer = undefined;
    for (const p of procs.splice(0)) await p.stop();
  };
  try {
    log(`scaling bench: ${people.toLocaleString('en-US')} people, ${total.toLocaleString('en-US')} rows in ${Math.ceil(total / batch)} requests, ${concurrency} in flight`);
    const seed = seedPeople(people);
    const bodies: Buffer[] = [];
    for (let lo = 0, seq = 1; lo < total; lo += batch, seq++) {
      const rows: string[][] = [];
      for (let j = lo; j < Math.min(total, lo + batch); j++) rows.push(rowValues(j, people));
      const session = { session_id: 515151, batch_seq: seq, last_batch_flag: lo + batch >= total, estimated_num_total: total };
      bodies.push(Buffer.from(JSON.stringify({ payload: { schema: ['EMAIL', 'PHONE', 'FN', 'LN'], data: rows }, session })));
    }
    const serveArgs = ['--match-delay', '0', '--no-rate-limits'];
    const env = { LOCALGRAPH_ADMIN_TOKEN: ADMIN };
    const results: Array<{ label: string; r: RunResult }> = [];

    await seedSqlite(dir, seed);
    procs.push(await startServeProcess({ dataDir: dir, args: serveArgs, env }));
    log('SQLite, one process…');
    results.push({ label: 'SQLite, 1 process', r: { ...(await uploadSession(procs[0].url, bodies, concurrency)), matcher: await matcherTimings(procs) } });
    await stopAll();

    await seedPostgres(pgUrl, schemas[0], seed);
    procs.push(await startServeProcess({ databaseUrl: withSchema(pgUrl, schemas[0]), redisUrl, args: serveArgs, env }));
    log('PostgreSQL, one process…');
    results.push({ label: 'PostgreSQL, 1 process', r: { ...(await uploadSession(procs[0].url, bodies, concurrency)), matcher: await matcherTimings(procs) } });
    await stopAll();

    await seedPostgres(pgUrl, schemas[1], seed);
    procs.push(
      ...(await Promise.all([0, 1].map(() => startServeProcess({ databaseUrl: withSchema(pgUrl, schemas[1]), redisUrl, args: serveArgs, env })))),
    );
    balancer = await startRoundRobin(procs.map((p) => p.url));
    log('PostgreSQL, two processes behind a round-robin…');
    results.push({
      label: 'PostgreSQL, 2 processes + round-robin',
      r: { ...(await uploadSession(balancer.url, bodies, concurrency)), matcher: await matcherTimings(procs) },
    });
    await stopAll();

    const expected = results[0].r.count;
    const base = results[0].r;
    const out: BenchRow[] = [];
    for (const { label, r } of results) {
      if (r.count !== expected) throw new Error(`${label} counted ${r.count}, SQLite ${expected}`);
      out.push(
        { name: `${label}: acknowledged`, value: total / r.ackSeconds, unit: 'rows/s', note: `${((base.ackSeconds / r.ackSeconds) * 100).toFixed(0)} % of SQLite; p50 request ${percentile(r.latencies, 0.5).toFixed(0)} ms` },
        { name: `${label}: count final`, value: total / r.finalSeconds, unit: 'rows/s', note: `${r.finalSeconds.toFixed(1)} s end to end, ${((base.finalSeconds / r.finalSeconds) * 100).toFixed(0)} % of SQLite` },
      );
      if (r.matcher) {
        const m = r.matcher;
        out.push({
          name: `${label}: matcher time`,
          value: (m.prepare + m.match + m.apply) / 1000,
          unit: 's',
          note: `prepare ${(m.prepare / 1000).toFixed(1)} s, look up ${(m.match / 1000).toFixed(1)} s, store ${(m.apply / 1000).toFixed(1)} s, ${m.slices} slices`,
        });
      }
    }
    out.push({ name: 'machine', value: os.cpus().length, unit: 'cores', note: `servers, PostgreSQL, Redis and the client share them; count ${expected.toLocaleString('en-US')} on every backend` });
    return out;
  } finally {
    await stopAll();
    for (const s of schemas) await dropPostgresSchema(pgUrl, s).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const rows = await runScalingBench({ people: arg('--people'), rows: arg('--rows'), concurrency: arg('--concurrency') });
  process.stdout.write(formatTable(rows) + '\n');
}
