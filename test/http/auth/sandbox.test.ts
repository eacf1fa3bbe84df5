/**
 * Sandbox creation under `/_localgraph/` for what the public API cannot create: apps, businesses
 * with system-user tokens, pages with page tokens, ad accounts with assigned users. Minted ids
 * look real (numeric, of real lengths), tokens start `EAA`, and what was made works over Graph.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const post = (path: string, body: unknown) => server.admin(path, { method: 'POST', body: JSON.stringify(body) });

describe('sandbox creation', () => {
  it('creates an app with a real-looking id and secret whose app token works', async () => {
    const r = await post('/_localgraph/apps', { name: 'Made Here', daily_users: 3 });
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^1\d{15}$/);
    expect(r.body.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(r.body.app_token).toBe(`${r.body.id}|${r.body.secret}`);
    const node = await server.call(`/v21.0/${r.body.id}?fields=id,name,daily_active_users&access_token=${encodeURIComponent(r.body.app_token)}`);
    expect(node.body).toEqual({ id: r.body.id, name: 'Made Here', daily_active_users: '3' });
  });

  it('updates an app and names its developers', async () => {
    const made = await post('/_localgraph/apps', { name: 'Tunable' });
    const r = await post(`/_localgraph/apps/${made.body.id}`, { daily_users: 50, require_appsecret_proof: true, developers: ['alice'] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ daily_users: 50, require_appsecret_proof: 1 });
    const unknown = await post('/_localgraph/apps/1', { daily_users: 5 });
    expect(unknown.status).toBe(404);
  });

  it('creates a business with a system-user token that resolves', async () => {
    const r = await post('/_localgraph/businesses', { name: 'Biz', system_user: { app: DEMO.appId, scopes: ['ads_management'] } });
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^1\d{14}$/);
    expect(r.body.system_user_token).toMatch(/^EAA/);
    const dbg = await server.call(`/v21.0/debug_token?input_token=${r.body.system_user_token}&access_token=${encodeURIComponent(DEMO.appToken)}`);
    expect(dbg.body.data).toMatchObject({ type: 'SYSTEM_USER', scopes: ['ads_management'], is_valid: true });
  });

  it('creates a page with roles and a page token', async () => {
    const r = await post('/_localgraph/pages', { name: 'A Page', roles: [{ person: 'bob' }], token: { app: DEMO.appId, person: DEMO.bobAsid } });
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^1\d{14}$/);
    expect(r.body.access_token).toMatch(/^EAA/);
    const dbg = await server.call(`/v21.0/debug_token?input_token=${r.body.access_token}&access_token=${encodeURIComponent(DEMO.appToken)}`);
    expect(dbg.body.data).toMatchObject({ type: 'PAGE', profile_id: r.body.id, user_id: DEMO.bobAsid });
  });

  it('creates an ad account with assigned users', async () => {
    const r = await post('/_localgraph/ad_accounts', { name: 'Ads', currency: 'EUR', users: [{ person: 'alice', role: 'ADMIN' }, { person: 'bob', role: 'GENERAL_USER' }] });
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^act_1\d{14}$/);
    expect(r.body.account_id).toBe(r.body.id.slice(4));
    const exported = await server.admin('/_localgraph/export');
    const acct = exported.body.ad_accounts.find((a: { id: string }) => a.id === r.body.id);
    expect(acct).toMatchObject({ name: 'Ads', currency: 'EUR' });
    expect(acct.users.map((u: { person: string }) => u.person).sort()).toEqual(['alice', 'bob']);
  });

  it('refuses bad input with a message that names the problem, leaving nothing behind', async () => {
    const r = await post('/_localgraph/ad_accounts', { name: 'Broken', users: [{ person: 'nobody' }] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/users\[0\]\.person: no person nobody/);
    const dup = await post('/_localgraph/apps', { id: DEMO.appId, name: 'Again' });
    expect(dup.status).toBe(400);
    expect(dup.body.error.message).toMatch(/\$\.apps\[0\]/);
    const bad = await post('/_localgraph/businesses', { name: 'B', system_user: { app: '42' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/no app with id 42/);
  });

  it('issues page and system-user tokens on request, and user tokens with a chosen lifetime', async () => {
    const page = await post('/_localgraph/tokens', { kind: 'page', app: DEMO.appId, page: DEMO.pageId, person: 'alice' });
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ kind: 'page', app: DEMO.appId, state: 'valid' });
    expect(page.body.token).toMatch(/^EAA/);
    const sys = await post('/_localgraph/tokens', { kind: 'system_user', app: DEMO.appId, business: DEMO.businessId });
    const user = await post('/_localgraph/tokens', { app: DEMO.appId, person: 'bob', lifetime_seconds: 600 });
    expect(user.body.expires_at - user.body.issued_at).toBe(600);
    for (const [t, type] of [[page.body.token, 'PAGE'], [sys.body.token, 'SYSTEM_USER'], [user.body.token, 'USER']]) {
      const dbg = await server.call(`/v21.0/debug_token?input_token=${t}&access_token=${encodeURIComponent(DEMO.appToken)}`);
      expect(dbg.body.data).toMatchObject({ type, is_valid: true });
    }
    expect((await post('/_localgraph/tokens', { kind: 'page', app: DEMO.appId, page: '1' })).status).toBe(400);
    expect((await post('/_localgraph/tokens', { app: DEMO.appId, person: 'carol-nobody' })).status).toBe(400);
  });

  it('needs the admin token', async () => {
    const r = await fetch(`${server.url}/_localgraph/apps`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(401);
  });
});
