/**
 * Rate limits with Redis: two servers on one PostgreSQL schema and one Redis charge one budget,
 * so a limit reached through one is enforced by the other. (The child-process version of this is
 * in two-processes.test.ts; here both run in this process, which keeps the test fast.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { dropPostgresSchema } from '../../src/storage/postgres.js';
import { DEMO, freshSchemaName } from '../helpers/server.js';

const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.LOCALGRAPH_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

const schema = freshSchemaName('lgl');
let a: RunningServer;
let b: RunningServer;

beforeAll(async () => {
  const opts = { port: 0, databaseUrl: PG_URL, pgSchema: schema, redisUrl: REDIS_URL, matchDelayMs: 0, adminToken: 'lgadmin_shared_limits_test' };
  const [first, second] = await Promise.allSettled([startServer(opts), startServer(opts)]);
  // Keep whichever started, so afterAll closes it and drops the schema even when the other failed.
  if (first.status === 'fulfilled') a = first.value;
  if (second.status === 'fulfilled') b = second.value;
  if (first.status === 'rejected') throw first.reason;
  if (second.status === 'rejected') throw second.reason;
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await dropPostgresSchema(PG_URL, schema);
});

async function admin(s: RunningServer, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(s.url + path, {
    ...init,
    headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function me(s: RunningServer): Promise<{ status: number; code?: number; usage: string | null }> {
  const res = await fetch(`${s.url}/v21.0/me?fields=id&access_token=${DEMO.aliceToken}`);
  const body = (await res.json()) as { error?: { code: number } };
  return { status: res.status, code: body.error?.code, usage: res.headers.get('x-app-usage') };
}

describe('rate limits across processes (Redis counters)', () => {
  it('counts calls made through either server in one budget and throttles both when it runs out', async () => {
    await admin(a, '/_localgraph/ratelimits/usage', { method: 'DELETE' });
    const usage = await admin(a, `/_localgraph/ratelimits/usage?app=${DEMO.appId}`);
    const budget = (usage.body.apps as Array<{ budget_calls_per_window: number }>)[0].budget_calls_per_window;
    // Bring the app to 40 calls short of its budget through A, then spend the rest alternating.
    const fill = await admin(a, '/_localgraph/ratelimits/usage', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, percent: ((budget - 40) * 100) / budget }) });
    expect(fill.status).toBe(200);
    let ok = 0;
    let refused: { status: number; code?: number } | undefined;
    for (let i = 0; i < 60 && !refused; i++) {
      const r = await me(i % 2 === 0 ? a : b);
      if (r.status === 200) ok++;
      else refused = r;
    }
    expect(refused).toMatchObject({ status: 403, code: 4 });
    // Each call through either process was counted once: the budget ran out after exactly 40.
    expect(ok).toBe(40);
    expect((await me(a)).code).toBe(4);
    expect((await me(b)).code).toBe(4);
    const seen = await admin(b, `/_localgraph/ratelimits/usage?app=${DEMO.appId}`);
    expect((seen.body.apps as Array<{ throttled: boolean }>)[0].throttled).toBe(true);
  });

  it('sees a budget filled through one server from the other, and a reset through the other frees both', async () => {
    await admin(a, '/_localgraph/ratelimits/usage', { method: 'DELETE' });
    expect((await me(b)).status).toBe(200);
    await admin(a, '/_localgraph/ratelimits/usage', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, percent: 100 }) });
    const r = await me(b);
    expect(r.code).toBe(4);
    await admin(b, '/_localgraph/ratelimits/usage', { method: 'DELETE' });
    expect((await me(a)).status).toBe(200);
    expect((await me(b)).status).toBe(200);
  });

  it('reports Redis in readiness', async () => {
    const ready = await fetch(`${a.url}/_localgraph/ready`);
    expect(ready.status).toBe(200);
  });
});

describe('readiness when Redis is unreachable', () => {
  it('answers 503 naming redis, while health stays 200', async () => {
    const s = freshSchemaName('lgl');
    const server = await startServer({ port: 0, databaseUrl: PG_URL, pgSchema: s, redisUrl: 'redis://127.0.0.1:1', matchDelayMs: 0 }).catch(async (e: unknown) => {
      await dropPostgresSchema(PG_URL, s);
      throw e;
    });
    try {
      const ready = await fetch(`${server.url}/_localgraph/ready`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { problems: string[] }).problems).toEqual(['redis']);
      expect((await fetch(`${server.url}/_localgraph/health`)).status).toBe(200);
      // A Graph call whose limiter cannot reach Redis answers with the transient Graph error, not a crash.
      const res = await fetch(`${server.url}/v21.0/me?fields=id&access_token=${DEMO.aliceToken}`);
      const body = (await res.json()) as { error?: { code: number; is_transient?: boolean } };
      expect(body.error?.code).toBe(2);
      expect(body.error?.is_transient).toBe(true);
    } finally {
      await server.close();
      await dropPostgresSchema(PG_URL, s);
    }
  });
});
