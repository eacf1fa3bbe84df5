/**
 * The User node's error codes that come from limits and from Meta's integrity systems: 613 (a
 * custom rate limit), 80004 (the ad accounts' Ads Management budget), and — where no situation of
 * our own can cause them — 368, 80006 and 452 by fault injection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/server.js';
import { U, q, startUsersServer } from './users-fixture.js';

let s: TestServer;
beforeAll(async () => {
  s = await startUsersServer();
});
afterAll(async () => {
  await s.close();
});

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('rate limits', () => {
  it('answers 613 once a custom rate limit on the User node is spent', async () => {
    const set = await s.admin('/_localgraph/ratelimits', json({ enabled: true, custom: [{ path: `/${U.doraAsid}`, method: 'GET', limit: 2, window_seconds: 60 }] }));
    expect(set.status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await s.call(`/v21.0/${U.doraAsid}?access_token=${U.doraToken}`)).status).toBe(200);
    const r = await s.call(`/v21.0/${U.doraAsid}?access_token=${U.doraToken}`);
    expect(r.body.error).toMatchObject({ code: 613, message: 'Calls to this api have exceeded the rate limit.' });
    await s.admin('/_localgraph/ratelimits', json({ custom: [] }));
    await s.admin('/_localgraph/ratelimits/usage', { method: 'DELETE' });
  });

  it("answers 80004 for the ad accounts edges once an account's Ads Management budget is spent", async () => {
    await s.admin('/_localgraph/ratelimits', json({ enabled: true }));
    expect((await s.call(`/v10.0/me/adaccounts?access_token=${U.doraToken}`)).status).toBe(200);
    const fill = await s.admin('/_localgraph/ratelimits/usage', json({ ad_account: `act_${U.personalAdAccount}`, use_case: 'ads_management', percent: 100 }));
    expect(fill.status).toBe(200);
    const r = await s.call(`/v10.0/me/adaccounts?access_token=${U.doraToken}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 80004, error_subcode: 2446079 });
    await s.admin('/_localgraph/ratelimits/usage', { method: 'DELETE' });
    await s.admin('/_localgraph/ratelimits', json({ enabled: false }));
  });
});

describe('fault injection', () => {
  const inject = async (rule: Record<string, unknown>) => {
    const r = await s.admin('/_localgraph/faults', json(rule));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };

  it('answers 368 on GET and POST /{user_id} when a rule says the action is deemed abusive', async () => {
    await inject({ code: 368, path: '/me', method: 'GET', times: 1 });
    const read = await s.call(`/v21.0/me?access_token=${U.doraToken}`);
    expect(read.body.error).toMatchObject({ code: 368, message: '(#368) The action attempted has been deemed abusive or is otherwise disallowed' });
    await inject({ code: 368, path: `/${U.doraAsid}`, method: 'POST', times: 1 });
    const write = await s.call(`/v21.0/${U.doraAsid}?${q({ firstname: 'X', access_token: U.doraToken })}`, { method: 'POST' });
    expect(write.body.error.code).toBe(368);
    expect((await s.call(`/v21.0/me?access_token=${U.doraToken}`)).status).toBe(200);
  });

  it('answers 80006 on the messaging edge and 452 on v10.0 reads when injected', async () => {
    await inject({ code: 80006, path: '/me/conversations', times: 1 });
    const m = await s.call(`/v21.0/me/conversations?access_token=${U.doraToken}`);
    expect(m.body.error.code).toBe(80006);
    await inject({ code: 452, path: '/me', times: 1 });
    const v10 = await s.call(`/v10.0/me?access_token=${U.doraToken}`);
    expect(v10.body.error.code).toBe(452);
  });
});
