import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/server.js';
import { USER_FIELDS, pageFor } from '../../../src/users/version-table.js';
import { U, q, startUsersServer } from './users-fixture.js';

let s: TestServer;
beforeAll(async () => {
  s = await startUsersServer();
});
afterAll(async () => {
  await s.close();
});

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/;
const ref = { id: expect.any(String), name: expect.any(String) };

/** What dora's own token reads for each field that returns data. */
const EXPECTED: Record<string, unknown> = {
  id: U.doraAsid,
  name: 'Dora Q Explorer',
  first_name: 'Dora',
  middle_name: 'Q',
  last_name: 'Explorer',
  name_format: '{first} {last}',
  short_name: 'Dora',
  picture: { data: { height: 50, width: 50, is_silhouette: false, url: expect.stringMatching(/^http:\/\/.+\/_localgraph\/profilepic\?asid=/) } },
  email: 'dora@example.com',
  birthday: '07/04',
  age_range: { min: 21 },
  gender: 'female',
  hometown: { id: '111175118906315', name: 'Berlin, Germany' },
  location: { id: '106078429431815', name: 'London, United Kingdom' },
  link: expect.stringMatching(/^https:\/\/www\.facebook\.com\/app_scoped_user_id\/.+\/$/),
  languages: [ref, ref],
  favorite_athletes: [{ id: '108012212558271', name: 'Serena Williams' }],
  favorite_teams: [ref],
  sports: [ref],
  inspirational_people: [ref],
  installed: true,
  is_guest_user: false,
  id_for_avatars: expect.stringMatching(/^\d{16}$/),
  locale: 'de_DE',
  timezone: 2,
  updated_time: expect.stringMatching(DATETIME),
  verified: true,
  meeting_for: ['friendship', 'networking'],
  quotes: 'Not all who wander are lost.',
  significant_other: { id: '150000000000099', name: 'Sam Partner' },
  shared_login_upgrade_required_by: '2030-01-01T00:00:00+0000',
  supports_donate_button_in_live_video: true,
  token_for_business: expect.stringMatching(/^Ab[A-Za-z0-9]{10,}$/),
  video_upload_limits: { length: 7200, size: 4294967296 },
  cover: { id: '4001000000000001', source: 'https://example.com/cover.jpg', offset_x: 0, offset_y: 50 },
};

/** Fields that are accepted and return nothing, and ones never set for dora (omitted, not errors). */
const ABSENT = new Set(['about', 'education', 'interested_in', 'political', 'relationship_status', 'religion', 'website', 'local_news_megaphone_dismiss_status', 'local_news_subscription_status']);

describe.each(['v10.0', 'v11.0', 'v19.0', 'v20.0', 'v21.0', 'v22.0', 'v25.0'])('every field of the page on %s', (version) => {
  const page = pageFor(version);
  const listed = USER_FIELDS.filter((f) => f.pages.includes(page) && f.behaviour !== 'deprecated-12').map((f) => f.name);
  const unlisted = USER_FIELDS.filter((f) => !f.pages.includes(page)).map((f) => f.name);

  it(`reads all ${listed.length} listed fields in one call, each in its documented shape`, async () => {
    const r = await s.call(`/${version}/me?${q({ fields: listed.join(','), access_token: U.doraToken })}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    for (const f of listed) {
      if (ABSENT.has(f)) expect(r.body, f).not.toHaveProperty(f);
      else expect(r.body[f], f).toEqual(EXPECTED[f]);
    }
    expect(Object.keys(r.body).sort()).toEqual(listed.filter((f) => !ABSENT.has(f)).sort());
  });

  it.each(unlisted.length > 0 ? unlisted : ['(none)'])('answers (#100) for %s, which the page does not list', async (f) => {
    if (f === '(none)') return;
    const r = await s.call(`/${version}/me?${q({ fields: `id,${f}`, access_token: U.doraToken })}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 100, type: 'OAuthException', message: `(#100) Tried accessing nonexisting field (${f}) on node type (User)` });
  });

  it('answers the code-12 deprecation for third_party_id', async () => {
    const r = await s.call(`/${version}/me?${q({ fields: 'third_party_id', access_token: U.doraToken })}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 12, message: '(#12) third_party_id field is deprecated for versions v3.0 and higher' });
  });
});

describe('defaults and shapes', () => {
  it('returns name and id without fields', async () => {
    const r = await s.call(`/v21.0/me?access_token=${U.doraToken}`);
    expect(r.body).toEqual({ name: 'Dora Q Explorer', id: U.doraAsid });
  });

  it('reads /{user-id} as /me for the same person', async () => {
    const r = await s.call(`/v21.0/${U.doraAsid}?${q({ fields: 'id,first_name', access_token: U.doraToken })}`);
    expect(r.body).toEqual({ id: U.doraAsid, first_name: 'Dora' });
  });

  it('returns the id even when fields do not ask for it', async () => {
    const r = await s.call(`/v21.0/me?${q({ fields: 'email', access_token: U.doraToken })}`);
    expect(r.body).toEqual({ email: 'dora@example.com', id: U.doraAsid });
  });

  it('renders nested objects through fields, their id always included (location{name}, languages{name})', async () => {
    const r = await s.call(`/v21.0/me?${q({ fields: 'location{name},languages{name}', access_token: U.doraToken })}`);
    expect(r.body.location).toEqual({ name: 'London, United Kingdom', id: '106078429431815' });
    expect(r.body.languages).toEqual([
      { name: 'English', id: '106059522759137' },
      { name: 'German', id: '105673612800327' },
    ]);
  });

  it('shares the birthday as the person chose (full date, or the year only)', async () => {
    const alice = await s.call(`/v21.0/me?fields=birthday&access_token=EAADemoAliceUserTokenForDemoApp0000000000000000000000000000`);
    expect(alice.body.birthday).toBe('04/12/1990');
  });

  it('keeps timezone a float within [-24, 24]', async () => {
    const r = await s.call(`/v21.0/me?fields=timezone&access_token=EAADemoAliceUserTokenForDemoApp0000000000000000000000000000`);
    expect(r.body.timezone).toBe(-5);
  });

  it('uses the default video upload limits when a person has none', async () => {
    const r = await s.call(`/v21.0/me?fields=video_upload_limits&access_token=EAADemoAliceUserTokenForDemoApp0000000000000000000000000000`);
    expect(r.body.video_upload_limits).toEqual({ length: 14400, size: 10737418240 });
  });
});
