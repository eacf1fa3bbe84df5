/**
 * The upload benchmark (issue 5): a server on the embedded SQLite default holding N people
 * (1,000,000), of whom half are named by the upload; one audience; M rows (1,000,000) of schema
 * [EMAIL, PHONE, FN, LN] as SHA-256 hex, 5 % invalid, sent as requests of 10,000 rows in one
 * session over HTTP; then 100,000 rows removed. It reports the acknowledged rows/s, request
 * latencies, the time until the audience count is final, the server's peak RSS, and — measured in
 * the same run on the same bodies — the in-process baseline: parse each body and validate every
 * hash, no HTTP, no storage. The ratio end-to-end / baseline is the figure we track.
 *
 * Alone: `node --import tsx bench/audiences/upload-bench.ts [--people N] [--rows N] [--profile]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parsePayload } from '../../src/audiences/payload.js';
import { keyDerivationVersion, KEY_VERSION_META } from '../../src/audiences/key-version.js';
import { personKeys } from '../../src/audiences/person-keys.js';
import { startServer } from '../../src/server/start.js';
import { insertKeySetsBulk, insertPeopleBulk, type SeedKeySet, type SeedPerson } from '../../src/storage/audiences-seed.js';
import { bindSqliteRaw } from '../../src/storage/audiences.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import { Store } from '../../src/storage/store.js';
import { summariseProfile } from './profile-summary.js';
import { formatTable, type BenchRow } from '../table.js';
import { peakRssMiB } from '../proc-status.js';

export type { BenchRow };

export interface AudienceBenchOptions {
  people?: number;
  rows?: number;
  batchSize?: number;
  removeRows?: number;
  /** Write a CPU profile of the server and summarise it (docs/performance.md). */
  profile?: boolean;
  /** The server's matchDelayMs (default: its own default); large values isolate the request path. */
  matchDelayMs?: number;
  /** Stop after the upload (no waiting for matching, no removal): for profiling the request path. */
  uploadOnly?: boolean;
  log?: (line: string) => void;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const ACT = 'act_1029384756';
const TOKEN = 'EAADemoAliceUserTokenForDemoApp0000000000000000000000000000';
const hex = (s: string): string => crypto.hash('sha256', s, 'hex');

/** `p` in base 26, so names are letters only (normalisation keeps them as they are). */
export function letters(p: number): string {
  let s = '';
  let n = p;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

function identity(p: number): { email: string; phone: string; fn: string; ln: string } {
  return { email: `u${p}@example.com`, phone: String(15550000000 + p), fn: 'fn' + letters(p), ln: 'ln' + letters(p) };
}

/** Row j: even rows name person j/2 (they match), odd rows nobody; every 20th row (j ≡ 7) has a raw email. */
function rowValues(j: number, people: number): string[] {
  const p = j % 2 === 0 ? j / 2 : people + j;
  const id = identity(p);
  return [j % 20 === 7 ? id.email : hex(id.email), hex(id.phone), hex(id.fn), hex(id.ln)];
}

function body(rows: string[][], session: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ payload: { schema: ['EMAIL', 'PHONE', 'FN', 'LN'], data: rows }, session }));
}

