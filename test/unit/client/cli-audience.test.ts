import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudienceCommand } from '../../../src/client/cli/audience.js';
import type { AudienceCommandOptions, CliIo } from '../../../src/client/cli/audience.js';
import { sha256Hex } from '../../../src/client/normalize/hash.js';

const CSV = [
  'E-mail,Phone,First Name,Last Name,Zip,Country,Birthday',
  ' Mary@Example.com ,(650) 555-1234,Jöhn,Mary-Ann,94025-1234,US,07/04/1985',
  'alice@example.com,+44 7700 900123,Alice,Smithers,SW1A 1AA,United Kingdom,1990-12-31',
  'bogus-address,,,,,,',
  ',(415) 555-9876,Zoë,Ortega,,,',
].join('\n');

/** Every raw value of the file that must never be printed or sent. */
const PII = ['Mary@Example.com', 'mary@example.com', 'alice@example.com', '555-1234', '5551234', '900123', 'Jöhn', 'jöhn', 'Mary-Ann',
  'maryann', 'Smithers', 'smithers', 'SW1A', 'sw1a', '94025', 'bogus-address', '555-9876', 'Zoë', 'Ortega', 'ortega', '1985', '07/04'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'localgraph-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture(extra: Partial<CliIo> = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env: {},
    sleep: async () => {},
    ...extra,
    out: () => out,
    err: () => err,
  };
}

/**
 * No raw value in any output. The random 16-digit session id the summary prints is left out first:
 * it once held "1985" and failed the run.
 */
function expectNoPii(...texts: string[]): void {
  for (const text of texts) {
    const checked = text.replace(/session\s+\d+/g, 'session <id>');
    for (const value of PII) expect(checked).not.toContain(value);
  }
}

