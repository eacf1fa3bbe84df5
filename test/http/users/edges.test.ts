import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, type TestServer } from '../../helpers/server.js';
import { USER_EDGES, pageFor } from '../../../src/users/version-table.js';
import { U, q, startUsersServer } from './users-fixture.js';

let s: TestServer;
beforeAll(async () => {
  s = await startUsersServer();
});
afterAll(async () => {
  await s.close();
});

/** For dora: how many items each edge lists and the members of its first item (the default fields). */
const EXPECTED: Record<string, { count: number; first: string[] }> = {
  accounts: { count: 1, first: ['access_token', 'category', 'category_list', 'name', 'id', 'tasks'] },
  ad_studies: { count: 1, first: ['id', 'name'] },
  adaccounts: { count: 2, first: ['account_id', 'id'] },
  albums: { count: 3, first: ['created_time', 'name', 'id'] },
  apprequestformerrecipients: { count: 1, first: ['id', 'recipient_id'] },
  apprequests: { count: 1, first: ['id', 'application', 'created_time', 'from', 'message', 'to'] },
  assigned_ad_accounts: { count: 1, first: ['account_id', 'id'] },
  assigned_applications: { count: 1, first: ['id', 'name'] },
  assigned_business_asset_groups: { count: 1, first: ['id', 'name'] },
  assigned_pages: { count: 1, first: ['name', 'id', 'tasks'] },
  assigned_product_catalogs: { count: 1, first: ['id', 'name'] },
  business_users: { count: 2, first: ['id', 'name'] },
  businesses: { count: 2, first: ['id', 'name'] },
  conversations: { count: 1, first: ['id', 'updated_time'] },
  custom_labels: { count: 1, first: ['id'] },
  feed: { count: 2, first: ['created_time', 'message', 'id'] },
  ids_for_apps: { count: 2, first: ['id', 'app'] },
  ids_for_business: { count: 2, first: ['id', 'app'] },
  ids_for_pages: { count: 1, first: ['id', 'page'] },
  likes: { count: 2, first: ['name', 'id', 'created_time'] },
  live_encoders: { count: 1, first: ['id', 'name'] },
  live_videos: { count: 1, first: ['status', 'stream_url', 'id'] },
  music: { count: 1, first: ['name', 'id', 'created_time'] },
  'payment.subscriptions': { count: 1, first: ['id', 'amount', 'currency', 'status'] },
  personal_ad_accounts: { count: 1, first: ['account_id', 'id'] },
  photos: { count: 1, first: ['created_time', 'name', 'id'] },
  rich_media_documents: { count: 1, first: ['id', 'name'] },
  videos: { count: 1, first: ['description', 'updated_time', 'id'] },
};

const LISTS = USER_EDGES.filter((e) => e.owner === 'users' && e.name !== 'picture');

