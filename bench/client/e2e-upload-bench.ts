/**
 * End-to-end upload benchmark: a seeded customer CSV (email, phone, first and last name, zip,
 * country) goes through the uploader (`uploadRows` + `graphTransport`, as the CLI runs it) to a
 * localgraph server started as `localgraph serve` in a child process (SQLite in a temp dir, the
 * demo world, rate limits off). Measured in the same run, so the ratios say which side limits:
 *
 * - end-to-end: file → every batch acknowledged by the server (client in a child process of its
 *   own, so its peak RSS and CPU are its own);
 * - client only: the same child, the server replaced by a null transport (the client's ceiling);
 * - server only: the very bodies the client builds, captured beforehand, POSTed from memory with
 *   the uploader's concurrency and session rules (the server's ceiling).
 *
 * Each upload gets a fresh server and data folder, so no phase pays for another's stored rows or
 * background matching. The CPU time of server and client during the end-to-end phase is read from
 * /proc: a side near 100 % of a core while the other idles is the limit. The uploader also records
 * which side set the pace (`UploadResult.sending`): the share of its sending time with every batch
 * slot at the server, near 100 % when the server is the limit (client.e2e.server_bound).
 *
 *   node --import tsx bench/client/e2e-upload-bench.ts [rows] [--rounds N] [--match-delay MS]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import readline from 'node:readline';
import { request } from 'undici';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GraphClient } from '../../src/client/graph/graph-client.js';
import type { AudienceUsersResponse } from '../../src/client/graph/wire-types.js';
import { openRowSource } from '../../src/client/input/row-source.js';
import { parseMapping } from '../../src/client/input/column-mapping.js';
import { graphTransport, type AudienceTransport } from '../../src/client/upload/transport.js';
import { uploadRows } from '../../src/client/upload/uploader.js';
import { writeBenchCsv } from './bench-data.js';
import { peakRssMiB } from '../proc-status.js';
import { formatTable, type BenchRow } from '../table.js';

export type BenchResult = BenchRow;

export interface ClientE2eBenchOptions {
  /** Default LOCALGRAPH_CLIENT_E2E_ROWS or 1,000,000. */
  rows?: number;
  /** Interleaved rounds of the three phases; default 2. */
  rounds?: number;
  /** The server's `--match-delay` (ms); default its own (1 s), so matching overlaps the upload as it would for a user. */
  matchDelayMs?: number;
  log?: (line: string) => void;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const ACT = 'act_1029384756';
const TOKEN = 'EAADemoAliceUserTokenForDemoApp0000000000000000000000000000';
const VERSION = 'v21.0';
/** The uploader's defaults, used by the server-only sender too. */
const CONCURRENCY = 2;
const SESSION_ID = 7_000_001;
/** The mapping of the brief, as `--map` would give it. */
const MAP = 'email=EMAIL,phone=PHONE,first_name=FN,last_name=LN,zip=ZIP,country=COUNTRY';

/** What the client child reports (one JSON line on stdout). */
interface ClientReport {
  readonly rowsRead: number;
  readonly rowsSent: number;
  readonly rowsRejected: number;
  readonly serverReceived: number;
  readonly batches: number;
  readonly ms: number;
  readonly cpuMs: number;
  readonly peakRssMb: number;
  /** UploadResult.sending: from the first batch sent to the last answer, and the part with every slot at the server. */
  readonly sendingMs: number;
  readonly slotsFullMs: number;
}

interface ClientJob {
  readonly csv: string;
  /** Absent: null transport. */
  readonly server?: { readonly url: string; readonly audienceId: string };
}