async function seed(dir: string, people: number, log: (s: string) => void): Promise<number> {
  const t0 = performance.now();
  // A real start-up creates the file, its tables and the demo world (every domain's sections).
  const first = await startServer({ dataDir: dir, port: 0, demo: true, logRequests: false });
  await first.close();
  const { db, raw } = openSqlite(path.join(dir, 'localgraph.sqlite'));
  bindSqliteRaw(db, raw);
  // Seeding is not measured; a large cache keeps its random key inserts fast (the server's is 16 MiB).
  raw.pragma('cache_size = -262144');
  const store = new Store(db, 'sqlite', () => db.destroy());
  const now = Math.floor(Date.now() / 1000);
  // Every person's keys are written here, the demo people's included, the way the server computes them.
  raw.exec('DELETE FROM person_keys; DELETE FROM person_key_sets;');
  const sets: SeedKeySet[] = [];
  for (const p of await store.world.listPeople()) {
    const asids = (await store.world.listAppUsersOfPerson(p.id)).map((u) => u.asid);
    const k = personKeys({ id: p.id, email: p.email, first_name: p.first_name, last_name: p.last_name, profile: JSON.parse(p.profile) as Record<string, unknown>, asids, externIds: [] });
    sets.push({ personId: p.id, keys: k.keys, attrs: k.attrs });
  }
  const CHUNK = 100_000;
  for (let lo = 0; lo < people; lo += CHUNK) {
    const chunk: SeedPerson[] = [];
    for (let p = lo; p < Math.min(people, lo + CHUNK); p++) {
      const id = identity(p);
      const person = { id: 'p' + String(p).padStart(8, '0'), name: `${id.fn} ${id.ln}`, first_name: id.fn, last_name: id.ln, email: id.email, profile: { phone: '+' + id.phone, country: 'US' } };
      chunk.push(person);
      const k = personKeys({ ...person, asids: [], externIds: [] });
      sets.push({ personId: person.id, keys: k.keys, attrs: k.attrs });
    }
    insertPeopleBulk(raw, chunk, now);
    log(`seeded ${Math.min(people, lo + CHUNK).toLocaleString('en-US')} people`);
  }
  insertKeySetsBulk(raw, sets, now);
  // The keys were built by this code's rules: stamp them so the server does not rebuild a million at start.
  await store.world.setMeta(KEY_VERSION_META, keyDerivationVersion());
  raw.pragma('wal_checkpoint(TRUNCATE)');
  await store.close();
  return (performance.now() - t0) / 1000;
}

/**
 * Seeding a million people takes most of a minute and is not what is measured, so a seeded file is
 * kept under LOCALGRAPH_BENCH_SEED_CACHE (when set) and copied for the next run. Its name carries
 * a hash of the migrations and of the code that computes people's keys, so a schema or key change
 * seeds afresh.
 */
async function seedOrReuse(dir: string, people: number, log: (s: string) => void): Promise<number> {
  const cacheDir = process.env.LOCALGRAPH_BENCH_SEED_CACHE;
  if (!cacheDir) return seed(dir, people, log);
  const h = crypto.createHash('sha256');
  const migrations = path.join(ROOT, 'src', 'storage', 'migrations');
  for (const f of fs.readdirSync(migrations).sort()) h.update(fs.readFileSync(path.join(migrations, f)));
  // The rules themselves live in src/client/normalize/ (the server uses the uploader's).
  const rules = path.join(ROOT, 'src', 'client', 'normalize');
  const sources = [
    'src/audiences/person-keys.ts', 'src/audiences/normalize.ts', 'src/audiences/key-version.ts', 'src/storage/audiences-seed.ts', 'src/fixtures/demo.json',
    ...fs.readdirSync(rules).sort().map((f) => path.join('src', 'client', 'normalize', f)),
  ];
  for (const f of sources) h.update(fs.readFileSync(path.join(ROOT, f)));
  const cached = path.join(cacheDir, `people-${people}-${h.digest('hex').slice(0, 16)}.sqlite`);
  const target = path.join(dir, 'localgraph.sqlite');
  if (!fs.existsSync(cached)) {
    const seconds = await seed(dir, people, log);
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.copyFileSync(target, cached + '.tmp');
    fs.renameSync(cached + '.tmp', cached);
    return seconds;
  }
  const t0 = performance.now();
  fs.copyFileSync(cached, target);
  log(`seed copied from ${cached}`);
  return (performance.now() - t0) / 1000;
}

