import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, type TestServer } from '../../helpers/server.js';
import { U, q, startUsersServer } from './users-fixture.js';

let s: TestServer;
const deleted: string[] = [];
beforeAll(async () => {
  s = await startUsersServer();
  s.services.events.on('person.deleted', (e) => {
    deleted.push(e.personId);
  });
});
afterAll(async () => {
  await s.close();
});

const del = (id: string, token: string, version = 'v21.0') => s.call(`/${version}/${id}?${q({ access_token: token })}`, { method: 'DELETE' });

describe('DELETE /{user_id} refusals', () => {
  it('answers 2903 for a real person', async () => {
    const r = await del(U.doraAsid, DEMO.appToken);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 2903, message: '(#2903) Cannot delete this test account' });
  });

  it("answers 2904 for the app's OG test user", async () => {
    const r = await del(U.ivyAsid, DEMO.appToken);
    expect(r.body.error).toMatchObject({ code: 2904, message: '(#2904) Cannot delete the OG Test User' });
  });

  it('answers 2903 for a test user another app created', async () => {
    const r = await del(U.kimAsid, DEMO.appToken);
    expect(r.body.error.code).toBe(2903);
  });

  it("answers 240 for another person's user token", async () => {
    const r = await del(U.halAsid, DEMO.aliceToken);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe(240);
  });

  it("answers 200 for the test user's own token (an app token is needed)", async () => {
    const r = await del(U.halAsid, U.halToken);
    expect(r.body.error).toMatchObject({ code: 200 });
  });

  it('answers 102 for a client token', async () => {
    const r = await del(U.halAsid, U.clientToken);
    expect(r.body.error.code).toBe(102);
  });

  it('answers 190 for a bad token', async () => {
    const r = await del(U.halAsid, 'EAAnope');
    expect(r.body.error.code).toBe(190);
  });

  it('deleted nothing so far', async () => {
    expect(deleted).toEqual([]);
    expect((await s.call(`/v21.0/me?access_token=${U.halToken}`)).status).toBe(200);
  });
});

describe('DELETE /{user_id} of a test user', () => {
  it('answers success, and the person is gone everywhere', async () => {
    const r = await del(U.halAsid, DEMO.appToken);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true });
    expect(deleted).toEqual(['hal']);

    const byApp = await s.call(`/v21.0/${U.halAsid}?access_token=${encodeURIComponent(DEMO.appToken)}`);
    expect(byApp.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const own = await s.call(`/v21.0/me?access_token=${U.halToken}`);
    expect(own.body.error.code).toBe(190);
    const again = await del(U.halAsid, DEMO.appToken);
    expect(again.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const exported = await s.admin('/_localgraph/export');
    expect(exported.body.people.map((p: { key: string }) => p.key)).not.toContain('hal');
  });

  it('works on v10.0 too', async () => {
    const r = await del(U.jayAsid, DEMO.appToken, 'v10.0');
    expect(r.body).toEqual({ success: true });
  });
});