export async function runClientE2eBench(opts: ClientE2eBenchOptions = {}): Promise<BenchResult[]> {
  const rows = opts.rows ?? Number(process.env.LOCALGRAPH_CLIENT_E2E_ROWS ?? 1_000_000);
  if (!Number.isInteger(rows) || rows < 1000) throw new RangeError('the end-to-end bench needs at least 1,000 rows');
  const roundsWanted = opts.rounds ?? 2;
  const log = opts.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const dir = await mkdtemp(join(tmpdir(), 'localgraph-client-e2e-'));
  const csv = join(dir, 'customers.csv');
  const servers: ChildProcess[] = [];
  const serve = async (name: string): Promise<{ child: ChildProcess; url: string; pid: number; audienceId: string }> => {
    const s = await startServerChild(join(dir, name), opts.matchDelayMs);
    servers.push(s.child);
    return { ...s, audienceId: await createAudience(s.url, `bench ${name}`) };
  };
  try {
    await writeBenchCsv(csv, rows);
    const bytes = (await stat(csv)).size;
    log(`e2e: ${rows.toLocaleString('en-US')} rows, ${(bytes / 1e6).toFixed(1)} MB; capturing the request bodies`);
    const bodies = await captureBodies(csv);

    // The machine is shared: rounds interleave the three phases so a burst of load hits them alike;
    // ratios are taken within a round.
    const rounds: Round[] = [];
    for (let r = 1; r <= roundsWanted; r++) {
      // Server only: the captured bodies, POSTed from memory, to a fresh server.
      const s1 = await serve(`server-only-${r}`);
      log(`e2e round ${r}: server only (${bodies.length} requests)`);
      const cpu1 = cpuMsOf(s1.pid);
      const serverOnly = await postAll(s1.url, s1.audienceId, bodies);
      const serverOnlyCpuMs = cpuMsOf(s1.pid) - cpu1;
      await stopServer(s1.child);

      // Client only: the uploader with a null transport, in a child of its own.
      log(`e2e round ${r}: client only (null transport)`);
      const clientOnly = await runClientChild({ csv });

      // End to end, to a fresh server.
      const s2 = await serve(`end-to-end-${r}`);
      log(`e2e round ${r}: end to end`);
      const cpu2 = cpuMsOf(s2.pid);
      const e2e = await runClientChild({ csv, server: { url: s2.url, audienceId: s2.audienceId } });
      const e2eServerCpuMs = cpuMsOf(s2.pid) - cpu2;
      await stopServer(s2.child);

      if (e2e.rowsSent !== clientOnly.rowsSent || e2e.rowsSent !== serverOnly.rows) {
        throw new Error(`phases sent different rows: e2e ${e2e.rowsSent}, client only ${clientOnly.rowsSent}, server only ${serverOnly.rows}`);
      }
      if (e2e.serverReceived !== e2e.rowsSent) throw new Error(`the server acknowledged ${e2e.serverReceived} of ${e2e.rowsSent} rows`);
      rounds.push({ serverOnly, serverOnlyCpuMs, clientOnly, e2e, e2eServerCpuMs });
      log(`e2e round ${r}: e2e ${Math.round(rateOf(e2e.rowsRead, e2e.ms))}, client only ${Math.round(rateOf(clientOnly.rowsRead, clientOnly.ms))}, server only ${Math.round(rateOf(serverOnly.rows, serverOnly.ms))} rows/s`);
    }

    // Report the round with the fastest end-to-end upload (the least disturbed by other load).
    const best = rounds.reduce((a, b) => (b.e2e.ms < a.e2e.ms ? b : a));
    const { serverOnly, serverOnlyCpuMs, clientOnly, e2e, e2eServerCpuMs } = best;
    const e2eRate = rateOf(e2e.rowsRead, e2e.ms);
    const clientRate = rateOf(clientOnly.rowsRead, clientOnly.ms);
    const serverRate = rateOf(serverOnly.rows, serverOnly.ms);
    const perRound = (f: (r: Round) => number): string => rounds.map((r) => `${pct(f(r), 1)} %`).join(', ');
    const vsServer = (r: Round): number => rateOf(r.e2e.rowsRead, r.e2e.ms) / rateOf(r.serverOnly.rows, r.serverOnly.ms);
    const vsClient = (r: Round): number => rateOf(r.e2e.rowsRead, r.e2e.ms) / rateOf(r.clientOnly.rowsRead, r.clientOnly.ms);
    const maxRss = Math.max(...rounds.map((r) => r.e2e.peakRssMb));
    const delay = opts.matchDelayMs === undefined ? 'default match delay (1 s): matching runs during the upload' : `match delay ${opts.matchDelayMs} ms`;
    return [
      { name: 'client.e2e.input', value: round(bytes / 1e6, 1), unit: 'MB', note: `${rows.toLocaleString('en-US')} rows × 6 columns, seeded; ${e2e.rowsRejected} rejected` },
      {
        name: 'client.e2e.upload',
        value: Math.round(e2eRate),
        unit: 'rows/s',
        note: `file → all ${e2e.batches} batches acknowledged by localgraph serve (SQLite, child process; ${delay}), ${(e2e.ms / 1000).toFixed(1)} s; uploadRows + graphTransport, concurrency ${CONCURRENCY}; best of ${rounds.length} rounds`,
      },
      { name: 'client.e2e.client_only', value: Math.round(clientRate), unit: 'rows/s', note: `same round, same child, null transport (the client's ceiling), ${(clientOnly.ms / 1000).toFixed(1)} s` },
      {
        name: 'client.e2e.server_only',
        value: Math.round(serverRate),
        unit: 'rows/s',
        note: `same round, the same ${serverOnly.requests} bodies pre-built and POSTed from memory, concurrency ${CONCURRENCY}, fresh server, ${(serverOnly.ms / 1000).toFixed(1)} s`,
      },
      { name: 'client.e2e.vs_server_only', value: pct(vsServer(best), 1), unit: '%', note: `end-to-end ÷ server only, same round (rounds: ${perRound(vsServer)}); on two shared cores the client's own CPU (client_cpu) is taken from the server's` },
      {
        name: 'client.e2e.server_bound',
        value: pct(e2e.slotsFullMs, e2e.sendingMs),
        unit: '%',
        note: `of the end-to-end sending time, both batches in flight were at the server, the next one waiting on it (rounds: ${rounds.map((r) => `${pct(r.e2e.slotsFullMs, r.e2e.sendingMs)} %`).join(', ')}); ≈ 100 % = the server set the pace (batch 1 and the last go alone: ≈ 2 of ${e2e.batches} batches)`,
      },
      { name: 'client.e2e.vs_client_only', value: pct(vsClient(best), 1), unit: '%', note: `end-to-end ÷ client only, same round (rounds: ${perRound(vsClient)})` },
      { name: 'client.e2e.server_cpu', value: pct(e2eServerCpuMs, e2e.ms), unit: '% of a core', note: `server process during the end-to-end upload, all threads (server only: ${pct(serverOnlyCpuMs, serverOnly.ms)} %)` },
      { name: 'client.e2e.client_cpu', value: pct(e2e.cpuMs, e2e.ms), unit: '% of a core', note: `client process during the end-to-end upload (null transport: ${pct(clientOnly.cpuMs, clientOnly.ms)} %)` },
      {
        name: 'client.e2e.client_cpu_per_row',
        value: round(us(e2e.cpuMs, e2e.rowsRead), 2),
        unit: 'CPU µs/row',
        note: `client during the end-to-end upload (null transport: ${round(us(clientOnly.cpuMs, clientOnly.rowsRead), 2)}); less load-sensitive than rows/s (rounds: ${rounds.map((r) => round(us(r.e2e.cpuMs, r.e2e.rowsRead), 2)).join(', ')})`,
      },
      {
        name: 'client.e2e.server_cpu_per_row',
        value: round(us(e2eServerCpuMs, e2e.rowsRead), 2),
        unit: 'CPU µs/row',
        note: `server during the end-to-end upload (server only: ${round(us(serverOnlyCpuMs, serverOnly.rows), 2)}; rounds: ${rounds.map((r) => round(us(r.e2eServerCpuMs, r.e2e.rowsRead), 2)).join(', ')}); the larger of the two is the side that limits on a shared machine`,
      },
      { name: 'client.e2e.client_peak_rss', value: round(maxRss, 1), unit: 'MB', note: `client process, end-to-end, largest of the rounds (null transport: ${round(clientOnly.peakRssMb, 1)} MB); input streamed` },
      { name: 'client.e2e.load_average', value: round(loadavg()[0] ?? 0, 1), unit: '', note: `1-min load on ${cpus().length} CPUs at the end (other processes share the machine)` },
    ];
  } finally {
    for (const child of servers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

interface Round {
  readonly serverOnly: { rows: number; requests: number; ms: number };
  readonly serverOnlyCpuMs: number;
  readonly clientOnly: ClientReport;
  readonly e2e: ClientReport;
  readonly e2eServerCpuMs: number;
}

function rateOf(n: number, ms: number): number {
  return (n / ms) * 1000;
}

/** CPU microseconds per row. */
function us(cpuMs: number, rows: number): number {
  return (cpuMs * 1000) / rows;
}

function pct(part: number, whole: number): number {
  return Math.round((part / whole) * 100);
}

interface CapturedBody {
  readonly seq: number;
  readonly rows: number;
  /** UTF-8, encoded once here so the sender spends nothing on it per request. */
  readonly body: Buffer;
  readonly last: boolean;
}

/** The bodies the uploader sends, as GraphClient would encode them, in batch_seq order. */
async function captureBodies(csv: string): Promise<CapturedBody[]> {
  const bodies: CapturedBody[] = [];
  const capture: AudienceTransport = {
    async send({ body }) {
      bodies.push({ seq: body.session?.batch_seq ?? 0, rows: body.payload.data.length, body: Buffer.from(JSON.stringify(body), 'utf8'), last: body.session?.last_batch_flag === true });
      return { num_received: body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
    },
  };
  const source = await openRowSource(csv);
  await uploadRows(source, { operation: 'add', audienceId: '0', transport: capture, mapping: parseMapping(MAP, source.columns).mapping, sessionId: SESSION_ID });
  return bodies.sort((a, b) => a.seq - b.seq);
}

/** Sends every body but the last with up to CONCURRENCY in flight, then the last (it closes the session). */
async function postAll(url: string, audienceId: string, bodies: readonly CapturedBody[]): Promise<{ rows: number; requests: number; ms: number }> {
  const target = `${url}/${VERSION}/${audienceId}/users`;
  let received = 0;
  // undici's request, as the uploader's GraphClient sends: fetch would cost this sender ≈ 7 CPU-ms a body,
  // taken from the server it shares the machine with.
  const post = async (body: Buffer): Promise<void> => {
    const res = await request(target, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
    const answer = (await res.body.json()) as AudienceUsersResponse & { error?: unknown };
    if (res.statusCode !== 200 || answer.error !== undefined) throw new Error(`server-only upload failed: ${JSON.stringify(answer)}`);
    // num_received is cumulative over the session on localgraph (as documented for Graph).
    received = Math.max(received, Number(answer.num_received) || 0);
  };
  const started = performance.now();
  let next = 0;
  const head = bodies.filter((b) => !b.last);
  const lane = async (): Promise<void> => {
    while (next < head.length) await post(head[next++]!.body);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  for (const b of bodies) if (b.last) await post(b.body);
  const ms = performance.now() - started;
  const rows = bodies.reduce((n, b) => n + b.rows, 0);
  if (received !== rows) throw new Error(`server only: the server acknowledged ${received} of ${rows} rows`);
  return { rows, requests: bodies.length, ms };
}

async function startServerChild(dataDir: string, matchDelayMs: number | undefined): Promise<{ child: ChildProcess; url: string; pid: number }> {
  await mkdir(dataDir, { recursive: true });
  // `localgraph serve` as a user runs it: demo world (ad account, Alice's ads_management token), rate limits off.
  const args = [join(ROOT, 'bin', 'localgraph.mjs'), 'serve', '--port', '0', '--data', dataDir, '--no-rate-limits',
    ...(matchDelayMs === undefined ? [] : ['--match-delay', String(matchDelayMs)])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolveUrl, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('LOCALGRAPH_URL=')) resolveUrl(line.slice('LOCALGRAPH_URL='.length).trim());
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)));
  });
  return { child, url, pid: child.pid! };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function createAudience(url: string, name: string): Promise<string> {
  const client = new GraphClient({ baseUrl: url, version: VERSION, accessToken: TOKEN, retry: false });
  const { id } = await client.createCustomAudience(ACT, { name, customer_file_source: 'USER_PROVIDED_ONLY' });
  return id;
}

/** User + system CPU time of a process so far (ms), from /proc (Linux). */
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime is the 12th, stime the 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticksPerSecond = 100; // USER_HZ, 100 on every Linux Node supports
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return NaN;
  }
}

