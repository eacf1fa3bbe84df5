/**
 * The README's first command: `npm start` (here `npm start -- --port 0 --data DIR`) starts the
 * server on SQLite in a data folder with the demo fixture, prints the base URL, the demo app, an app
 * token, a user token with its permissions and a curl line — and that curl line, run as printed,
 * answers. `--port 0` picks a free port; SIGINT and SIGTERM stop the server cleanly.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { serve, signalGroup, type ServeProcess } from './cli-process.js';

const run = promisify(execFile);
const dirs: string[] = [];
const running: ServeProcess[] = [];
const tmp = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-start-'));
  dirs.push(d);
  return d;
};

afterAll(() => {
  for (const s of running) signalGroup(s.child, 'SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The words of a printed shell line: bare words and '…' single-quoted words, as a shell splits them. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) words.push(m[1] ?? m[2]);
  return words;
}

describe('the start command', () => {
  it('starts with npm start on a data folder, prints the demo credentials and a curl line that works when run', async () => {
    const data = path.join(tmp(), 'data');
    const s = await serve(['--port', '0', '--data', data], { viaNpm: true });
    running.push(s);
    const out = s.output();
    const port = Number(new URL(s.url).port);
    expect(port).toBeGreaterThan(0);
    expect(out).toContain(`localgraph listening on http://127.0.0.1:${port}`);
    expect(out).toContain(`LOCALGRAPH_URL=http://127.0.0.1:${port}`);
    expect(out).toMatch(/admin token: \S+/);
    expect(out).toMatch(/app: Demo App {2}id 1234567890123456 {2}secret \S+/);
    expect(out).toContain('app token: 1234567890123456|');
    expect(out).toMatch(/user token \(Alice Example\): EAA\S+/);
    expect(out).toMatch(/permissions: public_profile, email/);
    const line = /^try: (curl .+)$/m.exec(out)?.[1];
    expect(line).toBeDefined();
    const [cmd, ...args] = shellWords(line as string);
    expect(cmd).toBe('curl');
    const { stdout } = await run('curl', ['--silent', '--show-error', ...args]);
    expect(JSON.parse(stdout)).toEqual({ id: '102938475610293', name: 'Alice Example', email: 'alice@example.com' });
    // SQLite in the data folder.
    expect(fs.existsSync(path.join(data, 'localgraph.sqlite'))).toBe(true);
    // Ctrl-C in a terminal signals the whole foreground group: npm, its shell and the server.
    signalGroup(s.child, 'SIGINT');
    await s.exited;
    await expect.poll(() => s.output()).toContain('localgraph: SIGINT, stopping');
    await expect.poll(() => fetch(`${s.url}/_localgraph/health`).then(() => 'open', () => 'closed')).toBe('closed');
  });

  it('picks a different free port for each server started with --port 0, and stops cleanly on SIGINT and on SIGTERM', async () => {
    const [a, b] = await Promise.all([serve(['--port', '0', '--ephemeral']), serve(['--port', '0', '--data', path.join(tmp(), 'data')])]);
    running.push(a, b);
    expect(a.url).not.toBe(b.url);
    for (const s of [a, b]) expect((await fetch(`${s.url}/_localgraph/health`)).status).toBe(200);
    const signals = [
      [a, 'SIGINT'],
      [b, 'SIGTERM'],
    ] as const;
    for (const [s, signal] of signals) {
      s.child.kill(signal);
      expect(await s.exited).toBe(0);
      expect(s.output()).toContain(`localgraph: ${signal}, stopping`);
      await expect(fetch(`${s.url}/_localgraph/health`)).rejects.toThrow();
    }
  });

  it('keeps the state of a data folder across restarts, without loading the demo over it', async () => {
    const data = path.join(tmp(), 'data');
    const adminToken = 'lgadmin_start_command_test';
    const first = await serve(['--port', '0', '--data', data], { env: { LOCALGRAPH_ADMIN_TOKEN: adminToken } });
    running.push(first);
    const merge = await fetch(`${first.url}/_localgraph/fixture?merge=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ businesses: [{ id: '123123123', name: 'Kept Across Restarts' }] }),
    });
    expect(merge.status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const second = await serve(['--port', '0', '--data', data], { env: { LOCALGRAPH_ADMIN_TOKEN: adminToken } });
    running.push(second);
    const exported = (await (await fetch(`${second.url}/_localgraph/export`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as {
      businesses: Array<{ id: string }>;
      apps: Array<{ id: string }>;
    };
    expect(exported.businesses.map((b) => b.id)).toContain('123123123');
    expect(exported.apps.map((a) => a.id)).toEqual(['1234567890123456', '6543210987654321']);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
