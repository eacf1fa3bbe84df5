import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { ACT, ALICE_EMAIL, BOB_EMAIL, TOKEN, count, createAudience, users } from './audience-helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
  // Bob joins the account as an advertiser (not an admin).
  const r = await s.admin('/_localgraph/fixture?merge=1', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ad_accounts: [{ id: 'act_555000555', name: 'Shared', business: DEMO.businessId, users: [{ person: 'alice', role: 'ADMIN' }, { person: 'bob', role: 'ADVERTISER', tasks: ['ADVERTISE'] }] }] }),
  });
  expect(r.status).toBe(200);
});
afterAll(() => s.close());

describe('GET /act_{ad_account_id}', () => {
  it('answers id and account_id by default, and the asked-for fields', async () => {
    const plain = await s.call(`/v21.0/${ACT}?access_token=${TOKEN}`);
    expect(plain.body).toEqual({ account_id: DEMO.adAccountId, id: ACT });
    const res = await s.call(`/v21.0/${ACT}?fields=name,currency,account_status,business{id,name}&access_token=${TOKEN}`);
    expect(res.body).toEqual({ name: 'Demo Ad Account', currency: 'USD', account_status: 1, business: { id: DEMO.businessId, name: 'Demo Business' }, id: ACT });
  });

  it('nests the audience list in fields', async () => {
    const id = await createAudience(s, { name: 'Nested' });
    const res = await s.call(`/v21.0/${ACT}?fields=customaudiences.limit(50){name}&access_token=${TOKEN}`);
    expect(res.body.customaudiences.data).toContainEqual({ name: 'Nested', id });
  });
});

describe('/act_{ad_account_id}/assigned_users', () => {
  it('lists the assigned people (the business is required)', async () => {
    const missing = await s.call(`/v21.0/act_555000555/assigned_users?access_token=${TOKEN}`);
    expect(missing.body.error.code).toBe(100);
    const res = await s.call(`/v21.0/act_555000555/assigned_users?business=${DEMO.businessId}&access_token=${TOKEN}`);
    expect(res.body.data).toEqual([
      { id: DEMO.aliceAsid, name: 'Alice Example', tasks: ['MANAGE', 'ADVERTISE', 'ANALYZE'] },
      { id: DEMO.bobAsid, name: 'Bob Sample', tasks: ['ADVERTISE'] },
    ]);
  });

  it('needs user to dissociate, and only an admin of the account may', async () => {
    const noUser = await s.call(`/v21.0/act_555000555/assigned_users?access_token=${TOKEN}`, { method: 'DELETE' });
    expect(noUser.body.error).toMatchObject({ code: 100, message: '(#100) The parameter user is required' });
    const res = await s.call(`/v21.0/act_555000555/assigned_users?user=${DEMO.bobAsid}&access_token=${TOKEN}`, { method: 'DELETE' });
    expect(res.body).toEqual({ success: true });
    const after = await s.call(`/v21.0/act_555000555/assigned_users?business=${DEMO.businessId}&access_token=${TOKEN}`);
    expect(after.body.data.map((u: { id: string }) => u.id)).toEqual([DEMO.aliceAsid]);
  });
});

describe('DELETE /act_{ad_account_id}/usersofanyaudience', () => {
  it('removes the people from every customer-file audience of the account', async () => {
    const one = await createAudience(s);
    const two = await createAudience(s);
    await users(s, one, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL], [BOB_EMAIL]] } });
    await users(s, two, { payload: { schema: 'EMAIL_SHA256', data: [ALICE_EMAIL] } });
    expect(await count(s, one)).toBe(2);
    expect(await count(s, two)).toBe(1);
    const q = new URLSearchParams({ payload: JSON.stringify({ schema: 'EMAIL_SHA256', data: [ALICE_EMAIL] }), access_token: TOKEN });
    const res = await s.call(`/v21.0/${ACT}/usersofanyaudience?${q.toString()}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ num_received: 1, num_invalid_entries: 0, invalid_entry_samples: {} });
    expect(res.body.audience_id).toBeUndefined();
    expect(await count(s, one)).toBe(1);
    expect(await count(s, two)).toBe(0);
  });
});
