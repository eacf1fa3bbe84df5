import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { ACT, TOKEN, createAudience } from './audience-helpers.js';

let s: TestServer;

/** Dave has ads_management but is not assigned to the demo ad account. */
const EXTRA_WORLD = {
  people: [
    {
      key: 'dave',
      name: 'Dave Outsider',
      email: 'dave@example.com',
      apps: [{ app: DEMO.appId, asid: '105555555555555', granted: ['ads_management'] }],
      tokens: [{ app: DEMO.appId, token: 'EAADemoDaveTokenNotAssigned000000000000000000000000000000000' }],
    },
  ],
};
const DAVE = 'EAADemoDaveTokenNotAssigned000000000000000000000000000000000';

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
  const r = await s.admin('/_localgraph/fixture?merge=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXTRA_WORLD) });
  expect(r.status).toBe(200);
});
afterAll(() => s.close());

describe('POST /act_{id}/customaudiences', () => {
  it('creates a customer-file audience and answers {id} only', async () => {
    const res = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'Buyers', subtype: 'CUSTOM', description: 'People who bought', customer_file_source: 'USER_PROVIDED_ONLY' }),
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['id']);
    expect(res.body.id).toMatch(/^238\d{14}$/);
  });

  it('refuses a CUSTOM audience without customer_file_source with the real (#100) wording', async () => {
    const res = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, { method: 'POST', body: new URLSearchParams({ name: 'x', subtype: 'CUSTOM' }) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 100, type: 'OAuthException', message: '(#100) Missing parameter(s): customer_file_source' });
  });

  it('refuses an unknown customer_file_source', async () => {
    const res = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'x', subtype: 'CUSTOM', customer_file_source: 'SOMEONE' }),
    });
    expect(res.body.error.code).toBe(100);
    expect(res.body.error.message).toContain('USER_PROVIDED_ONLY');
  });

  it('accepts the business SDK body: JSON with the parent id injected', async () => {
    const res = await s.call(`/v24.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'SDK', subtype: 'CUSTOM', description: 'probe', customer_file_source: 'USER_PROVIDED_ONLY', id: ACT }),
    });
    expect(res.status).toBe(200);
    expect(res.body.id).toMatch(/^\d+$/);
  });

  it('reads back after the write when fields are asked for', async () => {
    const res = await s.call(`/v21.0/${ACT}/customaudiences?fields=name,subtype,operation_status&access_token=${TOKEN}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'Read back', subtype: 'CUSTOM', customer_file_source: 'BOTH_USER_AND_PARTNER_PROVIDED' }),
    });
    expect(res.body).toMatchObject({ name: 'Read back', subtype: 'CUSTOM', operation_status: { code: 410 } });
  });

  it('returns the existing audience with enable_fetch_or_create', async () => {
    const first = await createAudience(s, { name: 'Fetch me' });
    const again = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'Fetch me', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY', enable_fetch_or_create: 'true' }),
    });
    expect(again.body.id).toBe(first);
  });

  it('validates retention_days and subscription_info', async () => {
    const bad = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'r', customer_file_source: 'USER_PROVIDED_ONLY', retention_days: '365' }),
    });
    expect(bad.body.error.code).toBe(100);
    const sub = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${TOKEN}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'r', customer_file_source: 'USER_PROVIDED_ONLY', subscription_info: '["SMS"]' }),
    });
    expect(sub.body.error.code).toBe(100);
  });
});

describe('GET /{custom_audience_id}', () => {
  it('answers only the id by default and every asked-for field otherwise', async () => {
    const id = await createAudience(s, { name: 'Fields', description: 'd', retention_days: 30, is_value_based: true });
    const plain = await s.call(`/v21.0/${id}?access_token=${TOKEN}`);
    expect(plain.body).toEqual({ id });
    const fields =
      'id,name,description,subtype,approximate_count_lower_bound,approximate_count_upper_bound,operation_status{code,description},' +
      'delivery_status{code},time_created,time_updated,time_content_updated,customer_file_source,data_source{type,sub_type},is_value_based,retention_days,account_id';
    const full = await s.call(`/v21.0/${id}?fields=${fields}&access_token=${TOKEN}`);
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({
      id,
      name: 'Fields',
      description: 'd',
      subtype: 'CUSTOM',
      approximate_count_lower_bound: -1,
      approximate_count_upper_bound: -1,
      operation_status: { code: 410 },
      delivery_status: { code: 300 },
      customer_file_source: 'USER_PROVIDED_ONLY',
      data_source: { type: 'UNKNOWN', sub_type: 'ANYTHING' },
      is_value_based: true,
      retention_days: 30,
      account_id: DEMO.adAccountId,
    });
    expect(typeof full.body.time_created).toBe('number');
    expect(full.body.delivery_status).toEqual({ code: 300 });
  });

  it('names an unknown field with the node type CustomAudience', async () => {
    const id = await createAudience(s);
    const res = await s.call(`/v21.0/${id}?fields=nope&access_token=${TOKEN}`);
    expect(res.body.error.message).toBe('(#100) Tried accessing nonexisting field (nope) on node type (CustomAudience)');
  });

  it('updates name and description with POST /{id}', async () => {
    const id = await createAudience(s);
    const res = await s.call(`/v21.0/${id}?access_token=${TOKEN}`, { method: 'POST', body: new URLSearchParams({ name: 'Renamed' }) });
    expect(res.body).toEqual({ success: true });
    const read = await s.call(`/v21.0/${id}?fields=name&access_token=${TOKEN}`);
    expect(read.body.name).toBe('Renamed');
  });
});

