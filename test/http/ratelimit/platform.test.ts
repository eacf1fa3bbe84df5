/**
 * Platform rate limits (spec/graph-api-core.md §8, §2.2): the app's budget of 200 × users calls
 * per rolling hour with `x-app-usage` rising and `(#4)` (HTTP 403, transient) at 100 %; the user
 * limit (17); custom limits (613); each configurable or off. Windows slide on the server clock:
 * these tests move the clock, they never sleep.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  await server.admin('/_localgraph/ratelimits/usage', { method: 'DELETE' });
  await settings({ enabled: true, apps: { [DEMO.appId]: null }, user: { enabled: true, calls_per_window: 4800 }, custom: [] });
});

async function settings(patch: unknown) {
  const r = await server.admin('/_localgraph/ratelimits', { method: 'POST', body: JSON.stringify(patch) });
  expect(r.status).toBe(200);
  return r.body;
}
const advance = (seconds: number) => server.admin('/_localgraph/clock', { method: 'POST', body: JSON.stringify({ advance_seconds: seconds }) });
const me = (token = DEMO.aliceToken) => server.call(`/v21.0/me?access_token=${token}`);
const usage = (r: { headers: Headers }) => JSON.parse(r.headers.get('x-app-usage') ?? 'null');

describe('the app limit', () => {
  it('budgets 200 calls per hour per daily user, and reports usage in whole percents', async () => {
    const r = await server.admin(`/_localgraph/ratelimits/usage?app=${DEMO.secondAppId}`);
    expect(r.body.apps[0].budget_calls_per_window).toBe(200 * 10);
    const call = await me(DEMO.aliceSecondAppToken);
    expect(Object.keys(usage(call))).toEqual(['call_count', 'total_cputime', 'total_time']);
    expect(usage(call).call_count).toBe(0);
  });

  it('raises call_count with use and answers (#4) at 100 %, HTTP 403, transient', async () => {
    await settings({ apps: { [DEMO.appId]: { calls_per_hour: 10 } } });
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await me();
      expect(r.status).toBe(200);
      seen.push(usage(r).call_count);
    }
    expect(seen).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    const refused = await me();
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ message: '(#4) Application request limit reached', type: 'OAuthException', code: 4, is_transient: true });
    expect(usage(refused).call_count).toBeGreaterThanOrEqual(100);
    // App tokens of the same app share the pool.
    expect((await server.call(`/v21.0/${DEMO.appId}?access_token=${encodeURIComponent(DEMO.appToken)}`)).body.error.code).toBe(4);
    // Another app is not affected.
    expect((await me(DEMO.aliceSecondAppToken)).status).toBe(200);
  });

  it('slides: calls leave the window an hour after they were made', async () => {
    await settings({ apps: { [DEMO.appId]: { calls_per_hour: 4 } } });
    await me();
    await me();
    await advance(30 * 60);
    await me();
    await me();
    expect((await me()).status).toBe(403);
    // 31 minutes on, the first two calls (and only they) have left the window.
    await advance(31 * 60);
    expect((await me()).status).toBe(200);
    const again = await me();
    expect(again.status).toBe(403);
    await advance(3601);
    expect((await me()).status).toBe(200);
  });

  it('counts each operation of a batch, not the batch itself', async () => {
    await settings({ apps: { [DEMO.appId]: { calls_per_hour: 100 } } });
    const batch = JSON.stringify([{ method: 'GET', relative_url: 'me' }, { method: 'GET', relative_url: 'me' }, { method: 'GET', relative_url: 'me' }]);
    const r = await server.call(`/v21.0/?access_token=${DEMO.aliceToken}`, { method: 'POST', body: new URLSearchParams({ batch }) });
    expect(r.status).toBe(200);
    expect(usage(r).call_count).toBe(3);
    const snap = await server.admin(`/_localgraph/ratelimits/usage?app=${DEMO.appId}`);
    expect(snap.body.apps[0].calls).toBe(3);
  });

  it('throttles an app at once when its budget is filled from the control surface', async () => {
    const filled = await server.admin('/_localgraph/ratelimits/usage', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, percent: 100 }) });
    expect(filled.body.throttled).toBe(true);
    expect((await me()).body.error.code).toBe(4);
  });

  it('can be turned off: no header, no throttling', async () => {
    await settings({ enabled: false, apps: { [DEMO.appId]: { calls_per_hour: 1 } } });
    const a = await me();
    const b = await me();
    expect(b.status).toBe(200);
    expect(a.headers.get('x-app-usage')).toBeNull();
  });
});

describe('the user limit', () => {
  it('answers (#17) User request limit reached for that person only', async () => {
    await settings({ user: { calls_per_window: 2 } });
    expect((await me(DEMO.bobToken)).status).toBe(200);
    expect((await me(DEMO.bobToken)).status).toBe(200);
    const r = await me(DEMO.bobToken);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ message: '(#17) User request limit reached', code: 17, is_transient: true });
    expect((await me(DEMO.aliceToken)).status).toBe(200);
  });

  it('is reachable by filling the person budget', async () => {
    await server.admin('/_localgraph/ratelimits/usage', { method: 'POST', body: JSON.stringify({ person: 'bob', percent: 100 }) });
    expect((await me(DEMO.bobToken)).body.error.code).toBe(17);
  });
});

describe('custom limits', () => {
  it('answers 613 "Calls to this api have exceeded the rate limit." past a path rule', async () => {
    await settings({ custom: [{ path: '/me/permissions', method: 'GET', limit: 2, window_seconds: 60 }] });
    const perms = () => server.call(`/v21.0/me/permissions?access_token=${DEMO.aliceToken}`);
    expect((await perms()).status).toBe(200);
    expect((await perms()).status).toBe(200);
    const r = await perms();
    expect(r.body.error).toMatchObject({ code: 613, message: 'Calls to this api have exceeded the rate limit.', is_transient: true });
    // Other paths are not limited by the rule; its own window is a minute.
    expect((await me()).status).toBe(200);
    await advance(61);
    expect((await perms()).status).toBe(200);
  });

  it('refuses a malformed settings document, naming the field', async () => {
    const r = await server.admin('/_localgraph/ratelimits', { method: 'POST', body: JSON.stringify({ app: { calls_per_usr: 1 } }) });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/app\.calls_per_usr/);
  });
});

describe('a server started with rate limits off', () => {
  it('sends no usage header and never throttles', async () => {
    const off = await startTestServer({ rateLimits: false });
    try {
      await off.admin('/_localgraph/ratelimits/usage', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, percent: 500 }) });
      const r = await off.call(`/v21.0/me?access_token=${DEMO.aliceToken}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-app-usage')).toBeNull();
      expect((await off.admin('/_localgraph/ratelimits')).body.enabled).toBe(false);
    } finally {
      await off.close();
    }
  });
});
