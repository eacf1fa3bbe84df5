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

const blocked = (method: string, params: Record<string, string>, version = 'v21.0') =>
  s.call(`/${version}/${DEMO.pageId}/blocked?${q(params)}`, { method });
const list = async () => (await blocked('GET', { access_token: DEMO.pageToken })).body.data as Array<{ id: string; name: string }>;

describe('/{page_id}/blocked round trip', () => {
  it('starts empty', async () => {
    expect(await list()).toEqual([]);
  });

  it('blocks by app-scoped id, lists the person under their page-scoped id, unblocks by it', async () => {
    const post = await blocked('POST', { user: DEMO.bobAsid, access_token: DEMO.pageToken });
    expect(post.status).toBe(200);
    expect(post.body).toEqual({ [DEMO.bobAsid]: true });
    const shown = await list();
    expect(shown).toEqual([{ id: expect.stringMatching(/^\d{16}$/), name: 'Bob Sample' }]);
    const del = await blocked('DELETE', { psid: shown[0].id, access_token: DEMO.pageToken });
    expect(del.body).toEqual({ success: true });
    expect(await list()).toEqual([]);
  });

  it.each(['asid', 'uid', 'user'])('unblocks with %s', async (param) => {
    await blocked('POST', { uid: U.doraAsid, access_token: DEMO.pageToken });
    expect(await list()).toHaveLength(1);
    const del = await blocked('DELETE', { [param]: U.doraAsid, access_token: DEMO.pageToken });
    expect(del.body).toEqual({ success: true });
    expect(await list()).toEqual([]);
  });

  it('takes a page-scoped id from ids_for_pages', async () => {
    const psid = (await s.call(`/v21.0/me/ids_for_pages?access_token=${U.doraToken}`)).body.data[0].id as string;
    await blocked('POST', { psid, access_token: DEMO.pageToken });
    expect(await list()).toEqual([{ id: psid, name: 'Dora Q Explorer' }]);
    await blocked('DELETE', { user: psid, access_token: DEMO.pageToken });
    expect(await list()).toEqual([]);
  });

  it('loads blocks from a fixture and exports them', async () => {
    await s.admin('/_localgraph/fixture?merge=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ people: [{ key: 'nat', name: 'Nat Blocked', apps: [{ app: DEMO.appId, asid: '150000000000091' }] }], user_content: { nat: { blocked_by_pages: [DEMO.pageId] } } }),
    });
    expect(await list()).toEqual([{ id: expect.any(String), name: 'Nat Blocked' }]);
    const exported = await s.admin('/_localgraph/export');
    expect(exported.body.user_content.nat).toEqual({ blocked_by_pages: [DEMO.pageId] });
  });
});

describe('/{page_id}/blocked errors', () => {
  it('answers (#100) when no id is given', async () => {
    const r = await blocked('DELETE', { access_token: DEMO.pageToken });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 100, message: '(#100) The parameter user is required' });
  });

  it('answers (#100) for an id the page cannot resolve', async () => {
    const r = await blocked('DELETE', { user: '999999999999999', access_token: DEMO.pageToken });
    expect(r.body.error.code).toBe(100);
  });

  it("answers (#200) without the page's own token", async () => {
    for (const token of [DEMO.aliceToken, DEMO.appToken]) {
      const r = await blocked('DELETE', { user: DEMO.bobAsid, access_token: token });
      expect(r.status).toBe(403);
      expect(r.body.error).toMatchObject({ code: 200, message: '(#200) Permissions error' });
    }
    expect((await blocked('GET', { access_token: DEMO.aliceToken })).body.error.code).toBe(200);
  });

  it('works on v10.0', async () => {
    const r = await blocked('DELETE', { user: DEMO.bobAsid, access_token: DEMO.pageToken }, 'v10.0');
    expect(r.body).toEqual({ success: true });
  });
});