describe('GET /act_{id}/customaudiences', () => {
  it('lists newest first with cursors and a next link, and honours fields', async () => {
    const a = await createAudience(s, { name: 'L1' });
    const b = await createAudience(s, { name: 'L2' });
    // Same second: the newest is the later id; move the clock so the order is unambiguous.
    await s.admin('/_localgraph/clock', { method: 'POST', body: JSON.stringify({ advance_seconds: 2 }), headers: { 'content-type': 'application/json' } });
    const c = await createAudience(s, { name: 'L3' });
    const page = await s.call(`/v21.0/${ACT}/customaudiences?fields=id,name&limit=2&access_token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.data[0]).toEqual({ id: c, name: 'L3' });
    expect(page.body.paging.cursors.after).toBeTruthy();
    expect(page.body.paging.next).toContain(`/v21.0/${ACT}/customaudiences?`);
    const next = (await fetch(page.body.paging.next).then((r) => r.json())) as { data: unknown[] };
    expect(next.data.length).toBeGreaterThan(0);
    const all = await s.call(`/v21.0/${ACT}/customaudiences?fields=name&limit=500&access_token=${TOKEN}`);
    const ids = all.body.data.map((x: { id: string }) => x.id);
    expect(ids).toContain(a);
    expect(ids).toContain(b);
  });

  it('answers {"data":[]} without paging for an account with no audiences', async () => {
    await s.admin('/_localgraph/fixture?merge=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ad_accounts: [{ id: 'act_777000777', name: 'Empty', business: DEMO.businessId, users: [{ person: 'alice' }] }] }),
    });
    const res = await s.call(`/v21.0/act_777000777/customaudiences?access_token=${TOKEN}`);
    expect(res.body).toEqual({ data: [] });
  });
});

describe('DELETE /{custom_audience_id}', () => {
  it('answers {success:true} and the audience is gone', async () => {
    const id = await createAudience(s);
    const del = await s.call(`/v21.0/${id}?access_token=${TOKEN}`, { method: 'DELETE' });
    expect(del.body).toEqual({ success: true });
    const read = await s.call(`/v21.0/${id}?access_token=${TOKEN}`);
    expect(read.body.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
  });
});

describe('who may use an ad account', () => {
  it('refuses a token without ads_management with 200 on v21.0 and 294 on v10.0', async () => {
    const v21 = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${DEMO.bobToken}`);
    expect(v21.status).toBe(400);
    expect(v21.body.error).toMatchObject({ code: 200, message: '(#200) Requires extended permission: ads_management' });
    const v10 = await s.call(`/v10.0/${ACT}/customaudiences?access_token=${DEMO.bobToken}`);
    expect(v10.body.error.code).toBe(294);
  });

  it('refuses a person with ads_management who is not assigned to the account', async () => {
    const res = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${DAVE}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'x', customer_file_source: 'USER_PROVIDED_ONLY' }),
    });
    expect(res.body.error.code).toBe(200);
    expect(res.body.error.message).toContain(ACT);
  });

  it('lets a system user of the owning business in', async () => {
    const res = await s.call(`/v21.0/${ACT}/customaudiences?access_token=${DEMO.systemUserToken}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'By system user', customer_file_source: 'USER_PROVIDED_ONLY' }),
    });
    expect(res.status).toBe(200);
  });

  it('answers an unversioned Ads call with 2635', async () => {
    const res = await s.call(`/${ACT}/customaudiences?access_token=${TOKEN}`);
    expect(res.body.error.code).toBe(2635);
    expect(res.body.error.message).toMatch(/^\(#2635\) You are calling a deprecated version of the Ads API\. Please update to the latest version: v\d+\.0\.$/);
  });
});

describe('the 500 customer-file audiences cap', () => {
  it('refuses the 501st with 2654', async () => {
    const audiences = Array.from({ length: 500 }, (_, i) => ({ id: '239000000000' + String(i).padStart(5, '0'), ad_account: 'act_888000888', name: `cap ${i}` }));
    const load = await s.admin('/_localgraph/fixture?merge=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ad_accounts: [{ id: 'act_888000888', name: 'Full', business: DEMO.businessId, users: [{ person: 'alice' }] }], custom_audiences: audiences }),
    });
    expect(load.body).toEqual({ success: true });
    const res = await s.call(`/v21.0/act_888000888/customaudiences?access_token=${TOKEN}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'one too many', customer_file_source: 'USER_PROVIDED_ONLY' }),
    });
    expect(res.body.error.code).toBe(2654);
  });
});

describe('ads version policy', () => {
  it('answers 2635 below the configured minimum Ads version', async () => {
    const t = await startTestServer({ adsMinVersion: 'v20.0', rateLimits: false });
    try {
      const old = await t.call(`/v19.0/${ACT}/customaudiences?access_token=${TOKEN}`);
      expect(old.body.error.code).toBe(2635);
      const ok = await t.call(`/v20.0/${ACT}/customaudiences?access_token=${TOKEN}`);
      expect(ok.status).toBe(200);
    } finally {
      await t.close();
    }
  });
});
