/**
 * passport-facebook 3.0 reads the login profile with `GET /me` after the token exchange. Its
 * documented `profileURL` / `tokenURL` / `authorizationURL` options point it at localgraph; with
 * `enableProof` it signs the call with appsecret_proof, and node-oauth puts the token in the query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strategy as FacebookStrategy, type Profile } from 'passport-facebook';
import { DEMO, startClientServer, type ClientServer } from '../helpers.js';

let server: ClientServer;

beforeAll(async () => {
  server = await startClientServer();
});
afterAll(async () => {
  await server?.close();
});

function strategy(base: string): FacebookStrategy {
  return new FacebookStrategy(
    {
      clientID: DEMO.appId,
      clientSecret: DEMO.appSecret,
      callbackURL: 'http://localhost:3000/auth/facebook/callback',
      graphAPIVersion: 'v24.0',
      authorizationURL: `${base}/v24.0/dialog/oauth`,
      tokenURL: `${base}/v24.0/oauth/access_token`,
      profileURL: `${base}/v24.0/me`,
      profileFields: ['id', 'displayName', 'name', 'emails'],
      enableProof: true,
    },
    () => undefined,
  );
}

function userProfile(s: FacebookStrategy, token: string): Promise<{ err: (Error & Record<string, unknown>) | null; profile?: Profile }> {
  return new Promise((resolve) => s.userProfile(token, (err, profile) => resolve({ err, profile })));
}

describe('passport-facebook, profile read through profileURL', () => {
  it('builds the login profile from GET /me with mapped fields and appsecret_proof', async () => {
    const mark = await server.journalMark();
    const { err, profile } = await userProfile(strategy(server.url), DEMO.aliceToken);
    expect(err).toBeNull();
    expect(profile).toMatchObject({
      provider: 'facebook',
      id: DEMO.aliceAsid,
      displayName: 'Alice Example',
      name: { familyName: 'Example', givenName: 'Alice' },
      emails: [{ value: 'alice@example.com' }],
    });
    const sent = await server.journalSince(mark);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/v24.0/me', encodings: ['query'], status: 200 });
    // profileFields mapped to Graph names: displayName → name, emails → email, name → three fields.
    expect(String(sent[0].params.fields).split(',').sort()).toEqual(['email', 'first_name', 'id', 'last_name', 'middle_name', 'name']);
    expect(sent[0].params.appsecret_proof).toMatch(/masked/);
  });

  it('turns a Graph error into FacebookGraphAPIError with its code, subcode and type', async () => {
    const { err } = await userProfile(strategy(server.url), 'EAAthis-token-does-not-exist');
    expect(err?.name).toBe('FacebookGraphAPIError');
    expect(err).toMatchObject({ code: 190, type: 'OAuthException' });
    expect(err?.message).toMatch(/access token/i);
    expect(err?.traceID).toBeTypeOf('string');
  });

  it('rejects a wrong appsecret_proof the way Graph does', async () => {
    const s = new FacebookStrategy(
      { clientID: DEMO.appId, clientSecret: 'not-the-app-secret', callbackURL: 'http://localhost/cb', profileURL: `${server.url}/v24.0/me`, enableProof: true },
      () => undefined,
    );
    const { err } = await userProfile(s, DEMO.aliceToken);
    expect(err?.name).toBe('FacebookGraphAPIError');
    expect(err).toMatchObject({ code: 100, type: 'GraphMethodException' });
    expect(err?.message).toMatch(/appsecret_proof/);
  });
});