describe('localgraph audience (dry run)', () => {
  it('writes hashed request bodies, one per line, and no raw PII anywhere', async () => {
    const file = join(dir, 'customers.csv');
    const out = join(dir, 'bodies.jsonl');
    await writeFile(file, CSV);
    const io = capture();
    const code = await runAudienceCommand('add', { audience: '23850000000000001', file, dryRun: out, country: 'US' }, io);
    expect(code).toBe(0);

    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const body = JSON.parse(lines[0]!) as { payload: { schema: string[]; data: string[][] }; session: Record<string, unknown> };
    expect(body.payload.schema).toEqual(['EMAIL', 'PHONE', 'DOBY', 'DOBM', 'DOBD', 'LN', 'FN', 'ZIP', 'COUNTRY']);
    expect(body.payload.data).toHaveLength(3);
    expect(body.payload.data[0]).toEqual([
      'f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79',
      sha256Hex('16505551234'), sha256Hex('1985'), sha256Hex('07'), sha256Hex('04'), sha256Hex('maryann'), sha256Hex('jöhn'),
      sha256Hex('94025'), sha256Hex('us'),
    ]);
    expect(body.payload.data[1]![0]).toBe('ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976');
    expect(body.payload.data[1]![1]).toBe(sha256Hex('447700900123'));
    expect(body.payload.data[2]![0]).toBe(''); // no email: empty column
    expect(body.session).toMatchObject({ batch_seq: 1, last_batch_flag: true, estimated_num_total: 4 });
    for (const row of body.payload.data) for (const cell of row) expect(cell).toMatch(/^([0-9a-f]{64})?$/);

    expect(io.out()).toContain('rejected here         1');
    expect(io.out()).toContain('row 3: no usable value (invalid: EMAIL; other mapped columns empty)');
    expectNoPii(io.out(), io.err(), lines[0]!);
    expect(existsSync(`${file}.localgraph-upload.json`)).toBe(false);
  });

  it('draws the progress bar on a terminal, with counts only (no raw PII), then the summary', async () => {
    const file = join(dir, 'tty.csv');
    await writeFile(file, CSV);
    let out = '';
    const io = capture({ stdout: { write: (t: string) => (out += t), isTTY: true, columns: 120 } as CliIo['stdout'] });
    const code = await runAudienceCommand('add', { audience: '23850000000000001', file, dryRun: join(dir, 'tty.jsonl'), country: 'US' }, io);
    expect(code).toBe(0);
    const plain = out.replace(/\x1B(?:\[[0-9;?]*[A-Za-z]|[78])/g, '');
    expect(plain).toMatch(/[█░]+ 100% \| 4\/4 rows \| [\d,]+ rows\/s \| ETA \S+ \| rejected 1/);
    expect(out).toContain('\x1B[?25l'); // a terminal bar, cursor hidden while it runs
    expect(plain).toContain('rejected here         1');
    expect(plain).not.toContain('progress:'); // plain lines are for logs only
    expectNoPii(out, io.err());
  });

  it('reads JSON lines from stdin', async () => {
    const out = join(dir, 'stdin.jsonl');
    const stdin = Readable.from(['{"email":"Mary@Example.com","phone":"+1 650 555 1234"}\n', '{"email":"alice@example.com"}\n']);
    const io = capture({ stdin });
    const code = await runAudienceCommand('remove', { audience: '5', file: '-', dryRun: out }, io);
    expect(code).toBe(0);
    const body = JSON.parse((await readFile(out, 'utf8')).trim()) as { payload: { data: string[][] }; session?: Record<string, unknown> };
    // A removal is one session too; stdin has no line count, so no estimated_num_total.
    expect(body.session).toEqual({ session_id: expect.any(Number), batch_seq: 1, last_batch_flag: true });
    expect(body.payload.data).toEqual([
      ['f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79', sha256Hex('16505551234')],
      ['ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976', ''],
    ]);
    expectNoPii(io.out(), io.err());
  });

  it('maps a JSON-lines key missing from line 1 (stdin)', async () => {
    const out = join(dir, 'stdin-late.jsonl');
    const stdin = Readable.from(['{"email":"alice@example.com"}\n', '{"email":"Mary@Example.com","phone":"+1 650 555 1234"}\n']);
    const io = capture({ stdin });
    expect(await runAudienceCommand('add', { audience: '5', file: '-', dryRun: out }, io)).toBe(0);
    expect(io.err()).toContain('columns: email→EMAIL, phone→PHONE');
    const body = JSON.parse((await readFile(out, 'utf8')).trim()) as { payload: { schema: string[]; data: string[][] } };
    expect(body.payload.schema).toEqual(['EMAIL', 'PHONE']);
    expect(body.payload.data).toEqual([
      ['ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976', ''],
      ['f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79', sha256Hex('16505551234')],
    ]);
    expect(io.out()).not.toContain('keys not used');
    expectNoPii(io.out(), io.err());
  });

  it('reports a JSON-lines key first seen after the look-ahead, and sends it when --map names it (file path)', async () => {
    const file = join(dir, 'late-key.jsonl');
    const lines = Array.from({ length: 1003 }, (_, i) => JSON.stringify({ email: `user${i + 1}@example.org`, ...(i >= 1001 ? { phone: '+1 650 555 1234' } : {}) }));
    await writeFile(file, `${lines.join('\n')}\n`);

    const guessed = capture();
    expect(await runAudienceCommand('add', { audience: '5', file, dryRun: join(dir, 'late-guessed.jsonl'), progress: false }, guessed)).toBe(0);
    expect(guessed.err()).toContain('columns: email→EMAIL\n');
    expect(guessed.err()).toContain(
      'note: row 1002 has a key "phone" that is not one of the columns (the columns are the keys of the first 1000 lines), so its values are not used (it looks like PHONE). ' +
        'To use it, name it in --map with the other columns (phone=PHONE).',
    );
    expect(guessed.out()).toContain('keys not used         phone in 2 rows (from row 1002): not among the columns');
    const sentGuessed = JSON.parse((await readFile(join(dir, 'late-guessed.jsonl'), 'utf8')).trim()) as { payload: { schema: string[] } };
    expect(sentGuessed.payload.schema).toEqual(['EMAIL']);

    const mapped = capture();
    const out = join(dir, 'late-mapped.jsonl');
    expect(await runAudienceCommand('add', { audience: '5', file, dryRun: out, progress: false, map: 'email=EMAIL,phone=PHONE' }, mapped)).toBe(0);
    expect(mapped.err()).toContain('columns: email→EMAIL, phone→PHONE');
    expect(mapped.err()).toContain('note: "phone" is in none of the first 1000 lines; read from the lines that have it');
    expect(mapped.out()).not.toContain('keys not used');
    const body = JSON.parse((await readFile(out, 'utf8')).trim()) as { payload: { schema: string[]; data: string[][] } };
    expect(body.payload.schema).toEqual(['EMAIL', 'PHONE']);
    expect(body.payload.data.slice(1000).map((row) => row[1])).toEqual(['', sha256Hex('16505551234'), sha256Hex('16505551234')]);
    expectNoPii(guessed.out(), guessed.err(), mapped.out(), mapped.err());
  });

  it('refuses --map naming a key that no line of a JSON-lines file has, when the file fits in the look-ahead', async () => {
    const file = join(dir, 'short.jsonl');
    await writeFile(file, '{"email":"alice@example.com"}\n');
    const io = capture();
    expect(await runAudienceCommand('add', { audience: '5', file, dryRun: join(dir, 'short-out.jsonl'), map: 'email=EMAIL,phnoe=PHONE' }, io)).toBe(2);
    expect(io.err()).toContain('--map: no column "phnoe" in the input (columns: email)');
  });

  it.each([
    [{ audience: 'abc', file: 'x.csv', dryRun: 'o' }, /--audience must be a numeric/],
    [{ audience: '1', file: 'x.csv' }, /no access token: pass --token or set LOCALGRAPH_TOKEN/],
    [{ audience: '1', file: 'x.csv', dryRun: 'o', country: 'Narnia' }, /--country: "Narnia" is not a country/],
    [{ audience: '1', file: 'x.csv', dryRun: 'o', batchSize: '20000' }, /--batch-size must be a whole number from 1 to 10000/],
  ] as [AudienceCommandOptions, RegExp][])('usage errors exit 2: %j', async (options, message) => {
    const io = capture();
    expect(await runAudienceCommand('add', options, io)).toBe(2);
    expect(io.err()).toMatch(message);
  });
});

describe('localgraph audience (against a server)', () => {
  let server: Server;
  let baseUrl: string;
  const requests: { method: string; path: string; body: string; auth: string | undefined }[] = [];
  let respond: (method: string, path: string) => [number, unknown];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        requests.push({ method: req.method ?? '', path, body, auth: req.headers.authorization });
        const [status, answer] = respond(req.method ?? '', path);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('uploads, then reports the audience size and status', async () => {
    requests.length = 0;
    respond = (method) =>
      method === 'GET'
        ? [200, { id: '77', approximate_count_lower_bound: 1000, approximate_count_upper_bound: 1100, operation_status: { code: 200, description: 'Normal' } }]
        : [200, { audience_id: '77', session_id: '1', num_received: 3, num_invalid_entries: 0, invalid_entry_samples: {} }];
    const file = join(dir, 'upload.csv');
    await writeFile(file, CSV);
    const io = capture({ env: { LOCALGRAPH_TOKEN: 'EAAtestTOKEN', LOCALGRAPH_URL: baseUrl } });
    const code = await runAudienceCommand('add', { audience: '77', file, country: 'US', version: 'v21.0' }, io);
    expect(code).toBe(0);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v21.0/77/users', 'GET /v21.0/77']);
    expect(requests[0]!.auth).toBe('Bearer EAAtestTOKEN');
    expect(io.out()).toContain('Audience 77: about 1,000–1,100 people; operation status 200 "Normal"');
    expect(io.out()).toContain('server received       3');
    expectNoPii(io.out(), io.err(), ...requests.map((r) => r.body));
    const state = JSON.parse(await readFile(`${file}.localgraph-upload.json`, 'utf8')) as { completed: boolean; acked: unknown[] };
    expect(state).toMatchObject({ completed: true, acked: [{ seq: 1, firstRow: 1, lastRow: 4, rows: 3 }] });
    expectNoPii(JSON.stringify(state));
  });

  it('explains an invalid token and exits 1', async () => {
    respond = () => [400, { error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190, fbtrace_id: 'AbC123' } }];
    const file = join(dir, 'token.csv');
    await writeFile(file, CSV);
    const io = capture();
    const code = await runAudienceCommand('add', { audience: '77', file, token: 'bad', baseUrl }, io);
    expect(code).toBe(1);
    expect(io.err()).toContain('the access token is invalid or expired: "Invalid OAuth access token - Cannot parse access token" (code 190, fbtrace_id AbC123)');
    expectNoPii(io.out(), io.err());
  });
});