async function startChild(dir: string, adminToken: string, profileDir: string | undefined, matchDelayMs: number | undefined): Promise<{ child: ChildProcess; url: string; pid: number }> {
  const args = [
    '--import',
    'tsx',
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    path.join(HERE, 'server-child.ts'),
    dir,
    adminToken,
    ...(matchDelayMs !== undefined ? [String(matchDelayMs)] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { url, pid } = JSON.parse(first) as { url: string; pid: number };
  return { child, url, pid };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function json(res: Response): Promise<any> { // any: Graph answers read by shape
  const text = await res.text();
  return JSON.parse(text) as unknown;
}

/** The baseline's unit of work, in this process: parse one body and validate (and decode) every hash. */
function baselineMs(b: Buffer): number {
  const t0 = performance.now();
  const valid = parsePayload((JSON.parse(b.toString('utf8')) as { payload: unknown }).payload).validRows;
  if (valid === 0) throw new Error('baseline parsed nothing');
  return performance.now() - t0;
}

interface SendOptions {
  /** The server's pid: its RSS is read from /proc as the requests go. */
  pid?: number;
  /** Requests in flight (the last body, which closes the session, goes after all others, as the uploader sends it). */
  inFlight?: number;
}

async function sendAll(
  url: string,
  audienceId: string,
  bodies: Buffer[],
  method: 'POST' | 'DELETE',
  opts: SendOptions = {},
): Promise<{ seconds: number; latencies: number[]; received: number; invalid: number; peakRss: number }> {
  const latencies: number[] = [];
  let received = 0;
  let invalid = 0;
  let peakRss = 0;
  const send = async (b: Buffer): Promise<void> => {
    // The server's resident memory as the requests arrive (a /proc read, nothing sent to it).
    if (opts.pid) peakRss = Math.max(peakRss, Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${opts.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
    const s = performance.now();
    const res = await fetch(`${url}/v21.0/${audienceId}/users?access_token=${TOKEN}`, { method, headers: { 'content-type': 'application/json' }, body: b });
    const answer = await json(res);
    latencies.push(performance.now() - s);
    if (res.status !== 200) throw new Error(`upload failed: ${JSON.stringify(answer)}`);
    // Session totals: the largest answer is the last one counted.
    received = Math.max(received, answer.num_received as number);
    invalid = Math.max(invalid, answer.num_invalid_entries as number);
  };
  const t0 = performance.now();
  const inFlight = opts.inFlight ?? 1;
  if (inFlight === 1) {
    for (const b of bodies) await send(b);
  } else {
    const head = bodies.slice(0, -1);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < head.length) await send(head[next++]!);
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
    await send(bodies[bodies.length - 1]!);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, latencies, received, invalid, peakRss };
}

/** The server's memory at its largest RSS seen while polling (what fills the peak). */
let memoryAtPeak: Record<string, number> | undefined;
async function sampleMemory(url: string, adminToken: string, pid?: number): Promise<void> {
  const m = (await json(await fetch(`${url}/_localgraph/audiences/matcher`, { headers: { authorization: `Bearer ${adminToken}` } }))).memory as Record<string, number>;
  if (pid) {
    // Anonymous (heap, malloc, SQLite's cache) against file-backed (code, mapped libraries).
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    m.rssAnon = Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    m.rssFile = Number(/RssFile:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  }
  if (!memoryAtPeak || m.rss > memoryAtPeak.rss) memoryAtPeak = m;
}

/** Polls until matching is done; returns seconds waited and the final count. */
async function untilFinal(url: string, audienceId: string, adminToken?: string, pid?: number): Promise<{ seconds: number; count: number }> {
  const t0 = performance.now();
  for (;;) {
    if (adminToken) await sampleMemory(url, adminToken, pid);
    const a = await json(await fetch(`${url}/v21.0/${audienceId}?fields=operation_status,approximate_count_lower_bound&access_token=${TOKEN}`));
    if (a.operation_status?.code === 200) return { seconds: (performance.now() - t0) / 1000, count: a.approximate_count_lower_bound as number };
    if (performance.now() - t0 > 600_000) throw new Error('matching did not finish in 10 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The same upload with two requests in flight, as the uploader sends them (the closing batch last),
 * to a fresh server on a fresh copy of the seeded store: what the server takes when a client keeps it
 * busy, rather than waiting for each answer.
 */
async function twoInFlight(dir: string, adminToken: string, bodies: Buffer[], rows: number, matchDelayMs: number | undefined, baseRate: number, log: (s: string) => void): Promise<BenchRow[]> {
  const { child, url, pid } = await startChild(dir, adminToken, undefined, matchDelayMs);
  try {
    const created = await json(
      await fetch(`${url}/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
        method: 'POST',
        body: new URLSearchParams({ name: 'bench 2', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' }),
      }),
    );
    const up = await sendAll(url, created.id as string, bodies, 'POST', { pid, inFlight: 2 });
    if (up.received !== rows) throw new Error(`two in flight: the server acknowledged ${up.received} of ${rows} rows`);
    log(`two in flight: uploaded in ${up.seconds.toFixed(2)} s`);
    const rate = rows / up.seconds;
    return [
      { name: 'upload acknowledged, 2 in flight', value: rate, unit: 'rows/s', note: `fresh server and store, the uploader's concurrency, ${up.seconds.toFixed(2)} s; ${((rate / baseRate) * 100).toFixed(1)} % of the baseline` },
      { name: 'upload request p50, 2 in flight', value: percentile(up.latencies, 0.5), unit: 'ms' },
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

export async function runAudienceBench(opts: AudienceBenchOptions = {}): Promise<BenchRow[]> {
  const people = opts.people ?? 1_000_000;
  const total = opts.rows ?? 1_000_000;
  const batch = opts.batchSize ?? 10_000;
  const removeRows = opts.removeRows ?? Math.floor(total / 10);
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-bench-'));
  const profileDir = opts.profile ? path.join(dir, 'profile') : undefined;
  const out: BenchRow[] = [];
  let child: ChildProcess | undefined;
  try {
    const seedSeconds = await seedOrReuse(dir, people, log);
    log(`seeded in ${seedSeconds.toFixed(1)} s; building ${total / batch} bodies`);
    const sessionId = 424242;
    const bodies: Buffer[] = [];
    for (let lo = 0, seq = 1; lo < total; lo += batch, seq++) {
      const rows: string[][] = [];
      for (let j = lo; j < Math.min(total, lo + batch); j++) rows.push(rowValues(j, people));
      bodies.push(body(rows, { session_id: sessionId, batch_seq: seq, last_batch_flag: lo + batch >= total, estimated_num_total: total }));
    }
    // Removal: every 10th row (all of them name a person), 10,000 per request.
    const removal: Buffer[] = [];
    const removed: string[][] = [];
    for (let j = 0; removed.length < removeRows && j < total; j += 10) removed.push(rowValues(j, people));
    for (let i = 0; i < removed.length; i += batch) removal.push(body(removed.slice(i, i + batch), { session_id: sessionId + 1, batch_seq: i / batch + 1, last_batch_flag: i + batch >= removed.length }));

    // A second copy of the seeded store, for the upload with two requests in flight (after the rest).
    const concurrentDir = path.join(dir, 'two-in-flight');
    fs.mkdirSync(concurrentDir);
    fs.copyFileSync(path.join(dir, 'localgraph.sqlite'), path.join(concurrentDir, 'localgraph.sqlite'));

    // The baseline: the same bodies, all of them, parsed and validated here; best of three rounds.
    let bestOf3 = Infinity;
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      for (const b of bodies) baselineMs(b);
      bestOf3 = Math.min(bestOf3, (performance.now() - t0) / 1000);
    }

    const adminToken = 'bench-admin-' + crypto.randomBytes(6).toString('hex');
    const started = await startChild(dir, adminToken, profileDir, opts.matchDelayMs);
    child = started.child;
    const { url, pid } = started;
    const created = await json(
      await fetch(`${url}/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
        method: 'POST',
        body: new URLSearchParams({ name: 'bench', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' }),
      }),
    );
    const audienceId = created.id as string;
    log(`server ${url} (pid ${pid}); uploading ${total.toLocaleString('en-US')} rows`);
    const up = await sendAll(url, audienceId, bodies, 'POST', { pid });
    log(`uploaded in ${up.seconds.toFixed(2)} s; waiting for the count`);
    const rate = total / up.seconds;
    const baseRate = total / bestOf3;
    const uploadRows: BenchRow[] = [
      { name: 'upload acknowledged', value: rate, unit: 'rows/s', note: `${bodies.length} requests of ${batch.toLocaleString('en-US')}, one at a time, ${up.seconds.toFixed(2)} s` },
      { name: 'baseline parse+validate (in process)', value: baseRate, unit: 'rows/s', note: `${bestOf3.toFixed(2)} s for the same bodies, best of 3, before the upload` },
      { name: 'upload / baseline', value: (rate / baseRate) * 100, unit: '%', note: 'target ≥ 40 %' },
      { name: 'upload request p50', value: percentile(up.latencies, 0.5), unit: 'ms' },
      { name: 'upload request p99', value: percentile(up.latencies, 0.99), unit: 'ms' },
    ];
    if (opts.uploadOnly) {
      out.push(...uploadRows, { name: 'server peak RSS', value: peakRssMiB(pid), unit: 'MiB' });
      child.kill('SIGTERM');
      await new Promise((r) => child?.once('exit', r));
      child = undefined;
      if (profileDir) {
        const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
        if (file) log(summariseProfile(path.join(profileDir, file), 40));
      }
      out.push(...(await twoInFlight(concurrentDir, adminToken, bodies, total, opts.matchDelayMs, baseRate, log)));
      return out;
    }
    const upFinal = await untilFinal(url, audienceId, adminToken, pid);
    log(`count final after ${upFinal.seconds.toFixed(2)} s: ${upFinal.count.toLocaleString('en-US')}; removing ${removed.length.toLocaleString('en-US')} rows`);
    const rm = await sendAll(url, audienceId, removal, 'DELETE');
    const rmFinal = await untilFinal(url, audienceId, adminToken, pid);
    const rss = peakRssMiB(pid);
    const matcher = await json(await fetch(`${url}/_localgraph/audiences/matcher`, { headers: { authorization: `Bearer ${adminToken}` } }));
    const t = matcher.matcher_ms as { prepare: number; match: number; apply: number; slices: number };

    out.push(
      ...uploadRows,
      { name: 'count final after last batch', value: upFinal.seconds, unit: 's', note: `target ≤ 30 s; count ${upFinal.count.toLocaleString('en-US')} (${up.received.toLocaleString('en-US')} received, ${up.invalid.toLocaleString('en-US')} invalid)` },
      { name: 'removal acknowledged', value: removed.length / rm.seconds, unit: 'rows/s', note: `${removal.length} requests, ${rm.seconds.toFixed(2)} s` },
      { name: 'removal request p50', value: percentile(rm.latencies, 0.5), unit: 'ms' },
      { name: 'count final after removal', value: rmFinal.seconds, unit: 's', note: `count ${rmFinal.count.toLocaleString('en-US')}` },
      { name: 'server peak RSS', value: rss, unit: 'MiB', note: 'target < 512 MiB' },
      { name: 'largest RSS seen while uploading', value: up.peakRss, unit: 'MiB' },
      {
        name: 'largest RSS seen while matching',
        value: (memoryAtPeak?.rss ?? 0) / 2 ** 20,
        unit: 'MiB',
        note: memoryAtPeak
          ? `JS heap ${(memoryAtPeak.heapTotal / 2 ** 20).toFixed(0)} MiB, external ${(memoryAtPeak.external / 2 ** 20).toFixed(0)} MiB, anonymous ${(memoryAtPeak.rssAnon / 2 ** 20).toFixed(0)} MiB, file-backed ${(memoryAtPeak.rssFile / 2 ** 20).toFixed(0)} MiB`
          : '',
      },
      { name: 'matcher: prepare rows', value: t.prepare / 1000, unit: 's', note: `${t.slices} slices, upload and removal` },
      { name: 'matcher: look people up', value: t.match / 1000, unit: 's' },
      { name: 'matcher: store (transactions)', value: t.apply / 1000, unit: 's' },
      { name: 'seeding (not timed above)', value: seedSeconds, unit: 's', note: `${people.toLocaleString('en-US')} people and their keys` },
    );
    child.kill('SIGTERM');
    await new Promise((r) => child?.once('exit', r));
    child = undefined;
    if (profileDir) {
      const file = fs.readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) log(summariseProfile(path.join(profileDir, file), 30));
    }
    out.push(...(await twoInFlight(concurrentDir, adminToken, bodies, total, opts.matchDelayMs, baseRate, log)));
    return out;
  } finally {
    if (child) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}


if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string): number | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const rows = await runAudienceBench({
    people: arg('--people'),
    rows: arg('--rows'),
    removeRows: arg('--remove'),
    matchDelayMs: arg('--match-delay'),
    uploadOnly: process.argv.includes('--upload-only'),
    profile: process.argv.includes('--profile'),
  });
  process.stdout.write(formatTable(rows) + '\n');
}
