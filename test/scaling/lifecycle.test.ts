/**
 * What a load balancer relies on: readiness that turns 503 when a process drains, and a shutdown
 * that finishes requests already accepted. On PostgreSQL, processes sharing one schema also share
 * the clock and the admin token, and may start at the same moment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { dropPostgresSchema } from '../../src/storage/postgres.js';
import { DEMO, freshSchemaName, startTestServer, type TestServer } from '../helpers/server.js';

const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await (cleanups.pop() as () => Promise<void>)();
});

/** Holds every Graph call that carries `slow=<ms>` for that long (a stand-in for a long upload). */
function slowCalls(server: RunningServer): void {
  server.services.hooks.before.push(async (ctx) => {
    const ms = ctx.params.string('slow');
    return ms ? { delayMs: Number(ms) } : undefined;
  });
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`on ${backend}`, () => {
    async function server(overrides = {}): Promise<TestServer> {
      const s = await startTestServer(backend === 'postgres' ? { databaseUrl: PG_URL, pgSchema: freshSchemaName(), ...overrides } : overrides);
      cleanups.push(async () => {
        await s.close();
        if (backend === 'postgres') await dropPostgresSchema(PG_URL, s.store.pgSchema as string);
      });
      return s;
    }

    it('answers health and readiness without the admin token', async () => {
      const s = await server();
      const health = await s.call('/_localgraph/health');
      expect(health.status).toBe(200);
      expect(health.body.store).toBe(backend);
      const ready = await s.call('/_localgraph/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ ready: true });
    });

    it('finishes a request in flight when closed, then refuses new connections', async () => {
      const s = await server();
      slowCalls(s);
      const inFlight = s.call(`/v21.0/me?fields=id&slow=400&access_token=${DEMO.aliceToken}`);
      await new Promise((r) => setTimeout(r, 100));
      const closing = s.close();
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(DEMO.aliceAsid);
      await closing;
      await expect(fetch(`${s.url}/_localgraph/health`)).rejects.toThrow();
    });

    it('reports not ready during the drain delay while still serving', async () => {
      const s = await server({ shutdownDelayMs: 400 });
      const closing = s.close();
      await new Promise((r) => setTimeout(r, 50));
      const ready = await s.call('/_localgraph/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ ready: false, problems: ['draining'] });
      const me = await s.call(`/v21.0/me?fields=id&access_token=${DEMO.aliceToken}`);
      expect(me.status).toBe(200);
      await closing;
    });

    it('cuts requests still running when the grace period ends', async () => {
      const s = await server({ shutdownGraceMs: 150 });
      slowCalls(s);
      const stuck = s.call(`/v21.0/me?fields=id&slow=5000&access_token=${DEMO.aliceToken}`).then(
        () => 'answered',
        () => 'cut',
      );
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      await s.close();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await stuck).toBe('cut');
    });
  });
}

describe('processes sharing one PostgreSQL schema', () => {
  async function pair(): Promise<[RunningServer, RunningServer]> {
    const schema = freshSchemaName();
    const opts = { port: 0, databaseUrl: PG_URL, pgSchema: schema, matchDelayMs: 0, adminToken: undefined };
    // Both start at once on an empty schema: one migrates and loads the demo, the other waits.
    const [a, b] = await Promise.all([startServer(opts), startServer(opts)]);
    cleanups.push(async () => {
      await a.close();
      await b.close();
      await dropPostgresSchema(PG_URL, schema);
    });
    return [a, b];
  }

  it('start together on an empty schema and load the demo fixture once', async () => {
    const [a, b] = await pair();
    const apps = await a.store.world.listApps();
    expect(apps.map((x) => x.id)).toContain(DEMO.appId);
    expect(apps.length).toBe(new Set(apps.map((x) => x.id)).size);
    const res = await fetch(`${b.url}/v21.0/me?fields=id&access_token=${DEMO.aliceToken}`);
    expect(res.status).toBe(200);
  });

  it('share one generated admin token', async () => {
    const [a, b] = await pair();
    expect(a.adminToken).toMatch(/^lgadmin_/);
    expect(b.adminToken).toBe(a.adminToken);
  });

  it('see a clock moved through one on the very next request to the other', async () => {
    const [a, b] = await pair();
    const before = (await (await fetch(`${b.url}/_localgraph/clock`, { headers: { authorization: `Bearer ${b.adminToken}` } }).then((r) => r.json())) as {
      unix: number;
    }).unix;
    const moved = await fetch(`${a.url}/_localgraph/clock`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ advance_seconds: 86_400 * 3 }),
    });
    expect(moved.status).toBe(200);
    const after = (await (await fetch(`${b.url}/_localgraph/clock`, { headers: { authorization: `Bearer ${b.adminToken}` } }).then((r) => r.json())) as {
      unix: number;
      offset_seconds: number;
    });
    expect(after.offset_seconds).toBe(86_400 * 3);
    expect(after.unix - before).toBeGreaterThanOrEqual(86_400 * 3);
  });
});

describe('SharedClock', () => {
  it('keeps a local move when a read that started before it returns the old value', async () => {
    const { SharedClock } = await import('../../src/scaling/shared-clock.js');
    let stored = '5000';
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const clock = new SharedClock({
      getMeta: async () => {
        const v = stored;
        await gate;
        return v;
      },
    });
    const reading = clock.refresh();
    clock.setOffset(0);
    stored = '0';
    release();
    await reading;
    expect(clock.offsetMs()).toBe(0);
  });

  it('makes a caller that arrives during a read wait for a fresh one', async () => {
    const { SharedClock } = await import('../../src/scaling/shared-clock.js');
    let stored = '1000';
    let reads = 0;
    const clock = new SharedClock({
      getMeta: async () => {
        reads++;
        const v = stored;
        await new Promise((r) => setTimeout(r, 20));
        return v;
      },
    });
    const first = clock.refresh();
    stored = '2000';
    const second = clock.refresh();
    const third = clock.refresh();
    await Promise.all([first, second, third]);
    expect(clock.offsetMs()).toBe(2000);
    // The two late callers shared one extra read.
    expect(reads).toBe(2);
  });
});
