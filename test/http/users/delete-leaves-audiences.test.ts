/**
 * A deleted test user leaves every audience it matched: users/ announces `person.deleted` and the
 * audiences domain drops the person's matches (the count goes down, the row stays unmatched).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { ALICE_EMAIL, CAROL_EMAIL, count, createAudience, users } from '../audiences/audience-helpers.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s.close();
});

it('DELETE /{test-user-id} takes the test user out of the audiences it matched', async () => {
  const id = await createAudience(s);
  const up = await users(s, id, { payload: { schema: 'EMAIL_SHA256', data: [CAROL_EMAIL, ALICE_EMAIL] } });
  expect(up.status, JSON.stringify(up.body)).toBe(200);
  expect(await count(s, id)).toBe(2);
  const matched = async () =>
    ((await s.admin(`/_localgraph/audiences/${id}/matches`)).body.data as Array<{ matched: { person: string } | null }>)
      .map((r) => r.matched?.person)
      .filter((p) => p !== undefined)
      .sort();
  expect(await matched()).toEqual(['alice', 'carol']);

  const del = await s.call(`/v21.0/${DEMO.carolAsid}?access_token=${encodeURIComponent(DEMO.appToken)}`, { method: 'DELETE' });
  expect(del.body).toEqual({ success: true });

  expect(await matched()).toEqual(['alice']);
  expect(await count(s, id)).toBe(1);
});
