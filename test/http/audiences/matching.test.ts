import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { ACT, ALICE_EMAIL, ALICE_PHONE, BOB_PHONE, NOBODY_EMAIL, count, createAudience, settled, sha, users } from './audience-helpers.js';

let s: TestServer;

/** People whose identifiers exercise the name-and-place rules, and an extern id. */
const WORLD = {
  people: [
    {
      key: 'erin',
      name: 'Érin O’Neil',
      first_name: 'Érin',
      last_name: 'O’Neil',
      profile: { zip: '94025-1234', country: 'US', birthday: '07/04/1980', city: 'Menlo Park', state: 'California' },
    },
    { key: 'frank', name: 'Frank Twin', first_name: 'Frank', last_name: 'Twin', profile: { zip: '10001', country: 'US', birthday: '01/01/1970' } },
    { key: 'gina', name: 'Gina Extern', first_name: 'Gina', last_name: 'Extern', profile: { madid: 'AB0F5C1D-1111-2222-3333-444455556666' } },
  ],
  audience_extern_ids: [{ person: 'gina', ad_account: ACT, extern_id: 'crm-gina' }],
};

const post = (path: string, body: unknown) =>
  s.admin(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
  expect((await post('/_localgraph/fixture?merge=1', WORLD)).status).toBe(200);
});
afterAll(() => s.close());

