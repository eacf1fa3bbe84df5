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

describe('audience remove against localgraph', () => {
  it('removes in one session: a retried batch is not counted twice, and the removal shows in /{id}/sessions', async () => {
    const id = await createAudience();
    const file = join(dir, 'remove-people.csv');
    await writeFile(file, PEOPLE_CSV);
    expect((await cli('add', { audience: id, file })).code).toBe(0);
    expect((await settledAudience(id)).members).toBe(3);

    const leavers = join(dir, 'leavers.csv');
    await writeFile(leavers, ['email', 'alice@example.com', 'carol_tester@tfbnw.net'].join('\n'));
    // The first DELETE reaches the server, which applies it, but its answer is lost on the way back:
    // the uploader must resend the same batch (same session and batch_seq), not a new one.
    let lost = 0;
    const flaky: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'DELETE' && lost++ === 0) {
        await res.text();
        throw new TypeError('fetch failed: socket hang up');
      }
      return res;
    };
    const run = await cli('remove', { audience: id, file: leavers }, capture({ fetch: flaky }));
    expect(run.code).toBe(0);
    expect(lost).toBe(2); // the lost answer and the retry
    expect(run.out).toContain('retries               1');
    const sessionId = sessionOf(run.out);

    const control = await settledAudience(id);
    expect(control.members).toBe(1);
    const removal = (await graphSessions(id)).find((x) => x.session_id === sessionId);
    // Two rows sent twice, counted once: the server recognised the retry as batch 1 again.
    expect(removal).toMatchObject({ num_received: '2', stage: 'finished' });
    expect(run.out).toContain('server received       2');
    expect(control.sessions.find((x: any) => x.session_id === sessionId)).toMatchObject({ batch_seqs: [1] }); // any: control JSON
  });
});
