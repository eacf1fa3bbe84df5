/**
 * App tokens and `/oauth/access_token` (spec/graph-api-core.md §3.2, §7.2): `APP_ID|APP_SECRET`
 * accepted directly, `client_credentials`, `fb_exchange_token`, the login-code exchange, and the
 * real errors for a missing or unknown app and a wrong secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const oauth = (q: Record<string, string>) => server.call(`/v21.0/oauth/access_token?${new URLSearchParams(q)}`);

describe('app tokens', () => {
  it('accepts APP_ID|APP_SECRET directly', async () => {
    const r = await server.call(`/v21.0/${DEMO.appId}?access_token=${encodeURIComponent(DEMO.appToken)}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: DEMO.appId, name: 'Demo App' });
  });

  it('refuses APP_ID|wrong-secret as an unparseable token (190)', async () => {
    const r = await server.call(`/v21.0/${DEMO.appId}?access_token=${DEMO.appId}%7Cnot-the-secret`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 190, type: 'OAuthException', message: 'Invalid OAuth access token - Cannot parse access token' });
  });

  it('issues an app token with client_credentials, shaped {app-id}|{opaque}, that works', async () => {
    const r = await oauth({ client_id: DEMO.appId, client_secret: DEMO.appSecret, grant_type: 'client_credentials' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['access_token', 'token_type']);
    expect(r.body.token_type).toBe('bearer');
    expect(r.body.access_token).toMatch(new RegExp(`^${DEMO.appId}\\|[A-Za-z0-9_-]{27}$`));
    const me = await server.call(`/v21.0/${DEMO.appId}/accounts/test-users?access_token=${encodeURIComponent(r.body.access_token)}`);
    expect(me.status).toBe(200);
  });

  it('also answers on POST and without a version', async () => {
    const r = await server.call('/oauth/access_token', {
      method: 'POST',
      body: new URLSearchParams({ client_id: DEMO.appId, client_secret: DEMO.appSecret, grant_type: 'client_credentials' }),
    });
    expect(r.status).toBe(200);
    expect(r.body.token_type).toBe('bearer');
  });

  it('answers 101 "Missing client_id parameter." without client_id', async () => {
    const r = await oauth({ client_secret: DEMO.appSecret, grant_type: 'client_credentials' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 101, type: 'OAuthException', message: 'Missing client_id parameter.' });
  });

  it('answers 101 for an app that does not exist', async () => {
    const r = await oauth({ client_id: '999999999999999', client_secret: 'x', grant_type: 'client_credentials' });
    expect(r.body.error).toMatchObject({ code: 101, message: 'Error validating application. Invalid application ID.' });
  });

  it('answers code 1 "Error validating client secret." for a wrong secret', async () => {
    const r = await oauth({ client_id: DEMO.appId, client_secret: 'wrong', grant_type: 'client_credentials' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 1, message: 'Error validating client secret.' });
  });
});

describe('fb_exchange_token', () => {
  async function shortLivedToken(): Promise<string> {
    const r = await server.admin('/_localgraph/tokens', {
      method: 'POST',
      body: JSON.stringify({ app: DEMO.appId, person: 'bob', lifetime_seconds: 3600 }),
    });
    expect(r.status).toBe(200);
    return r.body.token as string;
  }

  it('turns a short-lived user token into a long-lived one with expires_in (about 60 days)', async () => {
    const short = await shortLivedToken();
    const r = await oauth({ grant_type: 'fb_exchange_token', client_id: DEMO.appId, client_secret: DEMO.appSecret, fb_exchange_token: short });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['access_token', 'token_type', 'expires_in']);
    expect(r.body.access_token).toMatch(/^EAA/);
    expect(r.body.access_token).not.toBe(short);
    expect(r.body.expires_in).toBeGreaterThan(59 * 86400);
    expect(r.body.expires_in).toBeLessThanOrEqual(60 * 86400);
    const me = await server.call(`/v21.0/me?access_token=${r.body.access_token}`);
    expect(me.body).toMatchObject({ id: DEMO.bobAsid });
  });

  it('answers "fb_exchange_token parameter not specified" (code 1) without the token', async () => {
    const r = await oauth({ grant_type: 'fb_exchange_token', client_id: DEMO.appId, client_secret: DEMO.appSecret });
    expect(r.body.error).toMatchObject({ code: 1, message: 'fb_exchange_token parameter not specified' });
  });

  it('refuses to exchange an expired token with its 190/463', async () => {
    const short = await shortLivedToken();
    await server.admin(`/_localgraph/tokens/${short}`, { method: 'POST', body: JSON.stringify({ expire: true }) });
    const r = await oauth({ grant_type: 'fb_exchange_token', client_id: DEMO.appId, client_secret: DEMO.appSecret, fb_exchange_token: short });
    expect(r.body.error).toMatchObject({ code: 190, error_subcode: 463 });
  });

  it("refuses another app's token", async () => {
    const r = await oauth({ grant_type: 'fb_exchange_token', client_id: DEMO.appId, client_secret: DEMO.appSecret, fb_exchange_token: DEMO.aliceSecondAppToken });
    expect(r.body.error).toMatchObject({ code: 190 });
  });

  it('gives a token that never expires back without expires_in', async () => {
    const r = await oauth({ grant_type: 'fb_exchange_token', client_id: DEMO.appId, client_secret: DEMO.appSecret, fb_exchange_token: DEMO.aliceToken });
    expect(r.body).toEqual({ access_token: DEMO.aliceToken, token_type: 'bearer' });
  });
});

describe('login-code exchange', () => {
  async function code(redirect: string): Promise<string> {
    const r = await server.admin('/_localgraph/oauth/codes', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, person: 'alice', redirect_uri: redirect }) });
    expect(r.status).toBe(200);
    return r.body.code as string;
  }

  it('exchanges a code minted on the control surface for a user token, once', async () => {
    const c = await code('https://example.com/cb');
    const q = { client_id: DEMO.appId, client_secret: DEMO.appSecret, redirect_uri: 'https://example.com/cb', code: c };
    const r = await oauth(q);
    expect(r.status).toBe(200);
    expect(r.body.token_type).toBe('bearer');
    expect(r.body.expires_in).toBeGreaterThan(0);
    expect((await server.call(`/v21.0/me?access_token=${r.body.access_token}`)).body.id).toBe(DEMO.aliceAsid);
    const again = await oauth(q);
    expect(again.body.error).toMatchObject({ code: 100, error_subcode: 36009, message: 'This authorization code has been used.' });
  });

  it('refuses a redirect_uri different from the one the code was made for', async () => {
    const c = await code('https://example.com/cb');
    const r = await oauth({ client_id: DEMO.appId, client_secret: DEMO.appSecret, redirect_uri: 'https://evil.example/cb', code: c });
    expect(r.body.error).toMatchObject({ code: 100, error_subcode: 36008 });
    expect(r.body.error.message).toMatch(/redirect_uri is identical/);
  });

  it('takes the RFC 6749 form too: POST with grant_type=authorization_code, as node-oauth sends it', async () => {
    const c = await code('http://localhost:3000/auth/facebook/callback');
    const r = await server.call('/v24.0/oauth/access_token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', redirect_uri: 'http://localhost:3000/auth/facebook/callback', client_id: DEMO.appId, client_secret: DEMO.appSecret, code: c }),
    });
    expect(r.status).toBe(200);
    expect((await server.call(`/v21.0/me?access_token=${r.body.access_token}`)).body.id).toBe(DEMO.aliceAsid);
    const noCode = await oauth({ grant_type: 'authorization_code', client_id: DEMO.appId, client_secret: DEMO.appSecret, redirect_uri: 'https://example.com/cb' });
    expect(noCode.body.error).toMatchObject({ code: 100, message: '(#100) The parameter code is required' });
  });

  it('refuses a code it never issued', async () => {
    const r = await oauth({ client_id: DEMO.appId, client_secret: DEMO.appSecret, redirect_uri: 'https://example.com/cb', code: 'AQnope' });
    expect(r.body.error).toMatchObject({ code: 100, message: 'Invalid verification code format.' });
  });
});
