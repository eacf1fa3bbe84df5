/**
 * A customer-file audience's simulated size (emulator-only): people it counts as holding on top of
 * its matched rows, set from the control surface or the fixture. Every place size shows must agree:
 * the approximate counts, delivery_status, the 100-million replace limit (2650/1870144) and the
 * removal floor (200/1870047).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { ACT, ALICE_EMAIL, BOB_EMAIL, CAROL_EMAIL, TOKEN, audience, createAudience, settled, users } from './audience-helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
});
afterAll(() => s.close());

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const setAudience = (t: TestServer, id: string, body: Record<string, unknown>) => t.admin(`/_localgraph/audiences/${id}`, json(body));
const rows = (emails: string[]) => ({ schema: ['EMAIL'], data: emails.map((e) => [e]) });
const replace = (t: TestServer, id: string, emails: string[], session: Record<string, unknown>) => users(t, id, { edge: 'usersreplace', payload: rows(emails), session });
const SIZE_FIELDS = 'operation_status,delivery_status,approximate_count_lower_bound,approximate_count_upper_bound';

const TOO_LARGE = 'Replace is not available for audiences of 100 million people or more.';

/** The refusal of a replace on an audience of 100 million people or more, in full. */
function expectTooLarge(res: Awaited<ReturnType<TestServer['call']>>): void {
  expect(res.status).toBe(400);
  expect(res.body).toEqual({
    error: {
      message: `(#2650) Failed to update the custom audience: ${TOO_LARGE}`,
      type: 'OAuthException',
      code: 2650,
      error_subcode: 1870144,
      error_user_title: 'DFCA Size Not Supported For Replace',
      error_user_msg: TOO_LARGE,
      fbtrace_id: expect.any(String),
    },
  });
  expect(res.headers.get('www-authenticate')).toContain('invalid_request');
}

/** The control surface's view of an audience: its rows, queue, replace state and sessions. */
const adminView = async (t: TestServer, id: string) => (await t.admin(`/_localgraph/audiences/${id}`)).body;

/** Nothing of a refused replace is left: no new session, no staged batch, no replace state, no new rows. */
async function expectNothingStaged(t: TestServer, id: string, before: { rows: number; sessions: unknown[] }): Promise<void> {
  const after = await adminView(t, id);
  expect(after).toMatchObject({ pending_batches: 0, pending_rows: 0, replace_state: null, rows: before.rows });
  expect(after.sessions).toEqual(before.sessions);
  expect(after.sessions.filter((x: { kind: string }) => x.kind === 'replace')).toEqual([]);
  const sessions = await t.call(`/v21.0/${id}/sessions?access_token=${TOKEN}`);
  expect(sessions.body.data).toHaveLength(before.sessions.length);
  expect((await audience(t, id)).operation_status.code).toBe(200);
}

describe('simulated size from the control surface', () => {
  it('shows in the counts with the usual ±2 % band, in delivery_status, the list and the control surface; null clears it', async () => {
    const id = await createAudience(s);
    const before = await audience(s, id, SIZE_FIELDS);
    expect(before).toMatchObject({ operation_status: { code: 410 }, delivery_status: { code: 300 }, approximate_count_lower_bound: -1 });

    const set = await setAudience(s, id, { simulated_size: 100_000_000 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id, simulated_size: 100_000_000, size: 100_000_000, published_count: -1 });

    const read = await audience(s, id, SIZE_FIELDS);
    expect(read).toMatchObject({
      // Simulated people stand for an earlier upload: no longer 410 "no upload".
      operation_status: { code: 200, description: 'Normal' },
      delivery_status: { code: 200, description: 'This audience is ready for use.' },
      approximate_count_lower_bound: 98_000_000,
      approximate_count_upper_bound: 102_000_000,
    });
    const list = await s.call(`/v21.0/${ACT}/customaudiences?fields=approximate_count_lower_bound,approximate_count_upper_bound&limit=500&access_token=${TOKEN}`);
    expect(list.body.data.find((x: { id: string }) => x.id === id)).toEqual({ id, approximate_count_lower_bound: 98_000_000, approximate_count_upper_bound: 102_000_000 });
    expect((await s.admin(`/_localgraph/audiences/${id}`)).body).toMatchObject({ simulated_size: 100_000_000, size: 100_000_000 });

    const cleared = await setAudience(s, id, { simulated_size: null });
    expect(cleared.body).toMatchObject({ simulated_size: 0, size: -1 });
    expect(await audience(s, id, SIZE_FIELDS)).toMatchObject({ operation_status: { code: 410 }, approximate_count_lower_bound: -1, approximate_count_upper_bound: -1 });
  });

  it('counts below 1,000 exactly and decides delivery_status at 100 people', async () => {
    const id = await createAudience(s);
    await setAudience(s, id, { simulated_size: 99 });
    expect(await audience(s, id, SIZE_FIELDS)).toMatchObject({ delivery_status: { code: 300 }, approximate_count_lower_bound: 99, approximate_count_upper_bound: 99 });
    await setAudience(s, id, { simulated_size: 100 });
    expect(await audience(s, id, SIZE_FIELDS)).toMatchObject({ delivery_status: { code: 200 }, approximate_count_lower_bound: 100, approximate_count_upper_bound: 100 });
  });

  it('refuses values that are not a number of people, and audiences that are not customer-file ones', async () => {
    const id = await createAudience(s);
    for (const bad of [-1, 1.5, '100000000', 10_000_000_001, true]) {
      const res = await setAudience(s, id, { simulated_size: bad });
      expect(res.status, String(bad)).toBe(400);
      expect(res.body.error).toMatchObject({ type: 'LocalgraphAdminException', code: 100 });
      expect(res.body.error.message).toBe('simulated_size must be an integer from 0 to 10000000000 (a number of people; 0 clears it)');
    }
    expect((await s.admin(`/_localgraph/audiences/${id}`)).body.simulated_size).toBe(0);

    await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id: '23800000000000881', ad_account: ACT, name: 'Site visitors', subtype: 'WEBSITE' }] }));
    const website = await setAudience(s, '23800000000000881', { simulated_size: 5 });
    expect(website.status).toBe(400);
    expect(website.body.error.message).toBe("simulated_size is for customer-file audiences (subtype CUSTOM); this audience's subtype is WEBSITE");

    expect((await setAudience(s, '23800000000000999', { simulated_size: 5 })).status).toBe(404);
    const anonymous = await s.call(`/_localgraph/audiences/${id}`, json({ simulated_size: 5 }));
    expect(anonymous.status).toBe(401);
  });
});

