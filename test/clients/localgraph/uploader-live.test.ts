/**
 * The uploader CLI (`localgraph audience upload|remove|replace`, through `runAudienceCommand`)
 * against a real localgraph server started in-process: what the audience holds afterwards is
 * read from the control surface and from Graph (`/{id}/sessions`), not from a fake.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudienceCommand } from '../../../src/client/cli/audience.js';
import type { AudienceCommandOptions, CliIo } from '../../../src/client/cli/audience.js';
import { sha256Hex } from '../../../src/client/normalize/hash.js';
import type { UploadOperation } from '../../../src/client/upload/transport.js';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

const ACT = `act_${DEMO.adAccountId}`;
const TOKEN = DEMO.aliceToken;

let s: TestServer;
let dir: string;

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
  dir = await mkdtemp(join(tmpdir(), 'localgraph-uploader-live-'));
});
afterAll(async () => {
  await s?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The demo fixture's people as a CRM export would have them, plus one stranger. */
const PEOPLE_CSV = [
  'Email,Phone,First Name,Last Name,Country',
  ' Alice@Example.COM ,,Alice,Example,US',
  ',+44 20 7946 0958,Bob,Sample,United Kingdom',
  'carol_tester@tfbnw.net,,Carol,Tester,',
  'nobody@example.org,,No,Body,US',
].join('\n');

async function createAudience(): Promise<string> {
  const res = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'CLI audience', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' }),
  });
  expect(res.status).toBe(200);
  return res.body.id as string;
}

