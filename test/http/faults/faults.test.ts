/**
 * Fault injection through the control surface: rules that make matching calls (path pattern,
 * method, app, ad account) fail the way the real API fails — for the next N calls, with a seeded
 * probability, or inside a window of the server clock — with any catalogue error, added latency,
 * the HTML "Sorry, something went wrong" page, a dropped connection, or the real URL limit. Each
 * rule counts what it matched and fired; the journal marks injected answers with the rule's id.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  await server.admin('/_localgraph/faults', { method: 'DELETE' });
});

async function addRule(rule: unknown) {
  const r = await server.admin('/_localgraph/faults', { method: 'POST', body: JSON.stringify(rule) });
  expect(r.status).toBe(200);
  return r.body.data[0] as { id: string };
}
const me = (token = DEMO.aliceToken) => server.call(`/v21.0/me?access_token=${token}`);
const rule = async (id: string) => (await server.admin(`/_localgraph/faults/${id}`)).body;

describe('which calls a rule hits', () => {
  it('fails the next N matching calls, then lets calls through, and counts both', async () => {
    const { id } = await addRule({ path: '/me', method: 'GET', times: 2, code: 2 });
    const a = await me();
    const b = await me();
    const c = await me();
    expect(a.status).toBe(500);
    expect(a.body.error).toMatchObject({ code: 2, is_transient: true, message: 'An unexpected error has occurred. Please retry your request later.' });
    expect(b.body.error.code).toBe(2);
    expect(c.status).toBe(200);
    expect(await rule(id)).toMatchObject({ matched: 2, fired: 2, active: false });
  });

  it('matches by path pattern and method only', async () => {
    await addRule({ path: '/*/permissions/*', method: 'DELETE', code: 368 });
    expect((await server.call(`/v21.0/me/permissions/user_likes?access_token=${DEMO.aliceToken}`)).status).toBe(200);
    const r = await server.call(`/v21.0/me/permissions/user_likes?access_token=${DEMO.aliceToken}`, { method: 'DELETE' });
    expect(r.body.error).toMatchObject({ code: 368, message: '(#368) The action attempted has been deemed abusive or is otherwise disallowed' });
  });

  it('matches by app', async () => {
    await addRule({ app: DEMO.secondAppId, code: 4 });
    expect((await me()).status).toBe(200);
    const r = await me(DEMO.aliceSecondAppToken);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 4, message: '(#4) Application request limit reached', is_transient: true });
  });

  it('matches by ad account', async () => {
    await addRule({ ad_account: `act_${DEMO.adAccountId}`, code: 80003 });
    expect((await me()).status).toBe(200);
    const r = await server.call(`/v21.0/act_${DEMO.adAccountId}/customaudiences?access_token=${DEMO.aliceToken}`);
    expect(r.body.error).toMatchObject({ code: 80003, error_subcode: 2446079 });
  });

  it('fires with a seeded probability, repeatably', async () => {
    const pattern = async (): Promise<boolean[]> => {
      await server.admin('/_localgraph/faults', { method: 'DELETE' });
      const { id } = await addRule({ path: '/me', probability: 0.5, seed: 7, code: 1 });
      const out: boolean[] = [];
      for (let i = 0; i < 16; i++) out.push((await me()).status !== 200);
      const r = await rule(id);
      expect(r.matched).toBe(16);
      expect(r.fired).toBe(out.filter(Boolean).length);
      return out;
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first.some(Boolean)).toBe(true);
    expect(first.every(Boolean)).toBe(false);
  });

  it('fires only inside its window on the server clock', async () => {
    const clock = (await server.admin('/_localgraph/clock')).body;
    await addRule({ path: '/me', from: clock.unix + 60, duration_seconds: 60, code: 2 });
    expect((await me()).status).toBe(200);
    await server.admin('/_localgraph/clock', { method: 'POST', body: JSON.stringify({ advance_seconds: 61 }) });
    expect((await me()).status).toBe(500);
    await server.admin('/_localgraph/clock', { method: 'POST', body: JSON.stringify({ advance_seconds: 60 }) });
    expect((await me()).status).toBe(200);
  });

  it('marks injected answers in the journal with the rule id', async () => {
    const { id } = await addRule({ path: '/me', times: 1, code: 17 });
    await me();
    const j = await server.admin('/_localgraph/journal?limit=5');
    const entry = j.body.data.find((e: { path: string }) => e.path === '/v21.0/me');
    expect(entry).toMatchObject({ injected: id, errorCode: 17 });
    await me();
    const after = await server.admin('/_localgraph/journal?limit=1');
    expect(after.body.data[0].injected).toBeUndefined();
  });
});

describe('what a rule answers', () => {
  it('answers catalogue errors with their real text, subcode and status', async () => {
    const cases: Array<[unknown, Record<string, unknown>, number]> = [
      [{ code: 190, subcode: 463 }, { code: 190, error_subcode: 463 }, 400],
      [{ code: 190, subcode: 460 }, { code: 190, error_subcode: 460 }, 400],
      [{ code: 100, subcode: 1713230 }, { code: 100, error_subcode: 1713230, error_user_title: 'Audience Upload Blocked' }, 400],
      [{ code: 2650, subcode: 1870053 }, { code: 2650, error_subcode: 1870053 }, 400],
      [{ code: 80004 }, { code: 80004, error_subcode: 2446079 }, 400],
      [{ code: 613 }, { code: 613, message: 'Calls to this api have exceeded the rate limit.' }, 400],
      [{ code: 200 }, { code: 200, message: '(#200) Permissions error' }, 403],
      [{ code: 32 }, { code: 32, message: '(#32) Page request limit reached' }, 400],
      [{ code: 1 }, { code: 1 }, 500],
      [{ code: 3919 }, { code: 3919, message: '(#3919) There was an unexpected technical issue. Please try again.' }, 400],
    ];
    for (const [error, expected, status] of cases) {
      await server.admin('/_localgraph/faults', { method: 'DELETE' });
      await addRule({ path: '/me', error });
      const r = await me();
      expect(r.status, JSON.stringify(error)).toBe(status);
      expect(r.body.error, JSON.stringify(error)).toMatchObject({ type: 'OAuthException', ...expected });
      expect(r.body.error.fbtrace_id).toBeTruthy();
    }
  });

  it('lets a rule override the message, status and flags', async () => {
    await addRule({ path: '/me', error: { code: 2, message: 'Custom outage', status: 503, is_transient: false } });
    const r = await me();
    expect(r.status).toBe(503);
    expect(r.body.error).toMatchObject({ code: 2, message: 'Custom outage', is_transient: false });
  });

  it('adds latency and then answers normally', async () => {
    const { id } = await addRule({ path: '/me', latency_ms: 150 });
    const t0 = performance.now();
    const r = await me();
    expect(r.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect((await rule(id)).fired).toBe(1);
  });

  it('answers the HTML "Sorry, something went wrong" page with status 500', async () => {
    await addRule({ path: '/me', fault: 'html_500' });
    const r = await me();
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(typeof r.body).toBe('string');
    expect(r.body).toMatch(/^<!DOCTYPE html>/);
    expect(r.body).toContain('Sorry, something went wrong.');
  });

  it('drops the connection without an answer', async () => {
    await addRule({ path: '/me', fault: 'drop', times: 1 });
    await expect(fetch(`${server.url}/v21.0/me?access_token=${DEMO.aliceToken}`)).rejects.toThrow();
    expect((await me()).status).toBe(200);
  });
});

describe('the real URL limit', () => {
  const longQuery = (bytes: number) => `&pad=${'a'.repeat(bytes)}`;

  it('refuses request lines over the limit with the HTML error page (400), before the token is read', async () => {
    const { id } = await addRule({ profile: 'real_url_limit', max_bytes: 2000 });
    const short = await server.call(`/v21.0/me?access_token=${DEMO.aliceToken}${longQuery(100)}`);
    expect(short.status).toBe(200);
    const long = await server.call(`/v21.0/me?access_token=not-a-token${longQuery(3000)}`);
    expect(long.status).toBe(400);
    expect(long.headers.get('content-type')).toMatch(/^text\/html/);
    expect(long.body).toContain('Sorry, something went wrong.');
    expect(await rule(id)).toMatchObject({ fired: 1 });
    const j = await server.admin('/_localgraph/journal?limit=1');
    expect(j.body.data[0]).toMatchObject({ injected: id, status: 400 });
  });

  it('accepts a long body: only the request line counts', async () => {
    await addRule({ profile: 'real_url_limit', max_bytes: 2000 });
    const r = await server.call(`/v21.0/me?access_token=${DEMO.aliceToken}`, { method: 'GET', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: undefined });
    expect(r.status).toBe(200);
    const post = await server.call(`/v21.0/me/permissions`, { method: 'POST', body: new URLSearchParams({ access_token: DEMO.aliceToken, method: 'get', pad: 'a'.repeat(5000) }) });
    expect(post.status).toBe(200);
  });

  it('cuts the connection past drop_over_bytes, as the real front end sometimes does', async () => {
    await addRule({ profile: 'real_url_limit', max_bytes: 2000, drop_over_bytes: 10000 });
    await expect(fetch(`${server.url}/v21.0/me?access_token=${DEMO.aliceToken}${longQuery(20000)}`)).rejects.toThrow();
  });
});

describe('managing rules', () => {
  it('lists, removes and clears rules, and refuses a bad one with a message', async () => {
    const a = await addRule({ id: 'mine', path: '/me', code: 2 });
    expect(a.id).toBe('mine');
    const list = await server.admin('/_localgraph/faults');
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual(['mine']);
    expect((await server.admin('/_localgraph/faults/mine', { method: 'DELETE' })).status).toBe(200);
    expect((await server.admin('/_localgraph/faults/mine')).status).toBe(404);
    const bad = await server.admin('/_localgraph/faults', { method: 'POST', body: JSON.stringify([{ code: 2 }, { fault: 'meteor' }]) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^rule 1: fault must be one of/);
    expect((await server.admin('/_localgraph/faults')).body.data).toEqual([]);
  });

  it('is cleared by a reset of the control surface', async () => {
    await addRule({ path: '/me', code: 2 });
    await server.admin('/_localgraph/reset', { method: 'POST' });
    expect((await server.admin('/_localgraph/faults')).body.data).toEqual([]);
  });
});