describe('matching rows to people', () => {
  it('answers at once, shows 441 until matching is done, then 200 with the count', async () => {
    const slow = await startTestServer({ matchDelayMs: 60_000, rateLimits: false });
    try {
      const id = await createAudience(slow);
      const res = await users(slow, id, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL]] } });
      expect(res.status).toBe(200);
      const during = await slow.call(`/v21.0/${id}?fields=operation_status,approximate_count_lower_bound&access_token=${DEMO.aliceToken}`);
      expect(during.body.operation_status.code).toBe(441);
      await slow.admin('/_localgraph/audiences/match-now', { method: 'POST' });
      // Not ready yet: the delay has not passed on the server's clock.
      expect((await slow.admin(`/_localgraph/audiences/${id}`)).body.pending_batches).toBe(1);
      await slow.admin('/_localgraph/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_seconds: 61 }) });
      const after = await settled(slow, id, 'approximate_count_lower_bound,approximate_count_upper_bound');
      expect(after).toMatchObject({ operation_status: { code: 200, description: 'Normal' }, approximate_count_lower_bound: 1, approximate_count_upper_bound: 1 });
    } finally {
      await slow.close();
    }
  });

  it('matches by email, by phone and not at all, and shows which row matched whom', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: { schema: ['EMAIL', 'PHONE'], data: [[ALICE_EMAIL, ''], ['', BOB_PHONE], [NOBODY_EMAIL, '']] } });
    expect(await count(s, id)).toBe(2);
    const m = await s.admin(`/_localgraph/audiences/${id}/matches`);
    expect(m.body.audience).toMatchObject({ members: 2, rows: 3, matched_rows: 2, unmatched_rows: 1 });
    const byPerson = Object.fromEntries(m.body.data.filter((r: any) => r.matched).map((r: any) => [r.matched.person, r.matched])); // any: admin JSON
    expect(byPerson.alice).toMatchObject({ by: 'EMAIL', app_scoped_ids: { [DEMO.appId]: DEMO.aliceAsid } });
    expect(byPerson.bob).toMatchObject({ by: 'PHONE', app_scoped_ids: { [DEMO.appId]: DEMO.bobAsid } });
    for (const r of m.body.data) expect(r.row).toMatch(/^[0-9a-f]{16}$/);
  });

  it('counts a person once however many rows name them, and a row once however often it is sent', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: { schema: ['EMAIL', 'PHONE'], data: [[ALICE_EMAIL, ''], ['', ALICE_PHONE], [ALICE_EMAIL, ALICE_PHONE]] } });
    await users(s, id, { payload: { schema: ['EMAIL', 'PHONE'], data: [[ALICE_EMAIL, '']] } });
    expect(await count(s, id)).toBe(1);
    expect((await s.admin(`/_localgraph/audiences/${id}`)).body.rows).toBe(3);
  });

  it('matches first and last name with a ZIP, or with city and state, normalised as documented', async () => {
    const id = await createAudience(s);
    await users(s, id, {
      payload: {
        schema: ['FN', 'LN', 'ZIP', 'CT', 'ST'],
        data: [
          [sha('érin'), sha('oneil'), sha('94025'), '', ''],
          [sha('frank'), sha('twin'), '', sha('newyork'), sha('ny')],
        ],
      },
    });
    // Frank has no city or state: only Erin matches.
    expect(await count(s, id)).toBe(1);
    const byCity = await createAudience(s);
    await users(s, byCity, { payload: { schema: ['FN', 'LN', 'CT', 'ST'], data: [[sha('érin'), sha('oneil'), sha('menlopark'), sha('ca')]] } });
    expect(await count(s, byCity)).toBe(1);
  });

  it('needs the birth date to agree where a name-based row gives one', async () => {
    const id = await createAudience(s);
    await users(s, id, {
      payload: {
        schema: ['FN', 'LN', 'ZIP', 'DOBY', 'DOBM'],
        data: [
          [sha('frank'), sha('twin'), sha('10001'), sha('1971'), ''],
          [sha('érin'), sha('oneil'), sha('94025'), sha('1980'), sha('07')],
        ],
      },
    });
    expect(await count(s, id)).toBe(1);
    const m = await s.admin(`/_localgraph/audiences/${id}/matches`);
    const matched = m.body.data.filter((r: any) => r.matched).map((r: any) => r.matched.person); // any: admin JSON
    expect(matched).toEqual(['erin']);
  });

  it('matches a MADID raw or hashed, and an extern id only within its ad account', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: { schema: 'MOBILE_ADVERTISER_ID', data: ['ab0f5c1d-1111-2222-3333-444455556666'] } });
    expect(await count(s, id)).toBe(1);
    const ext = await createAudience(s);
    await users(s, ext, { payload: { schema: ['EXTERN_ID'], data: [['crm-gina'], ['crm-nobody']] } });
    expect(await count(s, ext)).toBe(1);
    // The same extern id in another ad account means nobody.
    await post('/_localgraph/fixture?merge=1', { ad_accounts: [{ id: 'act_999000999', name: 'Other', business: DEMO.businessId, users: [{ person: 'alice' }] }] });
    const other = await s.call(`/v21.0/act_999000999/customaudiences?access_token=${DEMO.aliceToken}`, {
      method: 'POST',
      body: new URLSearchParams({ name: 'other', customer_file_source: 'USER_PROVIDED_ONLY' }),
    });
    await users(s, other.body.id, { payload: { schema: ['EXTERN_ID'], data: [['crm-gina']] } });
    expect(await count(s, other.body.id)).toBe(0);
  });

  it('removing rows removes the people they matched', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: { schema: ['EMAIL', 'PHONE'], data: [[ALICE_EMAIL, ALICE_PHONE], ['', BOB_PHONE]] } });
    expect(await count(s, id)).toBe(2);
    // Another row naming Alice (her phone alone) takes her out, with the row that brought her in.
    await users(s, id, { method: 'DELETE', payload: { schema: ['EMAIL', 'PHONE'], data: [['', ALICE_PHONE]] } });
    expect(await count(s, id)).toBe(1);
    const m = await s.admin(`/_localgraph/audiences/${id}/matches`);
    expect(m.body.data.map((r: any) => r.matched?.person)).toEqual(['bob']); // any: admin JSON
  });

  it('a person created later who matches an uploaded row joins the audience', async () => {
    const id = await createAudience(s);
    const later = sha('hank@example.com');
    await users(s, id, { payload: { schema: ['EMAIL'], data: [[later]] } });
    expect(await count(s, id)).toBe(0);
    // Through the fixture (no event: the matcher notices the new person)…
    await post('/_localgraph/fixture?merge=1', { people: [{ key: 'hank', name: 'Hank Later', email: 'Hank@Example.com ' }] });
    await users(s, id, { payload: { schema: ['EMAIL'], data: [[NOBODY_EMAIL]] } });
    expect(await count(s, id)).toBe(1);
    // …and through the event another domain emits when it creates someone.
    const ivy = sha('ivy@example.com');
    await users(s, id, { payload: { schema: ['EMAIL'], data: [[ivy]] } });
    expect(await count(s, id)).toBe(1);
    const now = s.services.clock.nowSeconds();
    await s.store.world.insertPerson({
      id: 'ivy',
      name: 'Ivy New',
      first_name: 'Ivy',
      middle_name: null,
      last_name: 'New',
      email: 'ivy@example.com',
      profile: '{}',
      is_test_user: 0,
      test_user_app_id: null,
      test_user_password: null,
      is_og_test_user: 0,
      checkpointed: 0,
      invisible: 0,
      deleted: 0,
      updated_time: now,
    });
    await s.services.events.emit('person.changed', { personId: 'ivy' });
    const read = await s.call(`/v21.0/${id}?fields=approximate_count_lower_bound&access_token=${DEMO.aliceToken}`);
    expect(read.body.approximate_count_lower_bound).toBe(2);
  });

  it('deleting a test user takes it out of the audience', async () => {
    const created = await s.call(`/v21.0/${DEMO.appId}/accounts/test-users?access_token=${encodeURIComponent(DEMO.appToken)}`, {
      method: 'POST',
      body: new URLSearchParams({ installed: 'true', name: 'Jo Tester' }),
    });
    expect(created.status).toBe(200);
    const { id: userId, email } = created.body as { id: string; email: string };
    const id = await createAudience(s);
    await users(s, id, { payload: { schema: ['EMAIL'], data: [[sha(email.toLowerCase())]] } });
    expect(await count(s, id)).toBe(1);
    const del = await s.call(`/v21.0/${userId}?access_token=${encodeURIComponent(DEMO.appToken)}`, { method: 'DELETE' });
    expect(del.body).toEqual({ success: true });
    const read = await s.call(`/v21.0/${id}?fields=approximate_count_lower_bound&access_token=${DEMO.aliceToken}`);
    expect(read.body.approximate_count_lower_bound).toBe(0);
  });

  it('matches the rows of a fixture audience after the load', async () => {
    await post('/_localgraph/fixture?merge=1', {
      custom_audiences: [{ id: '23800000000000555', ad_account: ACT, name: 'Preloaded', rows: { schema: ['EMAIL'], data: [[ALICE_EMAIL], [NOBODY_EMAIL]] } }],
    });
    expect(await count(s, '23800000000000555')).toBe(1);
    const exported = await s.admin('/_localgraph/export');
    const mine = exported.body.custom_audiences.find((a: { id: string }) => a.id === '23800000000000555');
    expect(mine.rows[0]).toMatchObject({ schema: ['EMAIL'], prehashed: true });
    expect(mine.rows[0].data).toHaveLength(2);
  });
});
