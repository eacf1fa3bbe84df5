/**
 * The custom-audience rate limit on `/{custom_audience_id}/users` itself (spec §5.4): past the ad
 * account's `custom_audience` budget, POST and DELETE answer 80003 / 2446079 (HTTP 400), and the
 * answer carries `x-business-use-case-usage` keyed by the account id without `act_`, with the
 * minutes until access returns — what a client's back-off reads. A successful POST /users carries
 * only `x-ad-account-usage`, as the real one did; DELETE /users carries both.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { ALICE_EMAIL, createAudience, users } from './audience-helpers.js';

let s: TestServer;
const ACCT = DEMO.adAccountId;
const MESSAGE =
  '(#80003) There have been too many calls to this ad-account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting#custom-audience.';

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const buc = (r: { headers: Headers }) => JSON.parse(r.headers.get('x-business-use-case-usage') ?? 'null');
const fill = () => s.admin('/_localgraph/ratelimits/usage', json({ ad_account: `act_${ACCT}`, use_case: 'custom_audience', percent: 100 }));
const payload = { schema: ['EMAIL'], data: [[ALICE_EMAIL]] };

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());
beforeEach(async () => {
  await s.admin('/_localgraph/ratelimits/usage', { method: 'DELETE' });
});

describe('the custom_audience rate limit on /users', () => {
  it('a successful POST carries x-ad-account-usage only, a DELETE both headers', async () => {
    const id = await createAudience(s);
    const post = await users(s, id, { payload });
    expect(post.status).toBe(200);
    expect(post.headers.get('x-business-use-case-usage')).toBeNull();
    expect(JSON.parse(post.headers.get('x-ad-account-usage') ?? 'null')).toHaveProperty('acc_id_util_pct');
    const del = await users(s, id, { method: 'DELETE', payload });
    expect(del.status).toBe(200);
    expect(buc(del)[ACCT][0]).toMatchObject({ type: 'custom_audience', estimated_time_to_regain_access: 0 });
  });

  it('POST /users past the budget: 80003 / 2446079 with x-business-use-case-usage and the wait', async () => {
    const id = await createAudience(s);
    await fill();
    const res = await users(s, id, { payload });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 80003, error_subcode: 2446079, type: 'OAuthException', message: MESSAGE });
    const usage = buc(res);
    expect(Object.keys(usage)).toEqual([ACCT]);
    expect(usage[ACCT][0]).toMatchObject({ type: 'custom_audience', call_count: 100 });
    expect(usage[ACCT][0].estimated_time_to_regain_access).toBeGreaterThan(0);
    expect(JSON.parse(res.headers.get('x-ad-account-usage') ?? 'null').acc_id_util_pct).toBeGreaterThanOrEqual(100);
    // Nothing was staged: the audience never took the upload.
    const state = await s.admin(`/_localgraph/audiences/${id}`);
    expect(state.body).toMatchObject({ rows: 0, pending_batches: 0 });
  });

  it('DELETE /users and POST with method=DELETE past the budget: 80003 too', async () => {
    const id = await createAudience(s);
    await fill();
    const del = await users(s, id, { method: 'DELETE', payload });
    expect(del.body.error).toMatchObject({ code: 80003, error_subcode: 2446079 });
    expect(buc(del)[ACCT][0].estimated_time_to_regain_access).toBeGreaterThan(0);
    const emulated = await s.call(`/v21.0/${id}/users?method=DELETE&access_token=${DEMO.aliceToken}`, {
      method: 'POST',
      body: new URLSearchParams({ payload: JSON.stringify(payload) }),
    });
    expect(emulated.body.error).toMatchObject({ code: 80003 });
  });

  it('access returns when the window has slid', async () => {
    const id = await createAudience(s);
    await fill();
    expect((await users(s, id, { payload })).status).toBe(400);
    await s.admin('/_localgraph/clock', json({ advance_seconds: 3601 }));
    const back = await users(s, id, { payload });
    expect(back.status).toBe(200);
    expect(back.body.num_received).toBe(1);
  });
});
