/**
 * How user tokens stop working (spec/graph-api-core.md §1.5, §7.2): expiry by the server's clock
 * (190/463 with the real message), password change (460), log out (467), app removed (458),
 * checkpoint (459) — each reachable from a fixture or the control surface, and effective at once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function freshToken(person = 'bob', extra: Record<string, unknown> = {}): Promise<string> {
  const r = await server.admin('/_localgraph/tokens', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, person, ...extra }) });
  expect(r.status).toBe(200);
  return r.body.token as string;
}
const me = (token: string) => server.call(`/v21.0/me?fields=id,name,email&access_token=${token}`);
const event = (person: string, body: Record<string, unknown>) =>
  server.admin(`/_localgraph/people/${person}/events`, { method: 'POST', body: JSON.stringify(body) });

describe('expiry', () => {
  it('expires on the server clock with 190/463 and the Pacific-time message', async () => {
    const token = await freshToken('bob', { lifetime_seconds: 7200 });
    expect((await me(token)).status).toBe(200);
    await server.admin('/_localgraph/clock', { method: 'POST', body: JSON.stringify({ advance_seconds: 7201 }) });
    const r = await me(token);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' });
    expect(r.body.error.message).toMatch(
      /^Error validating access token: Session has expired on [A-Z][a-z]+day, \d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d P[SD]T\. The current time is [A-Z][a-z]+day, \d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d P[SD]T\.$/,
    );
    expect(r.headers.get('www-authenticate')).toMatch(/^OAuth "Facebook Platform" "invalid_token"/);
  });

  it('expires at once when the control surface says so', async () => {
    const token = await freshToken();
    const r = await server.admin(`/_localgraph/tokens/${token}`, { method: 'POST', body: JSON.stringify({ expire: true }) });
    expect(r.body.state).toBe('valid');
    expect((await me(token)).body.error).toMatchObject({ code: 190, error_subcode: 463 });
  });

  it('keeps authenticating after data access lapses, but hides the data and reports permissions as expired', async () => {
    const token = await freshToken('alice');
    expect((await me(token)).body.email).toBe('alice@example.com');
    await server.admin(`/_localgraph/tokens/${token}`, { method: 'POST', body: JSON.stringify({ expire_data_access: true }) });
    const r = await me(token);
    expect(r.status).toBe(200);
    expect(r.body.name).toBe('Alice Example');
    expect(r.body.email).toBeUndefined();
    const perms = await server.call(`/v21.0/me/permissions?access_token=${token}`);
    expect(perms.body.data).toContainEqual({ permission: 'email', status: 'expired' });
    expect(perms.body.data).toContainEqual({ permission: 'public_profile', status: 'granted' });
  });
});

describe("the person's events", () => {
  beforeEach(async () => {
    // Every test starts from the demo world: tokens and installs as the fixture has them.
    await server.admin('/_localgraph/reset', { method: 'POST' });
    const { readFileSync } = await import('node:fs');
    const { DEMO_FIXTURE } = await import('../../../src/server/start.js');
    const loaded = await server.admin('/_localgraph/fixture', { method: 'POST', body: readFileSync(DEMO_FIXTURE, 'utf8') });
    expect(loaded.body).toEqual({ success: true });
  });

  it('password change: every token of every app answers 190/460', async () => {
    expect((await event('alice', { event: 'password_changed' })).status).toBe(200);
    for (const t of [DEMO.aliceToken, DEMO.aliceSecondAppToken]) {
      const r = await me(t);
      expect(r.body.error).toMatchObject({ code: 190, error_subcode: 460 });
      expect(r.body.error.message).toBe(
        'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
      );
    }
    expect((await me(DEMO.bobToken)).status).toBe(200);
  });

  it('log out: 190/467', async () => {
    await event('bob', { event: 'logged_out' });
    const r = await me(DEMO.bobToken);
    expect(r.body.error).toMatchObject({
      code: 190,
      error_subcode: 467,
      message: 'Error validating access token: This may be because the user logged out or may be due to a system error.',
    });
  });

  it('app removed: 190/458 naming the app, for that app only', async () => {
    await event(DEMO.aliceAsid, { event: 'removed_app', app: DEMO.appId });
    const r = await me(DEMO.aliceToken);
    expect(r.body.error).toMatchObject({
      code: 190,
      error_subcode: 458,
      message: `Error validating access token: The user has not authorized application ${DEMO.appId}.`,
    });
    expect((await me(DEMO.aliceSecondAppToken)).status).toBe(200);
  });

  it('checkpoint: 190/459 with the checkpoint URL, and back once cleared', async () => {
    await event('bob', { event: 'checkpointed' });
    const r = await me(DEMO.bobToken);
    expect(r.body.error).toMatchObject({ code: 190, error_subcode: 459 });
    expect(r.body.error.error_data).toEqual({ url: 'https://www.facebook.com/checkpoint/' });
    await event('bob', { event: 'checkpoint_cleared' });
    expect((await me(DEMO.bobToken)).status).toBe(200);
  });

  it('explains an unknown event or person', async () => {
    const r = await event('bob', { event: 'exploded' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/"event" must be one of password_changed/);
    expect((await event('nobody', { event: 'logged_out' })).status).toBe(404);
  });

  it('reads token states from a fixture', async () => {
    const fragment = {
      people: [
        {
          key: 'dave',
          name: 'Dave Stale',
          apps: [{ app: DEMO.appId, granted: ['email'] }],
          tokens: [
            { app: DEMO.appId, token: 'EAADaveLoggedOut000000000000000000', state: 'logged_out' },
            { app: DEMO.appId, token: 'EAADaveExpired0000000000000000000000', expires_at: '2001-01-01T00:00:00Z' },
            { app: DEMO.appId, token: 'EAADavePassword000000000000000000000', state: 'password_changed' },
          ],
        },
      ],
    };
    expect((await server.admin('/_localgraph/fixture?merge=1', { method: 'POST', body: JSON.stringify(fragment) })).status).toBe(200);
    expect((await me('EAADaveLoggedOut000000000000000000')).body.error.error_subcode).toBe(467);
    expect((await me('EAADaveExpired0000000000000000000000')).body.error.error_subcode).toBe(463);
    expect((await me('EAADavePassword000000000000000000000')).body.error.error_subcode).toBe(460);
  });
});