function runClientChild(job: ClientJob): Promise<ClientReport> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--client-child', JSON.stringify(job)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveReport, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the client child exited with ${code}`));
      else resolveReport(JSON.parse(out.trim().split('\n').pop()!) as ClientReport);
    });
  });
}

/** The client side, in its own process: open the file, upload it, report. */
async function clientChild(job: ClientJob): Promise<void> {
  const transport: AudienceTransport =
    job.server === undefined
      ? {
          async send({ body }) {
            return { num_received: body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
          },
          // As graphTransport: rows the workers encoded are not decoded again.
          async sendEncoded({ body }) {
            return { num_received: body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
          },
        }
      : graphTransport(new GraphClient({ baseUrl: job.server.url, version: VERSION, accessToken: TOKEN, retry: false }));
  const cpu = process.cpuUsage();
  const started = performance.now();
  const source = await openRowSource(job.csv);
  const result = await uploadRows(source, {
    operation: 'add',
    audienceId: job.server?.audienceId ?? '0',
    transport,
    mapping: parseMapping(MAP, source.columns).mapping,
    concurrency: CONCURRENCY,
    sessionId: SESSION_ID,
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const report: ClientReport = {
    rowsRead: result.rowsRead,
    rowsSent: result.rowsSent,
    rowsRejected: result.rowsRejected,
    serverReceived: result.serverReceived,
    batches: result.batchesSent,
    ms,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMb: peakRssMb(),
    sendingMs: result.sending.ms,
    slotsFullMs: result.sending.slotsFullMs,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
}

/**
 * This process's peak resident memory (MB), workers included, from its own VmHWM: getrusage's
 * maxRSS is carried across fork and exec, so a child spawned by this bench reported the parent's
 * size (≈ 490 MB, the captured bodies) instead of its own (≈ 220 MB). maxRSS only where there is no /proc.
 */
function peakRssMb(): number {
  const mib = peakRssMiB('self');
  return Number.isNaN(mib) ? process.resourceUsage().maxRSS / 1024 : mib;
}

function round(n: number, digits: number): number {
  return Math.round(n * 10 ** digits) / 10 ** digits;
}


if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--client-child') {
    await clientChild(JSON.parse(process.argv[3] ?? '{}') as ClientJob);
  } else {
    const started = performance.now();
    const arg = (name: string): number | undefined => {
      const i = process.argv.indexOf(name);
      return i > 0 ? Number(process.argv[i + 1]) : undefined;
    };
    const positional = process.argv[2] !== undefined && !process.argv[2].startsWith('--') ? Number(process.argv[2]) : undefined;
    console.log(formatTable(await runClientE2eBench({ rows: positional ?? arg('--rows'), rounds: arg('--rounds'), matchDelayMs: arg('--match-delay') })));
    console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
}
