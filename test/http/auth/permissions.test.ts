/**
 * `/me/permissions` (spec/graph-api-core.md §6.4): the list of granted and declined permissions,
 * one permission by name, revoking one (what the token may read changes at once), and
 * de-authorising the app (its tokens die with 190/458).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { DEMO_FIXTURE } from '../../../src/server/start.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  const r = await server.admin('/_localgraph/fixture', { method: 'POST', body: readFileSync(DEMO_FIXTURE, 'utf8') });
  expect(r.status).toBe(200);
});

const perms = (token: string, path = '/v21.0/me/permissions', init?: RequestInit) =>
  server.call(`${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`, init);

describe('reading permissions', () => {
  it('lists granted and declined permissions as {permission, status}', async () => {
    const r = await perms(DEMO.bobToken);
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual([
      { permission: 'public_profile', status: 'granted' },
      { permission: 'email', status: 'granted' },
      { permission: 'user_birthday', status: 'declined' },
      { permission: 'user_gender', status: 'declined' },
    ]);
  });

  it('filters by permission and status', async () => {
    expect((await perms(DEMO.bobToken, '/v21.0/me/permissions?status=declined')).body.data.map((p: { permission: string }) => p.permission)).toEqual([
      'user_birthday',
      'user_gender',
    ]);
    expect((await perms(DEMO.bobToken, '/v21.0/me/permissions?permission=email')).body.data).toEqual([{ permission: 'email', status: 'granted' }]);
  });

  it('reads one permission by name, and nothing for one never asked', async () => {
    expect((await perms(DEMO.bobToken, '/v21.0/me/permissions/user_gender')).body).toEqual({ data: [{ permission: 'user_gender', status: 'declined' }] });
    expect((await perms(DEMO.bobToken, '/v21.0/me/permissions/user_likes')).body).toEqual({ data: [] });
  });

  it("reads another person's grant with the app token, but not with another person's user token", async () => {
    const byApp = await perms(DEMO.appToken, `/v21.0/${DEMO.bobAsid}/permissions`);
    expect(byApp.body.data).toContainEqual({ permission: 'email', status: 'granted' });
    const byAlice = await perms(DEMO.aliceToken, `/v21.0/${DEMO.bobAsid}/permissions`);
    expect(byAlice.status).toBe(403);
    expect(byAlice.body.error).toMatchObject({ code: 200 });
  });
});

describe('revoking', () => {
  it('revokes one permission: it reads as declined and the field it guarded disappears at once', async () => {
    expect((await server.call(`/v21.0/me?fields=email&access_token=${DEMO.bobToken}`)).body.email).toBe('bob@example.com');
    const r = await perms(DEMO.bobToken, '/v21.0/me/permissions/email', { method: 'DELETE' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true });
    expect((await perms(DEMO.bobToken, '/v21.0/me/permissions/email')).body.data).toEqual([{ permission: 'email', status: 'declined' }]);
    const after = await server.call(`/v21.0/me?fields=id,email&access_token=${DEMO.bobToken}`);
    expect(after.status).toBe(200);
    expect(after.body.email).toBeUndefined();
  });

  it('revokes through the method override and the permission parameter too', async () => {
    const r = await server.call(`/v21.0/me/permissions?permission=email&method=delete&access_token=${DEMO.bobToken}`, { method: 'POST' });
    expect(r.body).toEqual({ success: true });
    expect((await perms(DEMO.bobToken, '/v21.0/me/permissions/email')).body.data[0].status).toBe('declined');
  });

  it('de-authorises the app: the token then answers 190/458', async () => {
    const r = await perms(DEMO.bobToken, '/v21.0/me/permissions', { method: 'DELETE' });
    expect(r.body).toEqual({ success: true });
    const after = await server.call(`/v21.0/me?access_token=${DEMO.bobToken}`);
    expect(after.body.error).toMatchObject({ code: 190, error_subcode: 458 });
  });

  it('de-authorises when public_profile itself is revoked', async () => {
    await perms(DEMO.bobToken, '/v21.0/me/permissions/public_profile', { method: 'DELETE' });
    expect((await server.call(`/v21.0/me?access_token=${DEMO.bobToken}`)).body.error).toMatchObject({ code: 190, error_subcode: 458 });
  });

  it('lets the app de-authorise a person with the app token', async () => {
    const r = await perms(DEMO.appToken, `/v21.0/${DEMO.bobAsid}/permissions`, { method: 'DELETE' });
    expect(r.body).toEqual({ success: true });
    expect((await server.call(`/v21.0/me?access_token=${DEMO.bobToken}`)).body.error.error_subcode).toBe(458);
  });
});
