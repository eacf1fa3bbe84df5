/**
 * Test users (spec/graph-api-core.md §7.1): created with the app token at
 * `/{app-id}/accounts/test-users` (or `/accounts?type=test-users`), answered with
 * `{id, access_token, login_url, email, password}`; listed and paged as `{id, login_url,
 * access_token}`; befriended pairwise; limited per app (2900); a person like any other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
const changed: string[] = [];
beforeAll(async () => {
  server = await startTestServer();
  server.services.events.on('person.changed', (e) => {
    changed.push(e.personId);
  });
});
afterAll(() => server.close());

const APP_TOKEN = encodeURIComponent(DEMO.appToken);

async function create(params: Record<string, string> = {}, appId = DEMO.appId, token = APP_TOKEN) {
  return server.call(`/v21.0/${appId}/accounts/test-users?access_token=${token}`, { method: 'POST', body: new URLSearchParams(params) });
}

describe('creating', () => {
  it('answers {id, access_token, login_url, email, password} and the token works on /me', async () => {
    const r = await create({ installed: 'true', permissions: 'email,user_birthday', name: 'Tess Tester' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['id', 'access_token', 'login_url', 'email', 'password']);
    expect(r.body.id).toMatch(/^\d{15}$/);
    expect(r.body.access_token).toMatch(/^EAA/);
    expect(r.body.login_url).toBe(`https://developers.facebook.com/checkpoint/test-user-login/${r.body.id}/`);
    expect(r.body.email).toMatch(/@tfbnw\.net$/);
    expect(typeof r.body.password).toBe('string');
    const me = await server.call(`/v21.0/me?fields=id,name,email&access_token=${r.body.access_token}`);
    expect(me.body).toEqual({ id: r.body.id, name: 'Tess Tester', email: r.body.email });
    const granted = await server.call(`/v21.0/me/permissions?access_token=${r.body.access_token}`);
    expect(granted.body.data).toEqual([
      { permission: 'public_profile', status: 'granted' },
      { permission: 'email', status: 'granted' },
      { permission: 'user_birthday', status: 'granted' },
    ]);
  });

  it('is a person like any other: the app reads it on the User node, and the audiences hear of it', async () => {
    const r = await create({ name: 'Visible Person' });
    const node = await server.call(`/v21.0/${r.body.id}?fields=id,name&access_token=${APP_TOKEN}`);
    expect(node.body).toEqual({ id: r.body.id, name: 'Visible Person' });
    expect(changed.length).toBeGreaterThan(0);
  });

  it('gives a random name when none is given, and permissions as a JSON list', async () => {
    const r = await create({ permissions: '["email"]' });
    const me = await server.call(`/v21.0/me?fields=name&access_token=${r.body.access_token}`);
    expect(me.body.name.split(' ').length).toBeGreaterThanOrEqual(2);
    expect((await server.call(`/v21.0/me/permissions/email?access_token=${r.body.access_token}`)).body.data[0].status).toBe('granted');
  });

  it('keeps the locale and minor flags on the profile', async () => {
    const r = await create({ locale: 'pt_BR', minor: 'true', name: 'Menor Teste' });
    const p = await server.admin('/_localgraph/export');
    const person = p.body.people.find((x: { name: string }) => x.name === 'Menor Teste');
    expect(person.profile).toMatchObject({ locale: 'pt_BR', age_range: { min: 13, max: 17 } });
    expect(person.is_test_user).toBe(true);
    expect(person.test_user_app).toBe(DEMO.appId);
    expect(r.status).toBe(200);
  });

  it('gives no token to a test user that has not installed the app', async () => {
    const r = await create({ installed: 'false' });
    expect(Object.keys(r.body)).toEqual(['id', 'login_url', 'email', 'password']);
  });

  it('also creates at /{app-id}/accounts with type=test-users', async () => {
    const r = await server.call(`/v21.0/${DEMO.appId}/accounts?type=test-users&access_token=${APP_TOKEN}`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^\d+$/);
  });

  it('answers (#15) when called with a user token', async () => {
    const r = await create({}, DEMO.appId, DEMO.aliceToken);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 15, type: 'OAuthException', message: '(#15) The method you are calling must be called with an app secret signed session' });
  });

  it("refuses another app's token", async () => {
    const r = await create({}, DEMO.appId, encodeURIComponent(`${DEMO.secondAppId}|${DEMO.secondAppSecret}`));
    expect(r.body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('answers (#2900) Too many test accounts past the per-app limit', async () => {
    const app = await server.admin('/_localgraph/apps', { method: 'POST', body: JSON.stringify({ name: 'Small App', test_user_limit: 2 }) });
    const token = encodeURIComponent(app.body.app_token);
    expect((await create({}, app.body.id, token)).status).toBe(200);
    expect((await create({}, app.body.id, token)).status).toBe(200);
    const third = await create({}, app.body.id, token);
    expect(third.status).toBe(400);
    expect(third.body.error).toMatchObject({ code: 2900, message: '(#2900) Too many test accounts' });
  });
});

describe('listing', () => {
  it('pages the test users as {id, login_url, access_token}, with cursors and a next link', async () => {
    const app = await server.admin('/_localgraph/apps', { method: 'POST', body: JSON.stringify({ name: 'Listing App' }) });
    const token = encodeURIComponent(app.body.app_token);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) made.push((await create({}, app.body.id, token)).body.id);
    await create({ installed: 'false' }, app.body.id, token);
    const page1 = await server.call(`/v21.0/${app.body.id}/accounts/test-users?limit=2&access_token=${token}`);
    expect(page1.status).toBe(200);
    expect(page1.body.data).toHaveLength(2);
    for (const item of page1.body.data) {
      expect(Object.keys(item)).toEqual(item.access_token === undefined ? ['id', 'login_url'] : ['id', 'login_url', 'access_token']);
    }
    expect(page1.body.paging.cursors.after).toBeTruthy();
    const next = new URL(page1.body.paging.next);
    expect(next.pathname).toBe(`/v21.0/${app.body.id}/accounts`);
    expect(next.searchParams.get('type')).toBe('test-users');
    const page2 = (await fetch(page1.body.paging.next).then((r) => r.json())) as { data: Array<{ id: string; access_token?: string }> };
    expect(page2.data).toHaveLength(2);
    const all = [...page1.body.data, ...page2.data];
    expect(all.map((i: { id: string }) => i.id).sort()).toEqual(expect.arrayContaining(made.sort()));
    // The one that did not install the app has no token.
    expect(all.filter((i: { access_token?: string }) => i.access_token === undefined)).toHaveLength(1);
  });

  it('lists with /accounts?type=test-users too, and refuses /accounts without a type', async () => {
    const r = await server.call(`/v21.0/${DEMO.appId}/accounts?type=test-users&access_token=${APP_TOKEN}`);
    expect(r.body.data.some((i: { id: string }) => i.id === DEMO.carolAsid)).toBe(true);
    const bad = await server.call(`/v21.0/${DEMO.appId}/accounts?access_token=${APP_TOKEN}`);
    expect(bad.body.error).toMatchObject({ code: 100 });
  });
});

describe('friends', () => {
  it('befriends two test users: a request, then the confirmation the other way', async () => {
    const a = (await create({ name: 'Ann Friend', permissions: 'user_friends' })).body;
    const b = (await create({ name: 'Ben Friend', permissions: 'user_friends' })).body;
    const ask = await server.call(`/v21.0/${a.id}/friends/${b.id}?access_token=${a.access_token}`, { method: 'POST' });
    expect(ask.body).toEqual({ success: true });
    expect((await server.call(`/v21.0/me/friends?access_token=${a.access_token}`)).body.data).toEqual([]);
    const confirm = await server.call(`/v21.0/${b.id}/friends/${a.id}?access_token=${b.access_token}`, { method: 'POST' });
    expect(confirm.body).toEqual({ success: true });
    const friends = await server.call(`/v21.0/me/friends?access_token=${a.access_token}`);
    expect(friends.body.data).toEqual([{ name: 'Ben Friend', id: b.id }]);
  });

  it("needs the sender's own token, and test users on both sides", async () => {
    const a = (await create()).body;
    const b = (await create()).body;
    expect((await server.call(`/v21.0/${a.id}/friends/${b.id}?access_token=${b.access_token}`, { method: 'POST' })).body.error).toMatchObject({ code: 200 });
    expect((await server.call(`/v21.0/${a.id}/friends/${DEMO.bobAsid}?access_token=${a.access_token}`, { method: 'POST' })).body.error).toMatchObject({ code: 100 });
  });

  it('reads friendships from a fixture and exports them', async () => {
    const fragment = {
      people: [
        { key: 'fx_a', name: 'Fix A', is_test_user: true, test_user_app: DEMO.appId, apps: [{ app: DEMO.appId, asid: '100000000000501', granted: ['user_friends'] }], tokens: [{ app: DEMO.appId, token: 'EAAFixtureFriendA000000000000000000' }] },
        { key: 'fx_b', name: 'Fix B', is_test_user: true, test_user_app: DEMO.appId, apps: [{ app: DEMO.appId, asid: '100000000000502', granted: ['user_friends'] }] },
      ],
      friendships: [{ from: 'fx_a', to: 'fx_b' }],
    };
    expect((await server.admin('/_localgraph/fixture?merge=1', { method: 'POST', body: JSON.stringify(fragment) })).status).toBe(200);
    const friends = await server.call('/v21.0/me/friends?access_token=EAAFixtureFriendA000000000000000000');
    expect(friends.body.data).toEqual([{ name: 'Fix B', id: '100000000000502' }]);
    const exported = await server.admin('/_localgraph/export');
    expect(exported.body.friendships).toContainEqual({ from: 'fx_a', to: 'fx_b', confirmed: true });
    const bad = await server.admin('/_localgraph/fixture?merge=1', { method: 'POST', body: JSON.stringify({ friendships: [{ from: 'fx_a', to: 'ghost' }] }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/\$\.friendships\[0\]\.to/);
  });

  it('shows no friends without user_friends', async () => {
    const a = (await create({ name: 'No Perm' })).body;
    expect((await server.call(`/v21.0/me/friends?access_token=${a.access_token}`)).body.data).toEqual([]);
  });
});

describe('dissociating', () => {
  it('answers 2902 for the only app of a test user, and removes it from a second app', async () => {
    const tu = (await create()).body;
    const only = await server.call(`/v21.0/${DEMO.appId}/accounts?type=test-users&uid=${tu.id}&access_token=${APP_TOKEN}`, { method: 'DELETE' });
    expect(only.body.error).toMatchObject({ code: 2902 });
    const second = encodeURIComponent(`${DEMO.secondAppId}|${DEMO.secondAppSecret}`);
    const joined = await server.call(`/v21.0/${DEMO.secondAppId}/accounts/test-users?access_token=${second}`, {
      method: 'POST',
      body: new URLSearchParams({ owner_access_token: DEMO.appToken, uid: tu.id, installed: 'true' }),
    });
    expect(joined.status).toBe(200);
    expect(joined.body.id).not.toBe(tu.id);
    const gone = await server.call(`/v21.0/${DEMO.secondAppId}/accounts?type=test-users&uid=${joined.body.id}&access_token=${second}`, { method: 'DELETE' });
    expect(gone.body).toEqual({ success: true });
    expect((await server.call(`/v21.0/me?access_token=${joined.body.access_token}`)).body.error).toMatchObject({ code: 190 });
  });
});