/** Waits for matching (operation_status 441/414 → 200) and returns the control surface's view. */
async function settledAudience(id: string): Promise<any> { // any: control-surface JSON
  for (let i = 0; i < 1000; i++) {
    const res = await s.call(`/v21.0/${id}?fields=operation_status&access_token=${TOKEN}`);
    if (res.body.operation_status.code !== 441 && res.body.operation_status.code !== 414) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return (await s.admin(`/_localgraph/audiences/${id}`)).body;
}

async function matches(id: string): Promise<any[]> { // any: control-surface JSON
  await settledAudience(id);
  return (await s.admin(`/_localgraph/audiences/${id}/matches`)).body.data;
}

async function graphSessions(id: string): Promise<Array<Record<string, string>>> {
  const res = await s.call(`/v21.0/${id}/sessions?access_token=${TOKEN}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

function capture(extra: Partial<CliIo> = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t), isTTY: false },
    stderr: { write: (t: string) => (err += t), isTTY: false },
    env: { LOCALGRAPH_URL: s.url, LOCALGRAPH_TOKEN: TOKEN },
    sleep: async () => {},
    ...extra,
    out: () => out,
    err: () => err,
  };
}

async function cli(operation: UploadOperation, options: Partial<AudienceCommandOptions> & { audience: string; file: string }, io = capture()) {
  const code = await runAudienceCommand(operation, { version: 'v21.0', progress: false, ...options } as AudienceCommandOptions, io);
  return { code, out: io.out(), err: io.err() };
}

/** The session id the summary names ("…, session 123:"). */
function sessionOf(out: string): string {
  const m = /session (\d+):/.exec(out);
  expect(m).not.toBeNull();
  return m![1]!;
}

/** Raw values of PEOPLE_CSV that must not reach the server. */
const RAW = ['Alice@Example.COM', 'alice@example.com', '7946', 'carol_tester', 'nobody@example.org', 'Sample', 'Tester'];

describe('audience upload against localgraph', () => {
  it('uploads a CSV: the audience holds every row, matched to the right people, and only hashes were sent', async () => {
    const id = await createAudience();
    const file = join(dir, 'people.csv');
    await writeFile(file, PEOPLE_CSV);
    const mark = (await s.admin('/_localgraph/journal?limit=1')).body.data[0]?.seq ?? 0;
    const run = await cli('add', { audience: id, file });
    expect(run.code).toBe(0);
    const sessionId = sessionOf(run.out);
    expect(run.out).toContain(`Added to audience ${id}, session ${sessionId}:`);
    expect(run.out).toContain('schema                EMAIL, PHONE, LN, FN, COUNTRY');
    expect(run.out).toContain('sent and acknowledged 4 rows in 1 batches');
    expect(run.out).toContain('server received       4');
    expect(run.out).toMatch(new RegExp(`Audience ${id}: .*operation status`));
    expect(run.err).toContain('columns: Email→EMAIL, Phone→PHONE, First Name→FN, Last Name→LN, Country→COUNTRY');

    const found = await matches(id);
    expect(found).toHaveLength(4);
    const byPerson = Object.fromEntries(found.filter((r) => r.matched).map((r) => [r.matched.person, r.matched.by]));
    // Bob only by his phone: "+44 20 7946 0958" with country "United Kingdom" → 442079460958.
    expect(byPerson).toEqual({ alice: 'EMAIL', bob: 'PHONE', carol: 'EMAIL' });
    expect(found.filter((r) => r.matched === null)).toHaveLength(1);
    expect(await settledAudience(id)).toMatchObject({ members: 3, rows: 4 });
    expect((await graphSessions(id)).find((v) => v.session_id === sessionId)).toMatchObject({ num_received: '4', num_matched: '3', stage: 'finished' });

    // What the server was sent: one request in one session, hashes only (the stored keys are the
    // digests of the normalised values; the journal keeps no member data, and no raw value).
    const journal = (await s.admin('/_localgraph/journal?limit=50')).body.data.filter((e: any) => e.seq > mark); // any: journal JSON
    const upload = journal.filter((e: any) => e.method === 'POST' && e.path.endsWith(`/${id}/users`)); // any: journal JSON
    expect(upload).toHaveLength(1);
    expect(upload[0].params).toMatchObject({
      debug: 'warning',
      payload: { schema: ['EMAIL', 'PHONE', 'LN', 'FN', 'COUNTRY'], rows: 4 },
      session: { session_id: Number(sessionId), batch_seq: 1, last_batch_flag: true, estimated_num_total: 4 },
    });
    for (const raw of RAW) expect(JSON.stringify(journal)).not.toContain(raw);
    const alice = found.find((r) => r.matched?.person === 'alice');
    expect(alice.keys).toEqual(expect.arrayContaining([{ key: 'EMAIL', hash: expect.stringMatching(new RegExp(`^${sha256Hex('alice@example.com').slice(0, 12)}`)) }]));
    const bob = found.find((r) => r.matched?.person === 'bob');
    expect(bob.keys).toEqual(expect.arrayContaining([{ key: 'PHONE', hash: expect.stringMatching(new RegExp(`^${sha256Hex('442079460958').slice(0, 12)}`)) }]));
  });
});

describe('--resume and JSON-lines files against localgraph', () => {
  it('resumes an interrupted upload from its state file: the same session, each row once, the exact final count', async () => {
    const id = await createAudience();
    const file = join(dir, 'interrupted.csv');
    await writeFile(file, PEOPLE_CSV);
    const first = await cli('add', { audience: id, file, batchSize: '1', concurrency: '1' }, capture({ fetch: failingWrite(3) }));
    expect(first.code).toBe(1);
    expect(first.out).toContain('Stopped before finishing');
    expect(first.err).toContain(`2 batch(es) were acknowledged and recorded in ${file}.localgraph-upload.json; add --resume to continue from there.`);
    const state = await readState(file);
    expect(state).toMatchObject({ operation: 'add', audienceId: id, completed: false, acked: [{ seq: 1, firstRow: 1, lastRow: 1 }, { seq: 2, firstRow: 2, lastRow: 2 }] });
    for (const raw of RAW) expect(JSON.stringify(state)).not.toContain(raw);
    expect((await settledAudience(id)).rows).toBe(2);

    const resumed = await cli('add', { audience: id, file, batchSize: '1', concurrency: '1', resume: true });
    expect(resumed.code).toBe(0);
    expect(resumed.err).not.toContain('note: session'); // no change of session within the window
    expect(sessionOf(resumed.out)).toBe(String(state.sessionId));
    expect(resumed.out).toContain('skipped (resumed)     2 already acknowledged');
    expect(resumed.out).toContain('sent and acknowledged 2 rows in 2 batches');
    expect(resumed.out).toContain('server received       4'); // the session's total

    const control = await settledAudience(id);
    expect(control).toMatchObject({ members: 3, rows: 4 });
    const session = control.sessions.find((x: any) => x.session_id === String(state.sessionId)); // any: control JSON
    expect(session).toMatchObject({ batch_seqs: [1, 2, 3, 4], num_received: '4', stage: 'finished' });
    expect(await readState(file)).toMatchObject({ completed: true, acked: [{ seq: 1 }, { seq: 2 }, { seq: 3 }, { seq: 4 }] });

    const again = await cli('add', { audience: id, file, batchSize: '1', concurrency: '1', resume: true });
    expect(again.code).toBe(0);
    expect(again.out).toContain('this upload had already finished; nothing was sent');
  });

  it('reads a .jsonl file given by path (format from the extension), matching as the CSV does', async () => {
    const id = await createAudience();
    const file = join(dir, 'people.jsonl');
    await writeFile(file, [
      // The first object's keys are the columns (row-source.ts), so it names every key, null when unknown.
      JSON.stringify({ email: ' Alice@Example.COM ', first_name: 'Alice', country: 'US', phone: null }),
      JSON.stringify({ phone: '+44 20 7946 0958', first_name: 'Bob', country: 'GB' }),
      '',
      JSON.stringify({ email: 'carol_tester@tfbnw.net' }),
      '["not", "an", "object"]',
    ].join('\n') + '\n');
    const run = await cli('add', { audience: id, file });
    expect(run.code).toBe(0);
    expect(run.err).toContain('columns: email→EMAIL, first_name→FN, country→COUNTRY, phone→PHONE');
    expect(run.out).toContain('sent and acknowledged 3 rows in 1 batches');
    expect(run.out).toMatch(/rejected here +1\n +e\.g\. row 4: /);
    const found = await matches(id);
    expect(Object.fromEntries(found.filter((r) => r.matched).map((r) => [r.matched.person, r.matched.by]))).toEqual({ alice: 'EMAIL', bob: 'PHONE', carol: 'EMAIL' });
    expect(await settledAudience(id)).toMatchObject({ members: 3, rows: 3 });
  });
});

describe('audience remove against localgraph', () => {
  it('removes in one session: a retried batch is not counted twice, and the removal shows in /{id}/sessions', async () => {
    const id = await createAudience();
    const file = join(dir, 'remove-people.csv');
    await writeFile(file, PEOPLE_CSV);
    expect((await cli('add', { audience: id, file })).code).toBe(0);
    expect((await settledAudience(id)).members).toBe(3);

    const leavers = join(dir, 'leavers.csv');
    await writeFile(leavers, ['email', 'alice@example.com', 'carol_tester@tfbnw.net'].join('\n'));
    // Two batches of one row. The answers to the first attempt of each are lost on the way back,
    // after the server applied them: the uploader must resend the same batch (same session and
    // batch_seq), which the server recognises as repeats — batch 2 too, although its
    // last_batch_flag closed the session ("already received", not "has ended").
    let deletes = 0;
    const flaky: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'DELETE' && ++deletes % 2 === 1) {
        await res.text();
        throw new TypeError('fetch failed: socket hang up');
      }
      return res;
    };
    const run = await cli('remove', { audience: id, file: leavers, batchSize: '1' }, capture({ fetch: flaky }));
    expect(run.err).toContain('batch 1: attempt 1 failed (network error)');
    expect(run.err).toContain('batch 2: attempt 1 failed (network error)');
    expect(run.err).not.toMatch(/discarded|not counted/);
    expect(run.code).toBe(0);
    expect(deletes).toBe(4);
    expect(run.out).toContain('retries               2');
    const sessionId = sessionOf(run.out);

    const control = await settledAudience(id);
    expect(control.members).toBe(1);
    const removal = (await graphSessions(id)).find((x) => x.session_id === sessionId);
    // Two rows, each sent twice, counted once.
    expect(removal).toMatchObject({ num_received: '2', stage: 'finished' });
    expect(run.out).toContain('server received       2');
    expect(control.sessions.find((x: any) => x.session_id === sessionId)).toMatchObject({ batch_seqs: [1, 2] }); // any: control JSON
  });
});

/** A fetch that answers the `n`th membership write with a permanent Graph error, without sending it. */
function failingWrite(n: number): typeof fetch {
  let writes = 0;
  return async (input, init) => {
    if (init?.method !== 'GET' && ++writes === n) {
      return new Response(JSON.stringify({ error: { message: 'Permissions error', type: 'OAuthException', code: 200, fbtrace_id: 'Test' } }), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    }
    return fetch(input, init);
  };
}

const advanceServerClock = (seconds: number) =>
  s.admin('/_localgraph/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_seconds: seconds }) });

/** Makes the state file say its session began `minutes` ago (the run was interrupted that long ago). */
async function ageState(file: string, minutes: number): Promise<Record<string, unknown>> {
  const path = `${file}.localgraph-upload.json`;
  const state = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const then = new Date(Date.now() - minutes * 60_000).toISOString();
  await writeFile(path, JSON.stringify({ ...state, startedAt: then, sessionStartedAt: then }));
  return state;
}

async function readState(file: string): Promise<Record<string, any>> { // any: state JSON
  return JSON.parse(await readFile(`${file}.localgraph-upload.json`, 'utf8')) as Record<string, any>;
}

describe('--resume after the session window against localgraph', () => {
  it('continues an interrupted upload in a new session when the old one began more than 85 minutes ago', async () => {
    const id = await createAudience();
    const file = join(dir, 'late-resume.csv');
    await writeFile(file, PEOPLE_CSV);
    const first = await cli('add', { audience: id, file, batchSize: '1', concurrency: '1' }, capture({ fetch: failingWrite(3) }));
    expect(first.code).toBe(1);
    const old = await readState(file);
    expect(old.acked).toHaveLength(2);

    // The next morning: the session's 90 minutes are over on the server, and the client knows its age.
    await advanceServerClock(91 * 60);
    await ageState(file, 91);
    const resumed = await cli('add', { audience: id, file, batchSize: '1', concurrency: '1', resume: true });
    expect(resumed.err).toMatch(new RegExp(`note: session ${old.sessionId} began 91 minutes ago, and Graph ends a session 90 minutes after its first batch and discards later batches; continuing in a new session (\\d+), the remaining batches numbered from 1`));
    expect(resumed.code).toBe(0);
    const newSession = sessionOf(resumed.out);
    expect(newSession).not.toBe(String(old.sessionId));
    expect(resumed.out).toContain(`new session           ${newSession} (session ${old.sessionId} could not be continued`);
    expect(resumed.out).toContain('sent and acknowledged 2 rows in 2 batches');
    expect(resumed.out).toContain('server received       2');

    // Every row of the file reached the audience: Alice, Bob and Carol matched, the stranger not.
    const control = await settledAudience(id);
    expect(control).toMatchObject({ members: 3, rows: 4 });
    const views = await graphSessions(id);
    expect(views.find((v) => v.session_id === String(old.sessionId))).toMatchObject({ num_received: '2' });
    expect(views.find((v) => v.session_id === newSession)).toMatchObject({ num_received: '2', stage: 'finished' });
    expect(control.sessions.find((x: any) => x.session_id === newSession).batch_seqs).toEqual([1, 2]); // any: control JSON
  });

  it('stops with a clear message when the server discards a batch, and a second --resume finishes in a new session', async () => {
    const id = await createAudience();
    const file = join(dir, 'discarded.csv');
    await writeFile(file, PEOPLE_CSV);
    expect((await cli('add', { audience: id, file, batchSize: '1', concurrency: '1' }, capture({ fetch: failingWrite(3) }))).code).toBe(1);
    // The server's window closes, but the state file still looks fresh (a clock the client cannot see).
    await advanceServerClock(91 * 60);
    const stalled = await cli('add', { audience: id, file, batchSize: '1', concurrency: '1', resume: true });
    expect(stalled.code).toBe(1);
    expect(stalled.out).toContain('Stopped before finishing');
    expect(stalled.err).toMatch(/batch 3 of session \d+ was discarded by the server: "Session \d+ has ended \(90 minutes after its first batch\); this batch was discarded\."\. Its rows were not applied; run again with --resume to send the remaining batches in a new session\./);
    expect((await readState(file)).sessionEnded).toBeDefined();
    expect((await settledAudience(id)).rows).toBe(2);

    const finished = await cli('add', { audience: id, file, batchSize: '1', concurrency: '1', resume: true });
    expect(finished.err).toMatch(/note: Graph ended session \d+ \(batch 3 of session \d+ was discarded/);
    expect(finished.code).toBe(0);
    expect(await settledAudience(id)).toMatchObject({ members: 3, rows: 4 });
  });

  it('refuses to resume a replace whose session timed out, and a fresh replace leaves exactly the file', async () => {
    const id = await createAudience();
    const before = join(dir, 'replace-before.csv');
    await writeFile(before, PEOPLE_CSV);
    expect((await cli('add', { audience: id, file: before })).code).toBe(0);
    expect((await settledAudience(id)).members).toBe(3);

    const file = join(dir, 'replace.csv');
    await writeFile(file, ['email', 'bob@example.com', 'nobody@example.org', 'carol_tester@tfbnw.net'].join('\n'));
    expect((await cli('replace', { audience: id, file, batchSize: '1', concurrency: '1' }, capture({ fetch: failingWrite(3) }))).code).toBe(1);
    await advanceServerClock(91 * 60);
    await ageState(file, 91);
    let writes = 0;
    const counting: typeof fetch = (input, init) => {
      if (init?.method !== 'GET') writes++;
      return fetch(input, init);
    };
    const refused = await cli('replace', { audience: id, file, batchSize: '1', concurrency: '1', resume: true }, capture({ fetch: counting }));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/localgraph audience replace: cannot resume this replace: session \d+ began 91 minutes ago, .*Graph has replaced the audience with what that session received \(2 rows in 2 acknowledged batches\).* Run the replace again from the start, without --resume\.$/m);
    expect(writes).toBe(0);
    // What Graph did meanwhile: the timed-out replace left the two rows it got (Bob and the stranger).
    expect(await settledAudience(id)).toMatchObject({ members: 1, rows: 2 });

    const again = await cli('replace', { audience: id, file, batchSize: '1', concurrency: '1' });
    expect(again.code).toBe(0);
    const m = await matches(id);
    expect(m.map((r) => r.matched?.person ?? null).sort()).toEqual(['bob', 'carol', null]);
  });
});