describe('registerAudienceCommands through commander', () => {
  it('parses the documented flags', async () => {
    const file = join(dir, 'spawn.csv');
    const out = join(dir, 'spawn.jsonl');
    await writeFile(file, CSV);
    const script = join(dir, 'cli.mts');
    const entry = resolve('src/client/cli/audience.ts');
    await writeFile(
      script,
      // commander is resolved from the repository, since the script lives in a temporary folder.
      `import { createRequire } from 'node:module';\nimport { registerAudienceCommands } from ${JSON.stringify(entry)};\n` +
        `const { Command } = createRequire(${JSON.stringify(entry)})('commander');\n` +
        `const program = new Command('localgraph').version('0.0.0').enablePositionalOptions();\nregisterAudienceCommands(program);\nawait program.parseAsync();\n`,
    );
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, 'audience', 'upload', '--audience', '42', '--file', file, '--map', 'E-mail=EMAIL,Phone=PHONE',
        '--country', 'us', '--version', 'v22.0', '--dry-run', out, '--batch-size', '2', '--concurrency', '1'],
      { cwd: resolve('.'), env: { ...process.env, LOCALGRAPH_TOKEN: '' } },
    );
    const bodies = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { payload: { schema: string[] }; session: { batch_seq: number; last_batch_flag: boolean } });
    expect(bodies.map((b) => [b.session.batch_seq, b.session.last_batch_flag])).toEqual([[1, false], [2, true]]);
    expect(bodies[0]!.payload.schema).toEqual(['EMAIL', 'PHONE']);
    expect(stderr).toContain('columns: E-mail→EMAIL, Phone→PHONE; ignored: First Name, Last Name, Zip, Country, Birthday');
    expectNoPii(stdout, stderr);
  }, 20_000);
});