describe('the replace limit: 100 million people (2650/1870144)', () => {
  it('refuses batch_seq 1 with the full envelope, and stages nothing', async () => {
    const id = await createAudience(s);
    const before = (await setAudience(s, id, { simulated_size: 100_000_000 })).body;
    const res = await replace(s, id, [ALICE_EMAIL, BOB_EMAIL], { session_id: 31, batch_seq: 1, last_batch_flag: true });
    expectTooLarge(res);
    await expectNothingStaged(s, id, { ...before, sessions: [] });
    // No session was recorded: its next batch finds no first one.
    const next = await replace(s, id, [ALICE_EMAIL], { session_id: 31, batch_seq: 2 });
    expect(next.body.error).toMatchObject({ code: 2650, error_subcode: 1870147 });
    expect((await audience(s, id, SIZE_FIELDS)).approximate_count_lower_bound).toBe(98_000_000);
  });

  it('counts the simulated people on top of the matched ones, and a removal can bring the audience back under the limit', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: rows([ALICE_EMAIL]) });
    await settled(s, id);
    const set = await setAudience(s, id, { simulated_size: 99_999_999 });
    expect(set.body).toMatchObject({ members: 1, published_count: 1, simulated_size: 99_999_999, size: 100_000_000 });
    expect(await audience(s, id, SIZE_FIELDS)).toMatchObject({ approximate_count_lower_bound: 98_000_000, approximate_count_upper_bound: 102_000_000 });
    const before = await adminView(s, id);
    expectTooLarge(await replace(s, id, [BOB_EMAIL], { session_id: 32, batch_seq: 1, last_batch_flag: true }));
    await expectNothingStaged(s, id, before);

    const removed = await users(s, id, { method: 'DELETE', payload: rows([ALICE_EMAIL]) });
    expect(removed.status).toBe(200);
    expect(await settled(s, id, SIZE_FIELDS)).toMatchObject({ approximate_count_lower_bound: 97_999_999, approximate_count_upper_bound: 101_999_999 });
    const accepted = await replace(s, id, [BOB_EMAIL], { session_id: 33, batch_seq: 1, last_batch_flag: false });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ audience_id: id, session_id: '33', num_received: 1 });
  });

  it('a replace under the limit drops the simulated people when it commits: the audience holds the uploaded set', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: rows([ALICE_EMAIL]) });
    await settled(s, id);
    await setAudience(s, id, { simulated_size: 50_000_000 });
    await replace(s, id, [BOB_EMAIL], { session_id: 34, batch_seq: 1 });
    // While it runs, the old members (simulated ones included) are still there.
    const running = await audience(s, id, SIZE_FIELDS);
    expect(running.operation_status.code).toBe(414);
    expect(running.approximate_count_lower_bound).toBe(49_000_000);
    expect((await s.admin(`/_localgraph/audiences/${id}`)).body.simulated_size).toBe(50_000_000);

    await replace(s, id, [CAROL_EMAIL], { session_id: 34, batch_seq: 2, last_batch_flag: true });
    const done = await settled(s, id, SIZE_FIELDS);
    expect(done).toMatchObject({ operation_status: { code: 200 }, delivery_status: { code: 300 }, approximate_count_lower_bound: 2, approximate_count_upper_bound: 2 });
    expect((await s.admin(`/_localgraph/audiences/${id}`)).body).toMatchObject({ simulated_size: 0, size: 2 });
    const exported = (await s.admin('/_localgraph/export')).body.custom_audiences.find((a: { id: string }) => a.id === id);
    expect(exported).not.toHaveProperty('simulated_size');
  });
});

