/**
 * `GET /debug_token` (spec/graph-api-core.md §7.3): the real shape for every kind of token, an
 * `error` inside `data` for tokens that stopped working, and the real 100 for a caller who may not
 * ask (a user token of someone who does not develop the app, another app's token).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // Bob develops the demo app: his user token may debug its tokens.
  const r = await server.admin('/_localgraph/fixture?merge=1', {
    method: 'POST',
    body: JSON.stringify({ app_roles: [{ app: DEMO.appId, person: 'bob', role: 'developers' }] }),
  });
  expect(r.status).toBe(200);
});
afterAll(() => server.close());

const debug = (input: string, caller: string) =>
  server.call(`/v21.0/debug_token?input_token=${encodeURIComponent(input)}&access_token=${encodeURIComponent(caller)}`);

describe('debug_token with the app token', () => {
  it('describes a user token: app, type, application, expiries, validity, scopes, granular scopes, user id', async () => {
    const t = await server.admin('/_localgraph/tokens', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, person: 'alice' }) });
    const r = await debug(t.body.token, DEMO.appToken);
    expect(r.status).toBe(200);
    const d = r.body.data;
    expect(Object.keys(d)).toEqual([
      'app_id',
      'type',
      'application',
      'data_access_expires_at',
      'expires_at',
      'is_valid',
      'issued_at',
      'scopes',
      'granular_scopes',
      'user_id',
    ]);
    expect(d).toMatchObject({ app_id: DEMO.appId, type: 'USER', application: 'Demo App', is_valid: true, user_id: DEMO.aliceAsid });
    expect(d.expires_at).toBe(t.body.expires_at);
    expect(d.data_access_expires_at).toBe(t.body.data_access_expires_at);
    expect(d.scopes).toContain('email');
    expect(d.scopes).toContain('public_profile');
    expect(d.granular_scopes).toContainEqual({ scope: 'pages_show_list', target_ids: [DEMO.pageId] });
    expect(d.granular_scopes).toContainEqual({ scope: 'email' });
  });

  it('describes a page token with its page as profile_id', async () => {
    const r = await debug(DEMO.pageToken, DEMO.appToken);
    expect(r.body.data).toMatchObject({ type: 'PAGE', profile_id: DEMO.pageId, is_valid: true, user_id: DEMO.aliceAsid });
  });

  it('describes a system-user token and an app token', async () => {
    expect((await debug(DEMO.systemUserToken, DEMO.appToken)).body.data).toMatchObject({ type: 'SYSTEM_USER', is_valid: true });
    expect((await debug(DEMO.appToken, DEMO.appToken)).body.data).toMatchObject({ app_id: DEMO.appId, type: 'APP', application: 'Demo App', is_valid: true });
  });

  it('describes an expired token as invalid, with the 190/463 it would get', async () => {
    const t = await server.admin('/_localgraph/tokens', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, person: 'bob', lifetime_seconds: 60 }) });
    await server.admin('/_localgraph/clock', { method: 'POST', body: JSON.stringify({ advance_seconds: 61 }) });
    const d = (await debug(t.body.token, DEMO.appToken)).body.data;
    expect(d.is_valid).toBe(false);
    expect(d.error).toMatchObject({ code: 190, subcode: 463 });
    expect(d.error.message).toMatch(/^Error validating access token: Session has expired on /);
    expect(d.user_id).toBe(DEMO.bobAsid);
  });

  it('describes a token it cannot read as invalid with no scopes', async () => {
    const r = await debug('EAAgarbage', DEMO.appToken);
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ error: { code: 190, message: 'The access token could not be decrypted' }, is_valid: false, scopes: [] });
  });

  it('answers 100 "The parameter input_token is required" without input_token', async () => {
    const r = await server.call(`/v21.0/debug_token?access_token=${encodeURIComponent(DEMO.appToken)}`);
    expect(r.body.error).toMatchObject({ code: 100, message: '(#100) The parameter input_token is required' });
  });
});

describe('who may ask', () => {
  const REFUSAL = '(#100) You must provide an app access token, or a user access token that is an owner or developer of the app';

  it("refuses a user token of someone who does not develop the app with the real 100", async () => {
    const r = await debug(DEMO.bobToken, DEMO.aliceToken);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 100, type: 'OAuthException', message: REFUSAL });
  });

  it("refuses another app's app token", async () => {
    const other = `${DEMO.secondAppId}|${DEMO.secondAppSecret}`;
    expect((await debug(DEMO.aliceToken, other)).body.error).toMatchObject({ code: 100, message: REFUSAL });
  });

  it("accepts a developer's user token", async () => {
    const r = await debug(DEMO.aliceToken, DEMO.bobToken);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ app_id: DEMO.appId, is_valid: true, user_id: DEMO.aliceAsid });
  });

  it('needs a token at all (104)', async () => {
    const r = await server.call(`/v21.0/debug_token?input_token=${DEMO.aliceToken}`);
    expect(r.body.error).toMatchObject({ code: 104 });
  });
});
