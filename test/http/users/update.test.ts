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

const post = (id: string, params: Record<string, string>, version = 'v21.0') =>
  s.call(`/${version}/${id}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: q(params) });
const read = async (id: string, fields: string, token: string) => (await s.call(`/v21.0/${id}?${q({ fields, access_token: token })}`)).body;

describe('POST /{user_id} by the person', () => {
  it('updates first and last name and answers success', async () => {
    const r = await post(U.doraAsid, { firstname: 'Dorothea', lastname: 'Voyager', access_token: U.doraToken });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true });
    expect(await read('me', 'first_name,last_name,name', U.doraToken)).toEqual({
      first_name: 'Dorothea',
      last_name: 'Voyager',
      name: 'Dorothea Q Voyager',
      id: U.doraAsid,
    });
  });

  it('stores the local news preferences, read back as the deprecated bool fields', async () => {
    const r = await post(U.doraAsid, { local_news_megaphone_dismiss_status: 'YES', local_news_subscription_status: 'STATUS_OFF', access_token: U.doraToken });
    expect(r.body).toEqual({ success: true });
    expect(await read('me', 'local_news_megaphone_dismiss_status,local_news_subscription_status', U.doraToken)).toEqual({
      local_news_megaphone_dismiss_status: true,
      local_news_subscription_status: false,
      id: U.doraAsid,
    });
  });

  it('accepts an int64 emoji_color_pref up to its maximum', async () => {
    const r = await post(U.doraAsid, { emoji_color_pref: '9223372036854775807', access_token: U.doraToken });
    expect(r.body).toEqual({ success: true });
  });

  it('accepts a JSON body', async () => {
    const r = await s.call(`/v21.0/${U.doraAsid}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ emoji_color_pref: 42, firstname: 'Dora', access_token: U.doraToken }),
    });
    expect(r.body).toEqual({ success: true });
  });

  it('moves updated_time forward', async () => {
    const before = (await read('me', 'updated_time', U.doraToken)).updated_time;
    await s.admin('/_localgraph/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_seconds: 3600 }) });
    await post(U.doraAsid, { firstname: 'Dora', lastname: 'Explorer', access_token: U.doraToken });
    const after = (await read('me', 'updated_time', U.doraToken)).updated_time;
    expect(Date.parse(after.replace('+0000', 'Z'))).toBeGreaterThan(Date.parse(before.replace('+0000', 'Z')));
  });

  it('reads the node back when the request carries fields (read-after-write)', async () => {
    const r = await post(U.doraAsid, { firstname: 'Dora', fields: 'id,first_name,name', access_token: U.doraToken });
    expect(r.body).toEqual({ id: U.doraAsid, first_name: 'Dora', name: 'Dora Q Explorer' });
  });
});

describe('POST /{user_id} parameter errors (100)', () => {
  it.each([
    [{ emoji_color_pref: 'blue' }, '(#100) Param emoji_color_pref must be an integer'],
    [{ emoji_color_pref: '9223372036854775808' }, '(#100) Param emoji_color_pref must be an integer'],
    [{ local_news_megaphone_dismiss_status: 'MAYBE' }, '(#100) local_news_megaphone_dismiss_status must be one of the following values: YES, NO'],
    [{ local_news_subscription_status: 'ON' }, '(#100) local_news_subscription_status must be one of the following values: STATUS_ON, STATUS_OFF'],
    [{ firstname: '  ' }, '(#100) Param firstname must be a non-empty string'],
  ])('refuses %j', async (params, message) => {
    const r = await post(U.doraAsid, { ...params, access_token: U.doraToken });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 100, type: 'OAuthException', message });
  });

  it('writes nothing when one parameter is bad', async () => {
    await post(U.doraAsid, { firstname: 'Never', emoji_color_pref: 'x', access_token: U.doraToken });
    expect((await read('me', 'first_name', U.doraToken)).first_name).toBe('Dora');
  });

  it('answers 2500 for a broken fields and writes nothing', async () => {
    const r = await post(U.doraAsid, { firstname: 'Broken', fields: 'id,first_name{', access_token: U.doraToken });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(2500);
    expect((await read('me', 'first_name', U.doraToken)).first_name).toBe('Dora');
  });

  it('answers the read error with original_response when the write landed but the read-back failed', async () => {
    const r = await post(U.doraAsid, { firstname: 'Landed', fields: 'id,no_such_field', access_token: U.doraToken });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      code: 100,
      type: 'FacebookApiException',
      message: '(#100) Tried accessing nonexisting field (no_such_field) on node type (User)',
      original_response: { success: true },
    });
    expect((await read('me', 'first_name', U.doraToken)).first_name).toBe('Landed');
    await post(U.doraAsid, { firstname: 'Dora', access_token: U.doraToken });
  });
});

describe('POST /{user_id} by others', () => {
  it("answers 240 for another person's node", async () => {
    const r = await post(U.doraAsid, { firstname: 'Hacked', access_token: DEMO.aliceToken });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 240, message: '(#240) Desktop applications cannot call this function for other users' });
  });

  it('answers 200 for a page token', async () => {
    const r = await post(U.doraAsid, { firstname: 'X', access_token: DEMO.pageToken });
    expect(r.body.error).toMatchObject({ code: 200, message: '(#200) Permissions error' });
  });

  it('answers 102 for a client token, which carries no session', async () => {
    const r = await post(U.doraAsid, { firstname: 'X', access_token: U.clientToken });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 102, message: 'Session key invalid or no longer valid' });
  });

  it('answers 190/458 when the app is not installed for the person', async () => {
    const r = await post(U.jayAsid, { firstname: 'X', access_token: U.jayToken });
    expect(r.body.error).toMatchObject({ code: 190, error_subcode: 458 });
  });

  it('answers 210 for an invisible person and 459 for a checkpointed one', async () => {
    expect((await post(U.erinAsid, { firstname: 'X', access_token: DEMO.aliceToken })).body.error.code).toBe(210);
    expect((await post(U.frankAsid, { firstname: 'X', access_token: DEMO.appToken })).body.error.code).toBe(459);
  });

  it('answers 190 for a bad token', async () => {
    const r = await post(U.doraAsid, { firstname: 'X', access_token: 'EAAbroken' });
    expect(r.body.error.code).toBe(190);
  });
});

describe('test accounts: name and password', () => {
  it('lets the app rename a test user and set its password', async () => {
    const r = await post(U.halAsid, { name: 'Hal Renamed Tester', password: 'n3w-pass', access_token: DEMO.appToken });
    expect(r.body).toEqual({ success: true });
    expect(await read(U.halAsid, 'name,first_name,last_name', DEMO.appToken)).toEqual({
      name: 'Hal Renamed Tester',
      first_name: 'Hal',
      last_name: 'Tester',
      id: U.halAsid,
    });
    const exported = await s.admin('/_localgraph/export');
    expect(exported.body.people.find((p: { key: string }) => p.key === 'hal').password).toBe('n3w-pass');
  });

  it('refuses name and password on a real person (200)', async () => {
    const r = await post(U.doraAsid, { name: 'New Name', access_token: U.doraToken });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe(200);
  });

  it("refuses an app token on a real person's profile (200)", async () => {
    const r = await post(U.doraAsid, { firstname: 'X', access_token: DEMO.appToken });
    expect(r.body.error.code).toBe(200);
  });
});
