/**
 * On a data folder, a large staged batch keeps its packed rows in a file of its own
 * (storage/batch-files.ts) instead of the SQLite row: the upload still answers only once they are
 * durable, the matcher reads them from the file, the file goes when its batch is done, and a file
 * a crash left without its queue row is deleted at the next start.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { DEMO } from '../helpers/server.js';
import { serve, signalGroup, type ServeProcess } from './cli-process.js';

const ACT = `act_${DEMO.adAccountId}`;
const TOKEN = DEMO.aliceToken;
const ADMIN = 'lgadmin_batch_files_test';
const sha = (s: string): string => crypto.hash('sha256', s, 'hex');
const dirs: string[] = [];
const servers: RunningServer[] = [];
const processes: ServeProcess[] = [];

afterAll(async () => {
  for (const s of servers) await s.close();
  for (const p of processes) signalGroup(p.child, 'SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-batch-files-'));
  dirs.push(d);
  return d;
}

const queueFiles = (dataDir: string): string[] => {
  const q = path.join(dataDir, 'localgraph-queue');
  return fs.existsSync(q) ? fs.readdirSync(q).sort() : [];
};

/** `n` rows of [EMAIL, PHONE, FN, LN]; the first two name Alice and Bob of the demo world, the rest nobody. */
function rows(n: number): string[][] {
  const out = [
    [sha('alice@example.com'), sha('16505550101'), sha('alice'), sha('example')],
    [sha('bob@example.com'), sha('442079460958'), sha('bob'), sha('example')],
  ];
  for (let i = out.length; i < n; i++) out.push([sha(`nobody${i}@example.org`), sha(String(15550000000 + i)), sha('x'), sha('y')]);
  return out;
}

async function post(url: string, pathname: string, body: unknown): Promise<{ status: number; body: any }> { // any: Graph answers read by shape
  const res = await fetch(url + pathname, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function createAudience(url: string): Promise<string> {
  const r = await post(url, `/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, { name: 'files', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' });
  expect(r.status).toBe(200);
  return r.body.id as string;
}

async function upload(url: string, audienceId: string, data: string[][], seq: number): Promise<void> {
  const r = await post(url, `/v21.0/${audienceId}/users?access_token=${TOKEN}`, {
    payload: { schema: ['EMAIL', 'PHONE', 'FN', 'LN'], data },
    session: { session_id: 31337, batch_seq: seq, last_batch_flag: false },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.num_invalid_entries).toBe(0);
}

async function read(url: string, audienceId: string): Promise<{ operation_status: { code: number }; approximate_count_lower_bound: number }> {
  const res = await fetch(`${url}/v21.0/${audienceId}?fields=operation_status,approximate_count_lower_bound&access_token=${TOKEN}`);
  return (await res.json()) as { operation_status: { code: number }; approximate_count_lower_bound: number };
}

/** Moves the control clock on (matching waits for it), then waits until the audience's count is final. */
async function advanceAndSettle(url: string, audienceId: string, seconds: number): Promise<number> {
  const moved = await fetch(`${url}/_localgraph/clock`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ advance_seconds: seconds }),
  });
  expect(moved.status).toBe(200);
  await expect.poll(async () => (await read(url, audienceId)).operation_status.code, { timeout: 20_000, interval: 25 }).toBe(200);
  return (await read(url, audienceId)).approximate_count_lower_bound;
}

describe('staged batches in files (data folder)', () => {
  it('spills a large batch, keeps a small one inline, matches both and deletes the file when done', async () => {
    const dataDir = tempDir();
    // Matching held back a minute (on the control clock) so the staged state can be looked at.
    const server = await startServer({ port: 0, dataDir, demo: true, adminToken: ADMIN, matchDelayMs: 60_000, logRequests: false });
    servers.push(server);
    const id = await createAudience(server.url);

    // 1,500 rows × 4 × 32 bytes = 192 KB: above the spill threshold. 3 rows: below it.
    await upload(server.url, id, rows(1500), 1);
    expect(queueFiles(dataDir)).toHaveLength(1);
    await upload(server.url, id, rows(3).slice(1), 2);
    expect(queueFiles(dataDir)).toHaveLength(1);
    expect((await read(server.url, id)).operation_status.code).toBe(441);

    // Alice and Bob, from the spilled batch (and Bob again from the inline one).
    expect(await advanceAndSettle(server.url, id, 61)).toBe(2);
    // The queue ran dry: the finished batch's file is gone.
    await expect.poll(() => queueFiles(dataDir), { timeout: 10_000, interval: 25 }).toEqual([]);
  });

  it('matches an acknowledged spilled batch after a SIGKILL, and deletes a file no batch names at start-up', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const env = { LOCALGRAPH_ADMIN_TOKEN: ADMIN };
    const first = await serve(['--port', '0', '--data', dataDir, '--match-delay', '600000'], { env });
    processes.push(first);
    const id = await createAudience(first.url);
    await upload(first.url, id, rows(2000), 1);
    expect(queueFiles(dataDir)).toHaveLength(1);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    // What a crash between a file's write and its transaction leaves behind, some time ago…
    const orphan = path.join(dataDir, 'localgraph-queue', 'orphan-left-by-a-crash.rows');
    fs.writeFileSync(orphan, Buffer.alloc(4096, 1));
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(orphan, hourAgo, hourAgo);
    // …and a file just written by a request of another process on the same folder, not yet committed.
    fs.writeFileSync(path.join(dataDir, 'localgraph-queue', 'in-flight-elsewhere.rows'), Buffer.alloc(4096, 2));
    expect(queueFiles(dataDir)).toHaveLength(3);

    const second = await serve(['--port', '0', '--data', dataDir, '--match-delay', '0'], { env });
    processes.push(second);
    expect(queueFiles(dataDir)).not.toContain('orphan-left-by-a-crash.rows');
    expect(queueFiles(dataDir)).toContain('in-flight-elsewhere.rows');
    // The batch was staged to be ready 600 s later (on the control clock, which survived too).
    expect((await read(second.url, id)).operation_status.code).toBe(441);
    expect(await advanceAndSettle(second.url, id, 601)).toBe(2);
    // The matched batch's file goes; the young unknown one stays until it is old.
    await expect.poll(() => queueFiles(dataDir), { timeout: 10_000, interval: 25 }).toEqual(['in-flight-elsewhere.rows']);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('drops a batch whose file is gone, says so, and keeps matching every other audience', async () => {
    const dataDir = tempDir();
    const server = await startServer({ port: 0, dataDir, demo: true, adminToken: ADMIN, matchDelayMs: 60_000, logRequests: false });
    servers.push(server);
    const lost = await createAudience(server.url);
    const other = await createAudience(server.url);
    await upload(server.url, lost, rows(1500), 1);
    const [file] = queueFiles(dataDir);
    expect(file).toBeDefined();
    fs.rmSync(path.join(dataDir, 'localgraph-queue', file!)); // a folder restored without its queue
    const r = await post(server.url, `/v21.0/${other}/users?access_token=${TOKEN}`, { payload: { schema: ['EMAIL'], data: [[sha('alice@example.com')]] } });
    expect(r.status).toBe(200);

    expect(await advanceAndSettle(server.url, other, 61)).toBe(1);
    await expect.poll(async () => (await read(server.url, lost)).operation_status.code, { timeout: 20_000, interval: 25 }).toBe(200);
    expect((await read(server.url, lost)).approximate_count_lower_bound).toBe(0);
    const matcher = await fetch(`${server.url}/_localgraph/audiences/matcher`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(JSON.stringify(await matcher.json())).toMatch(/staged rows of an upload batch are missing/);
  });
});
