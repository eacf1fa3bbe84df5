/**
 * A request answered 200 is durable: the server runs as a child process on a data folder, takes
 * concurrent writes, is killed with SIGKILL while writes are still in flight, and after a restart
 * on the same folder every acknowledged write is there (SQLite WAL, synchronous=FULL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serve, signalGroup, type ServeProcess } from './cli-process.js';

const ADMIN = 'lgadmin_durability_test';
const dirs: string[] = [];
const running: ServeProcess[] = [];

afterAll(() => {
  for (const s of running) signalGroup(s.child, 'SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const adminFetch = (url: string, init: RequestInit = {}): Promise<Response> =>
  fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' } });

describe('durability', () => {
  it('keeps every acknowledged write after a SIGKILL in the middle of traffic', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-durable-'));
    dirs.push(dir);
    const data = path.join(dir, 'data');
    const fixture = path.join(dir, 'base.json');
    fs.writeFileSync(fixture, JSON.stringify({ apps: [{ id: '9990000000000001', secret: 'durability-secret-000', name: 'Durability App' }] }));
    const env = { LOCALGRAPH_ADMIN_TOKEN: ADMIN };

    const first = await serve(['--port', '0', '--data', data, '--no-demo', '--fixture', fixture], { env });
    running.push(first);

    // Eight writers, each adding businesses one fixture fragment at a time, until the kill.
    const acknowledged: string[] = [];
    let next = 0;
    let killed = false;
    const writer = async (): Promise<void> => {
      while (!killed) {
        const id = String(700_000_000 + next++);
        try {
          const res = await adminFetch(`${first.url}/_localgraph/fixture?merge=1`, {
            method: 'POST',
            body: JSON.stringify({ businesses: [{ id, name: `Business ${id}` }] }),
          });
          if (res.status === 200) acknowledged.push(id);
        } catch {
          // the connection died with the server: not acknowledged
        }
      }
    };
    const writers = Array.from({ length: 8 }, () => writer());
    // The clock is state too: move it once, acknowledged before the kill.
    const clock = await adminFetch(`${first.url}/_localgraph/clock`, { method: 'POST', body: JSON.stringify({ advance_seconds: 86_400 }) });
    expect(clock.status).toBe(200);
    await expect.poll(() => acknowledged.length, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(150);

    first.child.kill('SIGKILL');
    const exit = await first.exited;
    killed = true;
    await Promise.all(writers);
    expect(exit).toBe('SIGKILL');
    // Writes were still being sent when the process died.
    expect(next).toBeGreaterThan(acknowledged.length);

    const second = await serve(['--port', '0', '--data', data, '--no-demo'], { env });
    running.push(second);
    const exported = (await (await adminFetch(`${second.url}/_localgraph/export`)).json()) as { businesses: Array<{ id: string }>; apps: Array<{ id: string }> };
    const stored = new Set(exported.businesses.map((b) => b.id));
    const lost = acknowledged.filter((id) => !stored.has(id));
    expect(lost).toEqual([]);
    expect(exported.apps.map((a) => a.id)).toEqual(['9990000000000001']);
    const after = (await (await adminFetch(`${second.url}/_localgraph/clock`)).json()) as { offset_seconds: number };
    expect(after.offset_seconds).toBeGreaterThanOrEqual(86_400);
    // And the restarted server keeps taking writes on the same folder.
    const more = await adminFetch(`${second.url}/_localgraph/fixture?merge=1`, { method: 'POST', body: JSON.stringify({ businesses: [{ id: '799999999', name: 'After' }] }) });
    expect(more.status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
