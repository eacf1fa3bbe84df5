/**
 * Business-use-case limits per ad account (spec/custom-audience-users.md §5.4, graph-api-core §8):
 * `custom_audience` (5000 on the development tier, 190000 on standard, + 40 per active custom
 * audience, at most 700000) and `ads_management` (300 / 100000 + 40 per active ad), with
 * `x-business-use-case-usage` keyed by the account id without `act_`,
 * `estimated_time_to_regain_access` in minutes, `x-ad-account-usage`, and 80003 / 80004 with
 * subcode 2446079 when exceeded. Handlers charge through `services.limits`; a probe root stands in
 * for them here so the limiter is tested on its own, and one test goes through the real
 * `/act_{id}/customaudiences`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { ACTIVE_CUSTOM_AUDIENCES, type BusinessUseCase } from '../../../src/ratelimit/limiter.js';

let server: TestServer;
let activeAudiences = 0;
const ACCT = DEMO.adAccountId;

beforeAll(async () => {
  server = await startTestServer();
  server.services.registry.addRoot('zz_buc_probe', async (ctx) => {
    const account = ctx.params.string('account') ?? ACCT;
    const useCase = (ctx.params.string('use_case') ?? 'custom_audience') as BusinessUseCase;
    const headers = ctx.params.string('headers');
    await ctx.services.limits.chargeBusinessUseCase(ctx, account, useCase, headers ? { headers: headers.split(',') as Array<'business_use_case' | 'ad_account'> } : undefined);
    return { success: true };
  });
  server.services.extensions.set(ACTIVE_CUSTOM_AUDIENCES, async () => activeAudiences);
});
afterAll(() => server.close());
beforeEach(async () => {
  activeAudiences = 0;
  await server.admin('/_localgraph/ratelimits/usage', { method: 'DELETE' });
  await server.admin('/_localgraph/ratelimits', { method: 'POST', body: JSON.stringify({ ad_accounts: { [ACCT]: null }, apps: { [DEMO.appId]: null } }) });
});

const probe = (q: Record<string, string> = {}) =>
  server.call(`/v21.0/zz_buc_probe?${new URLSearchParams({ access_token: DEMO.aliceToken, account: `act_${ACCT}`, ...q })}`);
const buc = (r: { headers: Headers }) => JSON.parse(r.headers.get('x-business-use-case-usage') ?? 'null');
const budget = async (useCase: string) =>
  (await server.admin(`/_localgraph/ratelimits/usage?ad_account=act_${ACCT}&app=${DEMO.appId}`)).body.ad_account[useCase].budget_calls_per_window;

describe('budgets', () => {
  it('uses the documented custom_audience formula: 5000 + 40 per active audience on the development tier', async () => {
    expect(await budget('custom_audience')).toBe(5000);
    activeAudiences = 10;
    expect(await budget('custom_audience')).toBe(5400);
  });

  it('uses 190000 on the standard tier and caps at 700000', async () => {
    await server.admin('/_localgraph/ratelimits', { method: 'POST', body: JSON.stringify({ apps: { [DEMO.appId]: { tier: 'standard_access' } } }) });
    activeAudiences = 10;
    expect(await budget('custom_audience')).toBe(190400);
    activeAudiences = 1_000_000;
    expect(await budget('custom_audience')).toBe(700000);
  });

  it('gives ads_management 300 on the development tier', async () => {
    expect(await budget('ads_management')).toBe(300);
  });
});

describe('headers', () => {
  it('keys x-business-use-case-usage by the account id without act_, with the real entry shape', async () => {
    const r = await probe();
    expect(r.status).toBe(200);
    const h = buc(r);
    expect(Object.keys(h)).toEqual([ACCT]);
    expect(h[ACCT]).toEqual([{ type: 'custom_audience', call_count: 0, total_cputime: 0, total_time: 0, estimated_time_to_regain_access: 0 }]);
    const ad = JSON.parse(r.headers.get('x-ad-account-usage') ?? 'null');
    expect(Object.keys(ad)).toEqual(['acc_id_util_pct', 'reset_time_duration', 'ads_api_access_tier']);
    expect(ad.acc_id_util_pct).toBe(0.02);
    expect(ad.ads_api_access_tier).toBe('development_access');
  });

  it('adds ads_api_access_tier to ads_management entries', async () => {
    const h = buc(await probe({ use_case: 'ads_management' }));
    expect(h[ACCT][0]).toMatchObject({ type: 'ads_management', ads_api_access_tier: 'development_access' });
  });

  it('sends only the headers a handler asks for', async () => {
    const r = await probe({ headers: 'ad_account' });
    expect(r.headers.get('x-business-use-case-usage')).toBeNull();
    expect(r.headers.get('x-ad-account-usage')).not.toBeNull();
  });

  it('rises with use', async () => {
    await server.admin('/_localgraph/ratelimits', { method: 'POST', body: JSON.stringify({ ad_accounts: { [ACCT]: { custom_audience: 4 } } }) });
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) counts.push(buc(await probe())[ACCT][0].call_count);
    expect(counts).toEqual([25, 50, 75, 100]);
  });
});

describe('throttling', () => {
  it('answers 80003 / 2446079 past the custom_audience budget, with the minutes to wait, until the window slides', async () => {
    await server.admin('/_localgraph/ratelimits', { method: 'POST', body: JSON.stringify({ ad_accounts: { [ACCT]: { custom_audience: 3 } } }) });
    for (let i = 0; i < 3; i++) expect((await probe()).status).toBe(200);
    const r = await probe();
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      code: 80003,
      error_subcode: 2446079,
      type: 'OAuthException',
      message:
        '(#80003) There have been too many calls to this ad-account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting#custom-audience.',
    });
    const entry = buc(r)[ACCT][0];
    expect(entry.call_count).toBeGreaterThanOrEqual(100);
    expect(entry.estimated_time_to_regain_access).toBeGreaterThan(55);
    expect(entry.estimated_time_to_regain_access).toBeLessThanOrEqual(61);
    // Another account is not affected.
    expect((await probe({ account: 'act_555' })).status).toBe(200);
    await server.admin('/_localgraph/clock', { method: 'POST', body: JSON.stringify({ advance_seconds: 3601 }) });
    const back = await probe();
    expect(back.status).toBe(200);
    expect(buc(back)[ACCT][0].estimated_time_to_regain_access).toBe(0);
  });

  it('answers 80004 / 2446079 past the ads_management budget', async () => {
    await server.admin('/_localgraph/ratelimits/usage', { method: 'POST', body: JSON.stringify({ ad_account: `act_${ACCT}`, use_case: 'ads_management', percent: 100 }) });
    const r = await probe({ use_case: 'ads_management' });
    expect(r.body.error).toMatchObject({ code: 80004, error_subcode: 2446079 });
    expect(r.body.error.message).toMatch(/^\(#80004\) There have been too many calls to this ad-account\./);
  });

  it('throttles the real custom-audience list of an ad account', async () => {
    await server.admin('/_localgraph/ratelimits/usage', { method: 'POST', body: JSON.stringify({ ad_account: ACCT, use_case: 'custom_audience', percent: 100 }) });
    const r = await server.call(`/v21.0/act_${ACCT}/customaudiences?access_token=${DEMO.aliceToken}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 80003, error_subcode: 2446079 });
    expect(Object.keys(buc(r))).toEqual([ACCT]);
  });
});
