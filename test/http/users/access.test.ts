import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, type TestServer } from '../../helpers/server.js';
import { U, q, startUsersServer } from './users-fixture.js';

let s: TestServer;
beforeAll(async () => {
  s = await startUsersServer();
});
afterAll(async () => {
  await s.close();
});

const get = (path: string, params: Record<string, string>) => s.call(`/v21.0/${path}?${q(params)}`);

describe('tokens and ids', () => {
  it('answers 104 for a user node read without a token', async () => {
    const r = await s.call(`/v21.0/${U.doraAsid}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 104, message: 'An access token is required to request this resource.' });
  });

  it('answers 190 for a token it cannot parse', async () => {
    const r = await get('me', { access_token: 'EAAnotatoken' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(190);
  });

  it('gives the same person a different id under each app', async () => {
    const a = await get('me', { fields: 'id', access_token: U.doraToken });
    const b = await get('me', { fields: 'id', access_token: U.doraSecondToken });
    expect(a.body.id).toBe(U.doraAsid);
    expect(b.body.id).toBe(U.doraSecondAsid);
  });

  it("does not know one app's id under another app (100/33)", async () => {
    const r = await get(U.doraSecondAsid, { access_token: U.doraToken });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    const byApp = await get(U.doraAsid, { access_token: `${DEMO.secondAppId}|${DEMO.secondAppSecret}` });
    expect(byApp.body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('keeps token_for_business across one business and changes it across businesses', async () => {
    const tfb = async (token: string) => (await get('me', { fields: 'token_for_business', access_token: token })).body.token_for_business as string;
    const demo = await tfb(U.doraToken);
    expect(await tfb(U.doraSecondToken)).toBe(demo);
    expect(await tfb(U.doraOtherBusinessToken)).not.toBe(demo);
  });

  it('gives id_for_avatars per app, distinct from the app-scoped id', async () => {
    const a = (await get('me', { fields: 'id_for_avatars', access_token: U.doraToken })).body.id_for_avatars;
    const b = (await get('me', { fields: 'id_for_avatars', access_token: U.doraSecondToken })).body.id_for_avatars;
    expect(a).toMatch(/^\d+$/);
    expect(a).not.toBe(U.doraAsid);
    expect(a).not.toBe(b);
  });

  it('maps the person across the apps of one business (ids_for_apps, ids_for_business)', async () => {
    for (const edge of ['ids_for_apps', 'ids_for_business']) {
      const r = await get(`me/${edge}`, { access_token: U.doraToken });
      expect(r.body.data).toEqual([
        { id: U.doraAsid, app: { name: 'Demo App', id: DEMO.appId } },
        { id: U.doraSecondAsid, app: { name: 'Second Demo App', id: DEMO.secondAppId } },
      ]);
    }
    const other = await get('me/ids_for_apps', { access_token: U.doraOtherBusinessToken });
    expect(other.body.data).toEqual([{ id: U.doraOtherBusinessAsid, app: { name: 'Other Business App', id: U.otherBusinessAppId } }]);
  });

  it("maps the person to page-scoped ids on the business's pages (ids_for_pages), filtered by page", async () => {
    const r = await get('me/ids_for_pages', { access_token: U.doraToken });
    expect(r.body.data).toEqual([{ id: expect.stringMatching(/^\d{16}$/), page: { name: 'Demo Page', id: DEMO.pageId } }]);
    const again = await get('me/ids_for_pages', { access_token: U.doraToken });
    expect(again.body.data[0].id).toBe(r.body.data[0].id);
    const filtered = await get('me/ids_for_pages', { page: '999', access_token: U.doraToken });
    expect(filtered.body.data).toEqual([]);
  });
});

describe('what a token may read', () => {
  it('leaves out fields the person did not grant, with a __debug__ warning when asked', async () => {
    const r = await get('me', { fields: 'email,birthday,gender', debug: 'all', access_token: DEMO.bobToken });
    expect(r.status).toBe(200);
    expect(r.body.email).toBe('bob@example.com');
    expect(r.body).not.toHaveProperty('birthday');
    expect(r.body).not.toHaveProperty('gender');
    expect(r.body.__debug__.messages).toEqual([
      { message: 'Field birthday is only accessible on User object, if user_birthday permission is granted by the user', type: 'warning' },
      { message: 'Field gender is only accessible on User object, if user_gender permission is granted by the user', type: 'warning' },
    ]);
  });

  it('leaves them out silently without debug', async () => {
    const r = await get('me', { fields: 'birthday', access_token: DEMO.bobToken });
    expect(r.body).toEqual({ id: DEMO.bobAsid });
  });

  it("shows only the public profile of another person of the same app", async () => {
    const r = await get(U.doraAsid, { fields: 'id,name,first_name,last_name,short_name,name_format,picture,email,birthday,locale,installed', debug: 'warning', access_token: DEMO.aliceToken });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).filter((k) => k !== '__debug__').sort()).toEqual(['first_name', 'id', 'installed', 'last_name', 'name', 'name_format', 'picture', 'short_name']);
    expect(r.body.__debug__.messages.map((m: { message: string }) => m.message)).toEqual([
      'Field email is only accessible on User object, if email permission is granted by the user',
      'Field birthday is only accessible on User object, if user_birthday permission is granted by the user',
      'Field locale is only accessible on User object for the user themself or the app they use',
    ]);
  });

  it('lets the app token read what the person granted the app', async () => {
    const r = await get(U.doraAsid, { fields: 'email,birthday,locale', access_token: DEMO.appToken });
    expect(r.body).toEqual({ email: 'dora@example.com', birthday: '07/04', locale: 'de_DE', id: U.doraAsid });
    const bob = await get(DEMO.bobAsid, { fields: 'email,birthday', access_token: DEMO.appToken });
    expect(bob.body).toEqual({ email: 'bob@example.com', id: DEMO.bobAsid });
  });

  it('shows a page token only the public profile', async () => {
    const r = await get(U.doraAsid, { fields: 'name,email', access_token: DEMO.pageToken });
    expect(r.body).toEqual({ name: 'Dora Q Explorer', id: U.doraAsid });
  });
});

describe('people in special states', () => {
  it('answers 210 for an invisible person read by someone else', async () => {
    const r = await get(U.erinAsid, { access_token: DEMO.aliceToken });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 210, message: '(#210) User not visible' });
  });

  it('lets an invisible person and their app read the node', async () => {
    expect((await get('me', { access_token: U.erinToken })).body).toEqual({ name: 'Erin Hidden', id: U.erinAsid });
    expect((await get(U.erinAsid, { access_token: DEMO.appToken })).status).toBe(200);
  });

  it("answers 459 for a checkpointed person: 190/459 on their own token, 459 to anyone else", async () => {
    const own = await get('me', { access_token: U.frankToken });
    expect(own.body.error).toMatchObject({ code: 190, error_subcode: 459 });
    const other = await get(U.frankAsid, { access_token: DEMO.aliceToken });
    expect(other.status).toBe(400);
    expect(other.body.error).toMatchObject({ code: 459, message: '(#459) The session is invalid because the user has been checkpointed' });
    const app = await get(U.frankAsid, { access_token: DEMO.appToken });
    expect(app.body.error.code).toBe(459);
  });

  it('answers 483 to a person in consent app blocking', async () => {
    const r = await get('me', { access_token: U.ginaToken });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 483, message: '(#483) The session is invalid because the user is in consent app blocking' });
  });
});

describe('/me with other tokens', () => {
  it('resolves /me with a page token to the page', async () => {
    const r = await get('me', { access_token: DEMO.pageToken });
    expect(r.body).toEqual({ name: 'Demo Page', id: DEMO.pageId });
    const token = await get('me', { fields: 'id,access_token,category', access_token: DEMO.pageToken });
    expect(token.body).toEqual({ id: DEMO.pageId, access_token: DEMO.pageToken, category: 'Software' });
  });

  it('answers 2500 for /me with an app token', async () => {
    const r = await get('me', { access_token: DEMO.appToken });
    expect(r.body.error).toMatchObject({ code: 2500, message: 'An active access token must be used to query information about the current user.' });
  });

  it('reads several users at once with ids=', async () => {
    const r = await s.call(`/v21.0/?${q({ ids: `${U.doraAsid},${DEMO.aliceAsid}`, fields: 'name', access_token: DEMO.appToken })}`);
    expect(r.body).toEqual({ [U.doraAsid]: { name: 'Dora Q Explorer', id: U.doraAsid }, [DEMO.aliceAsid]: { name: 'Alice Example', id: DEMO.aliceAsid } });
  });
});