describe.each(['v10.0', 'v20.0', 'v21.0'])('every edge of the %s page', (version) => {
  const page = pageFor(version);
  const listed = LISTS.filter((e) => e.pages.includes(page)).map((e) => e.name);
  const unlisted = USER_EDGES.filter((e) => !e.pages.includes(page)).map((e) => e.name);

  it.each(listed)('GET /me/%s lists its items with their default fields', async (edge) => {
    const r = await s.call(`/${version}/me/${edge}?access_token=${U.doraToken}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const want = EXPECTED[edge];
    expect(r.body.data, edge).toHaveLength(want.count);
    expect(Object.keys(r.body.data[0]), edge).toEqual(want.first);
    expect(r.body.paging.cursors).toEqual({ before: expect.any(String), after: expect.any(String) });
  });

  it.each(listed)('fields=%s nests the edge in the node', async (edge) => {
    const r = await s.call(`/${version}/me?${q({ fields: edge, access_token: U.doraToken })}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body[edge].data).toHaveLength(EXPECTED[edge].count);
  });

  it.each(unlisted)('answers the unknown-path error for %s, which the page does not list', async (edge) => {
    const r = await s.call(`/${version}/me/${edge}?access_token=${U.doraToken}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 2500, message: `Unknown path components: /me/${edge}` });
    const nested = await s.call(`/${version}/me?${q({ fields: edge, access_token: U.doraToken })}`);
    expect(nested.body.error).toMatchObject({ code: 100, message: `(#100) Tried accessing nonexisting field (${edge}) on node type (User)` });
  });
});

describe('edge contents', () => {
  const me = (edge: string, params: Record<string, string> = {}, token = U.doraToken) =>
    s.call(`/v21.0/me/${edge}?${q({ ...params, access_token: token })}`);

  it('nests edges inside fields to any depth', async () => {
    const r = await s.call(`/v21.0/me?${q({ fields: 'name,albums.limit(2){name,photos.limit(1){id}}', access_token: U.doraToken })}`);
    expect(r.status).toBe(200);
    expect(r.body.name).toBe('Dora Q Explorer');
    expect(r.body.albums.data.map((a: { name: string }) => a.name)).toEqual(['Alps', 'Cats']);
    expect(r.body.albums.data[0].photos.data).toEqual([{ id: '5002000000000001' }]);
    expect(r.body.albums.data[0].photos.paging.next).toContain('/5001000000000001/photos?');
    expect(r.body.albums.data[1].photos.data).toEqual([]);
    expect(r.body.albums.paging.next).toContain(`/v21.0/${U.doraAsid}/albums?`);
  });

  it("follows a nested edge's next link to the item's own edge", async () => {
    const r = await s.call(`/v21.0/me?${q({ fields: 'albums.limit(1){photos.limit(1){name}}', access_token: U.doraToken })}`);
    const next = new URL(r.body.albums.data[0].photos.paging.next);
    const page2 = await s.call(next.pathname + next.search);
    expect(page2.status, JSON.stringify(page2.body)).toBe(200);
    expect(page2.body.data).toEqual([{ name: 'Valley', id: '5002000000000002' }]);
  });

  it('reads albums, photos, posts and videos as nodes of their own, for their owner and app only', async () => {
    const album = await s.call(`/v21.0/5001000000000001?access_token=${U.doraToken}`);
    expect(album.body).toEqual({ created_time: '2024-02-01T10:00:00+0000', name: 'Alps', id: '5001000000000001' });
    const photo = await s.call(`/v21.0/5002000000000002?${q({ fields: 'name,album', access_token: DEMO.appToken })}`);
    expect(photo.body).toEqual({ name: 'Valley', album: { name: 'Alps', id: '5001000000000001' }, id: '5002000000000002' });
    const post = await s.call(`/v21.0/${U.doraAsid}_6001000000000001?access_token=${U.doraToken}`);
    expect(post.body).toMatchObject({ message: 'Off to the Alps' });
    const video = await s.call(`/v21.0/6002000000000001?access_token=${U.doraToken}`);
    expect(video.body).toMatchObject({ description: 'Tagged clip', id: '6002000000000001' });
    const stranger = await s.call(`/v21.0/5001000000000001?access_token=${DEMO.aliceToken}`);
    expect(stranger.body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('pages with cursors: next leads to the following item, previous back', async () => {
    const first = await me('albums', { limit: '1' });
    expect(first.body.data.map((a: { name: string }) => a.name)).toEqual(['Alps']);
    expect(first.body.paging.cursors.after).toBe(Buffer.from('5001000000000001').toString('base64'));
    expect(first.body.paging).not.toHaveProperty('previous');
    const nextUrl = new URL(first.body.paging.next);
    const second = await s.call(nextUrl.pathname + nextUrl.search);
    expect(second.body.data.map((a: { name: string }) => a.name)).toEqual(['Cats']);
    expect(second.body.paging.previous).toBeDefined();
    const lastUrl = new URL(second.body.paging.next);
    const last = await s.call(lastUrl.pathname + lastUrl.search);
    expect(last.body.data.map((a: { name: string }) => a.name)).toEqual(['Food']);
    expect(last.body.paging).not.toHaveProperty('next');
  });

  it('expands item fields and counts with summary', async () => {
    const r = await me('albums', { fields: 'name,count,photos.limit(5){name,album{name}}', summary: 'true' });
    expect(r.body.summary).toEqual({ total_count: 3 });
    expect(r.body.data[0]).toMatchObject({ name: 'Alps', count: 3 });
    expect(r.body.data[0].photos.data[0]).toEqual({ name: 'Summit', album: { name: 'Alps', id: '5001000000000001' }, id: '5002000000000001' });
  });

  it('lists tagged photos by default and uploads with type=uploaded, newest first', async () => {
    const tagged = await me('photos');
    expect(tagged.body.data.map((p: { id: string }) => p.id)).toEqual(['5002000000000010']);
    const uploaded = await me('photos', { type: 'uploaded' });
    expect(uploaded.body.data.map((p: { id: string }) => p.id)).toEqual(['5002000000000011', '5002000000000003', '5002000000000002', '5002000000000001']);
    const videos = await me('videos', { type: 'uploaded', fields: 'description' });
    expect(videos.body.data).toEqual([{ description: 'My upload', id: '6002000000000002' }]);
  });

  it('filters likes by target_id', async () => {
    const r = await me('likes', { target_id: '6979393237' });
    expect(r.body.data).toEqual([{ name: 'The Beatles', id: '6979393237', created_time: '2021-11-02T08:30:00+0000' }]);
  });

  it("lists the calling app's app requests only", async () => {
    const r = await me('apprequests', { fields: 'message,application{name}' });
    expect(r.body.data).toEqual([{ message: 'Join my team', application: { name: 'Demo App', id: DEMO.appId }, id: `6007000000000001_${U.doraAsid}` }]);
  });

  it('hands out the page token with accounts, one that works as /me', async () => {
    const r = await me('accounts');
    const token = r.body.data[0].access_token as string;
    expect(token).toMatch(/^EAA/);
    expect(r.body.data[0]).toMatchObject({ id: U.doraPageId, name: "Dora's Page", tasks: ['MANAGE', 'ADVERTISE'] });
    const page = await s.call(`/v21.0/me?access_token=${token}`);
    expect(page.body).toEqual({ name: "Dora's Page", id: U.doraPageId });
    expect((await me('accounts')).body.data[0].access_token).toBe(token);
  });

  it('splits ad accounts into personal and business-assigned ones (v10.0)', async () => {
    const all = await s.call(`/v10.0/me/adaccounts?${q({ fields: 'account_id,name,currency', access_token: U.doraToken })}`);
    expect(all.body.data).toEqual([
      { account_id: U.personalAdAccount, name: 'Dora Personal', currency: 'USD', id: `act_${U.personalAdAccount}` },
      { account_id: U.businessAdAccount, name: 'Dora Business Account', currency: 'USD', id: `act_${U.businessAdAccount}` },
    ]);
    const personal = await s.call(`/v10.0/me/personal_ad_accounts?access_token=${U.doraToken}`);
    expect(personal.body.data).toEqual([{ account_id: U.personalAdAccount, id: `act_${U.personalAdAccount}` }]);
    const assigned = await s.call(`/v10.0/me/assigned_ad_accounts?${q({ fields: 'name,business', access_token: U.doraToken })}`);
    expect(assigned.body.data).toEqual([{ name: 'Dora Business Account', business: { id: DEMO.businessId, name: 'Demo Business' }, id: `act_${U.businessAdAccount}` }]);
  });

  it('lists businesses and the business-scoped users of the person', async () => {
    const b = await me('businesses');
    expect(b.body.data).toEqual([
      { id: DEMO.businessId, name: 'Demo Business' },
      { id: U.thirdBusinessId, name: 'Third Business' },
    ]);
    const bu = await me('business_users', { fields: 'name,role,business' });
    expect(bu.body.data[0]).toEqual({ name: 'Dora Q Explorer', role: 'ADMIN', business: { id: DEMO.businessId, name: 'Demo Business' }, id: expect.stringMatching(/^\d{15}$/) });
  });
});

describe('edge permissions', () => {
  it('answers empty data with a __debug__ warning for profile content the token may not read', async () => {
    const r = await s.call(`/v21.0/me/albums?${q({ debug: 'all', access_token: DEMO.bobToken })}`);
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual([]);
    expect(r.body.__debug__.messages).toEqual([
      { message: 'Field albums is only accessible on User object, if user_photos permission is granted by the user', type: 'warning' },
    ]);
  });

  it('answers (#200) for business and ads edges without their permission', async () => {
    const r = await s.call(`/v21.0/me/businesses?access_token=${DEMO.bobToken}`);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 200, type: 'OAuthException', message: '(#200) Requires business_management permission to manage the object' });
    const ads = await s.call(`/v10.0/me/adaccounts?access_token=${DEMO.bobToken}`);
    expect(ads.body.error).toMatchObject({ code: 200, message: '(#200) Requires ads_read or ads_management permission to manage the object' });
  });

  it('answers (#10) for live encoders without publish_video (v10.0)', async () => {
    const r = await s.call(`/v10.0/me/live_encoders?access_token=${DEMO.bobToken}`);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 10, message: '(#10) Application does not have permission for this action' });
  });

  it('answers (#230) for messaging edges without pages_messaging', async () => {
    const r = await s.call(`/v21.0/me/conversations?access_token=${DEMO.bobToken}`);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 230, message: '(#230) Requires pages_messaging permission to manage the object' });
  });

  it("shows another person's content edges empty and refuses their business edges", async () => {
    const albums = await s.call(`/v21.0/${U.doraAsid}/albums?access_token=${DEMO.aliceToken}`);
    expect(albums.body.data).toEqual([]);
    const businesses = await s.call(`/v21.0/${U.doraAsid}/businesses?access_token=${DEMO.aliceToken}`);
    expect(businesses.body.error).toMatchObject({ code: 200, message: '(#200) Permissions error' });
  });

  it('fails the whole read when a nested edge answers an error', async () => {
    const r = await s.call(`/v21.0/me?${q({ fields: 'name,businesses', access_token: DEMO.bobToken })}`);
    expect(r.body.error.code).toBe(200);
  });
});