describe('the removal floor (200/1870047) counts simulated people', () => {
  it('allows a removal the simulated people keep above the floor, and refuses it once they are gone', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: rows([ALICE_EMAIL, BOB_EMAIL]) });
    await settled(s, id);
    await setAudience(s, id, { removal_floor: 1000, simulated_size: 2000 });
    const allowed = await users(s, id, { method: 'DELETE', payload: rows([ALICE_EMAIL]) });
    expect(allowed.status).toBe(200);
    expect(await settled(s, id, SIZE_FIELDS)).toMatchObject({ approximate_count_lower_bound: 1960, approximate_count_upper_bound: 2042 });

    await setAudience(s, id, { simulated_size: 0 });
    const refused = await users(s, id, { method: 'DELETE', payload: rows([BOB_EMAIL]) });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 200, error_subcode: 1870047, error_user_title: 'Audience Size too Low' });
  });
});

describe('simulated size in fixtures', () => {
  const FIXTURE_ID = '23800000000000882';
  const fixtureAudience = { id: FIXTURE_ID, ad_account: ACT, name: 'Everyone', simulated_size: 150_000_000, rows: rows([ALICE_EMAIL]) };

  it('loads, reads, refuses a replace, and survives export then load', async () => {
    const t = await startTestServer({ rateLimits: false });
    const copy = await startTestServer({ rateLimits: false, demo: false });
    try {
      const load = await t.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [fixtureAudience] }));
      expect(load.body).toEqual({ success: true });
      expect(await settled(t, FIXTURE_ID, SIZE_FIELDS)).toMatchObject({
        operation_status: { code: 200 },
        delivery_status: { code: 200 },
        approximate_count_lower_bound: 147_000_000,
        approximate_count_upper_bound: 153_000_002,
      });
      const before = await adminView(t, FIXTURE_ID);
      expect(before).toMatchObject({ rows: 1, sessions: [] });
      expectTooLarge(await replace(t, FIXTURE_ID, [BOB_EMAIL], { session_id: 41, batch_seq: 1 }));
      await expectNothingStaged(t, FIXTURE_ID, before);

      const exported = (await t.admin('/_localgraph/export')).body;
      const mine = exported.custom_audiences.find((a: { id: string }) => a.id === FIXTURE_ID);
      expect(mine).toMatchObject({ simulated_size: 150_000_000, rows: [{ schema: ['EMAIL'], prehashed: true, data: [[ALICE_EMAIL]] }] });

      const reload = await copy.admin('/_localgraph/fixture', json(exported));
      expect(reload.status, JSON.stringify(reload.body)).toBe(200);
      await copy.admin('/_localgraph/audiences/match-now', { method: 'POST' });
      expect((await copy.admin('/_localgraph/export')).body).toEqual(exported);
      expect(await settled(copy, FIXTURE_ID, SIZE_FIELDS)).toMatchObject({ approximate_count_lower_bound: 147_000_000, approximate_count_upper_bound: 153_000_002 });
      expectTooLarge(await replace(copy, FIXTURE_ID, [BOB_EMAIL], { session_id: 41, batch_seq: 1 }));
    } finally {
      await copy.close();
      await t.close();
    }
  });

  it('refuses a bad simulated_size naming its JSON path, and stores nothing of the fixture', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ simulated_size: -1 }, 'must be >= 0'],
      [{ simulated_size: 1.5 }, 'must be integer'],
      [{ simulated_size: '100000000' }, 'must be integer'],
      [{ simulated_size: 10_000_000_001 }, 'must be <= 10000000000'],
      [{ simulated_size: 5, subtype: 'WEBSITE' }, "simulated_size is for customer-file audiences (subtype CUSTOM); this audience's subtype is WEBSITE"],
    ];
    for (const [extra, detail] of cases) {
      const res = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id: '23800000000000883', ad_account: ACT, ...extra }] }));
      expect(res.status, detail).toBe(400);
      expect(res.body.error).toMatchObject({ code: 100, message: `(#100) Invalid fixture at $.custom_audiences[0].simulated_size: ${detail}` });
      expect((await s.admin('/_localgraph/audiences/23800000000000883')).status).toBe(404);
    }
  });
});
