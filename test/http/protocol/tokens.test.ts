/**
 * Access tokens (spec/graph-api-core.md §3.2, §1.4, §1.5, §3.3): from the query, the body or the
 * `Authorization` header; the real answers for no token (104), a malformed token (190), expired
 * (190/463), password changed (460), logged out (467), app removed (458), `/me` with an app token
 * (2500), each with its `WWW-Authenticate` header; `appsecret_proof` with and without
 * `appsecret_time`, checked when present and required when the app says so.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { advanceClock, installProbe, mergeFixture, TRANSPORTS, type Answer, type Sent } from './support.js';

const PROOF_APP = '5550000000000001';
const PROOF_SECRET = 'proof-app-secret-00000000';
const T = {
  expiring: 'EAATokExpiringInOneHour000000000000000000000000000000000000',
  passwordChanged: 'EAATokPasswordChanged00000000000000000000000000000000000000',
  loggedOut: 'EAATokLoggedOut0000000000000000000000000000000000000000000000',
  revoked: 'EAATokRevoked00000000000000000000000000000000000000000000000',
  removedApp: 'EAATokAppRemovedByPerson0000000000000000000000000000000000000',
  proofUser: 'EAATokProofRequiredApp00000000000000000000000000000000000000',
};
const WIDGET = '771000000000001';

let server: TestServer;
let expiresAt: number;

beforeAll(async () => {
  server = await startTestServer();
  await installProbe(server).addWidget(WIDGET, 2);
  expiresAt = Math.floor(Date.now() / 1000) + 3600;
  await mergeFixture(server, {
    apps: [{ id: PROOF_APP, secret: PROOF_SECRET, name: 'Proof App', require_appsecret_proof: true }],
    people: [
      {
        key: 'tok_dana',
        name: 'Dana Tokens',
        apps: [{ app: DEMO.appId, asid: '5551000000000001' }],
        tokens: [
          { app: DEMO.appId, token: T.expiring, expires_at: expiresAt },
          { app: DEMO.appId, token: T.passwordChanged, state: 'password_changed' },
          { app: DEMO.appId, token: T.loggedOut, state: 'logged_out' },
          { app: DEMO.appId, token: T.revoked, state: 'revoked' },
        ],
      },
      {
        key: 'tok_erin',
        name: 'Erin Removed',
        apps: [{ app: DEMO.appId, asid: '5551000000000002', removed: true }],
        tokens: [{ app: DEMO.appId, token: T.removedApp }],
      },
      { key: 'tok_finn', name: 'Finn Proof', apps: [{ app: PROOF_APP, asid: '5551000000000003' }], tokens: [{ app: PROOF_APP, token: T.proofUser }] },
    ],
  });
});
afterAll(() => server.close());

const proof = (secret: string, token: string, time?: string): string =>
  createHmac('sha256', secret)
    .update(time === undefined ? token : `${token}|${time}`)
    .digest('hex');

function expectAuthError(r: Answer, code: number, subcode: number | undefined, message: string, word: string): void {
  expect(r.status).toBe(400);
  expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
  expect(r.body.error.code).toBe(code);
  expect(r.body.error.type).toBe('OAuthException');
  expect(r.body.error.error_subcode).toBe(subcode);
  expect(r.body.error.message).toBe(message);
  expect(r.headers['www-authenticate']).toBe(`OAuth "Facebook Platform" "${word}" "${message}"`);
}

describe.each(TRANSPORTS)('access tokens (%s)', (_name, send) => {
  it('takes the token from the query, a form body, a JSON body, and Authorization: Bearer or OAuth (any case)', async () => {
    const ways: Sent[] = [
      { path: `/v21.0/me?access_token=${DEMO.aliceToken}` },
      { method: 'POST', path: '/v21.0/me?method=get', body: `access_token=${DEMO.aliceToken}` },
      { method: 'GET', path: '/v21.0/me', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: DEMO.aliceToken }) },
      { path: '/v21.0/me', headers: { authorization: `Bearer ${DEMO.aliceToken}` } },
      { path: '/v21.0/me', headers: { authorization: `OAuth ${DEMO.aliceToken}` } },
      { path: '/v21.0/me', headers: { authorization: `bearer ${DEMO.aliceToken}` } },
    ];
    for (const w of ways) {
      const r = await send(server, w);
      expect(r.status, JSON.stringify(w)).toBe(200);
      expect(r.body).toEqual({ name: 'Alice Example', id: DEMO.aliceAsid });
    }
  });

  it('prefers an explicit access_token parameter over the Authorization header', async () => {
    const r = await send(server, { path: `/v21.0/me?access_token=${DEMO.bobToken}`, headers: { authorization: `Bearer ${DEMO.aliceToken}` } });
    expect(r.body.id).toBe(DEMO.bobAsid);
  });

  it('answers a node read without a token with 104', async () => {
    const message = 'An access token is required to request this resource.';
    expectAuthError(await send(server, { path: `/v21.0/${WIDGET}` }), 104, undefined, message, 'invalid_request');
    // Before the id is even looked up: an unknown id gets the same answer.
    expectAuthError(await send(server, { path: '/v21.0/4' }), 104, undefined, message, 'invalid_request');
    expectAuthError(await send(server, { path: `/v21.0/${WIDGET}/parts` }), 104, undefined, message, 'invalid_request');
  });

  it('lets an edge that needs no token answer without one', async () => {
    const r = await send(server, { path: `/v21.0/${WIDGET}/gallery` });
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(2);
  });

  it('answers /me without a token, or with an app token, with 2500', async () => {
    const message = 'An active access token must be used to query information about the current user.';
    expectAuthError(await send(server, { path: '/v21.0/me' }), 2500, undefined, message, 'invalid_request');
    expectAuthError(await send(server, { path: `/v21.0/me?access_token=${encodeURIComponent(DEMO.appToken)}` }), 2500, undefined, message, 'invalid_request');
  });

  it('answers a malformed token with 190', async () => {
    for (const bad of ['garbage', 'EAAnotatokenweknow', `${DEMO.appId}|wrong-secret`]) {
      const r = await send(server, { path: `/v21.0/me?access_token=${encodeURIComponent(bad)}` });
      expectAuthError(r, 190, undefined, 'Invalid OAuth access token - Cannot parse access token', 'invalid_token');
    }
  });

  it('answers a token whose person changed their password with 190/460', async () => {
    const r = await send(server, { path: `/v21.0/me?access_token=${T.passwordChanged}` });
    expectAuthError(
      r,
      190,
      460,
      'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
      'invalid_token',
    );
  });

  it('answers a logged-out token with 190/467', async () => {
    const r = await send(server, { path: `/v21.0/me?access_token=${T.loggedOut}` });
    expectAuthError(r, 190, 467, 'Error validating access token: This may be because the user logged out or may be due to a system error.', 'invalid_token');
  });

  it('answers a revoked token, and a token of a person who removed the app, with 190/458', async () => {
    const message = `Error validating access token: The user has not authorized application ${DEMO.appId}.`;
    expectAuthError(await send(server, { path: `/v21.0/me?access_token=${T.revoked}` }), 190, 458, message, 'invalid_token');
    expectAuthError(await send(server, { path: `/v21.0/me?access_token=${T.removedApp}` }), 190, 458, message, 'invalid_token');
  });

  it('checks a token that was sent even on a path that needs none', async () => {
    const r = await send(server, { path: `/v21.0/${WIDGET}/gallery?access_token=${T.loggedOut}` });
    expect(r.body.error.error_subcode).toBe(467);
  });

  it('accepts a right appsecret_proof, with and without appsecret_time', async () => {
    const plain = await send(server, { path: `/v21.0/me?access_token=${DEMO.aliceToken}&appsecret_proof=${proof(DEMO.appSecret, DEMO.aliceToken)}` });
    expect(plain.status).toBe(200);
    const time = String(Math.floor(Date.now() / 1000));
    const timed = await send(server, {
      path: `/v21.0/me?access_token=${DEMO.aliceToken}&appsecret_time=${time}&appsecret_proof=${proof(DEMO.appSecret, DEMO.aliceToken, time)}`,
    });
    expect(timed.status).toBe(200);
    // The proof may also travel in the body, beside a token in the header.
    const inBody = await send(server, {
      method: 'POST',
      path: '/v21.0/me?method=get',
      headers: { authorization: `Bearer ${DEMO.aliceToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `appsecret_proof=${proof(DEMO.appSecret, DEMO.aliceToken)}`,
    });
    expect(inBody.status).toBe(200);
  });

  it('answers a wrong appsecret_proof with the real text, even when the app does not require one', async () => {
    const time = '1700000000';
    const wrong = [
      proof('not-the-secret', DEMO.aliceToken),
      proof(DEMO.appSecret, DEMO.bobToken),
      // A proof made with a time, sent without it; and one made without, sent with a time.
      `${proof(DEMO.appSecret, DEMO.aliceToken, time)}`,
    ];
    for (const p of wrong) {
      const r = await send(server, { path: `/v21.0/me?access_token=${DEMO.aliceToken}&appsecret_proof=${p}` });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ message: 'Invalid appsecret_proof provided in the API argument', type: 'GraphMethodException', code: 100 });
    }
    const r = await send(server, { path: `/v21.0/me?access_token=${DEMO.aliceToken}&appsecret_time=${time}&appsecret_proof=${proof(DEMO.appSecret, DEMO.aliceToken)}` });
    expect(r.body.error.message).toBe('Invalid appsecret_proof provided in the API argument');
  });

  it('requires appsecret_proof when the app says so, with the real text', async () => {
    const missing = await send(server, { path: `/v21.0/me?access_token=${T.proofUser}` });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ message: 'API calls from the server require an appsecret_proof argument', type: 'GraphMethodException', code: 100 });
    const given = await send(server, { path: `/v21.0/me?access_token=${T.proofUser}&appsecret_proof=${proof(PROOF_SECRET, T.proofUser)}` });
    expect(given.status).toBe(200);
    expect(given.body.name).toBe('Finn Proof');
  });
});

describe('token expiry by the server clock', () => {
  it('answers an expired token with 190/463 and both times in Pacific time, once the clock passes its expiry', async () => {
    const before = await server.call(`/v21.0/me?access_token=${T.expiring}`);
    expect(before.status).toBe(200);
    await advanceClock(server, 7200);
    const r = await server.call(`/v21.0/me?access_token=${T.expiring}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' });
    // "Session has expired on Sunday, 25-Dec-16 04:45:57 PST. The current time is Thursday, 05-Jan-17 03:13:18 PST."
    const when = '[A-Z][a-z]+day, \\d\\d-[A-Z][a-z]{2}-\\d\\d \\d\\d:\\d\\d:\\d\\d P[SD]T';
    expect(r.body.error.message).toMatch(new RegExp(`^Error validating access token: Session has expired on ${when}\\. The current time is ${when}\\.$`));
    expect(r.headers.get('www-authenticate')).toBe(`OAuth "Facebook Platform" "invalid_token" "${r.body.error.message}"`);
  });
});
