/**
 * A fixture's `custom_audiences[].rows` may hold readable values (docs/fixtures.md): they are
 * normalised by Meta's rules (the uploader's RowNormalizer) and hashed at load, 64-hex values pass
 * through as hashes, a value the rules refuse fails the fixture with its JSON path and nothing of
 * it is stored, and the export (hashes, "prehashed": true) loads back to the same audience.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { ACT, ALICE_EMAIL, ALICE_PHONE, audience, count, sha, TOKEN } from './audience-helpers.js';

let s: TestServer;

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The example of docs/fixtures.md, as written there. */
const DOC_EXAMPLE = {
  id: '23850000000000001',
  ad_account: 'act_1029384756',
  name: 'Buyers',
  subtype: 'CUSTOM',
  customer_file_source: 'USER_PROVIDED_ONLY',
  rows: { schema: ['EMAIL', 'FN'], data: [['alice@example.com', 'alice']] },
};

async function matches(t: TestServer, id: string): Promise<any> { // any: admin JSON
  const m = await t.admin(`/_localgraph/audiences/${id}/matches`);
  expect(m.status).toBe(200);
  return m.body;
}

async function exportedAudience(t: TestServer, id: string): Promise<any> { // any: export JSON
  return (await t.admin('/_localgraph/export')).body.custom_audiences.find((a: { id: string }) => a.id === id);
}

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
});
afterAll(() => s.close());

describe('readable values in a fixture audience’s rows', () => {
  it('loads the example of docs/fixtures.md; its row matches Alice', async () => {
    const load = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [DOC_EXAMPLE] }));
    expect(load.status, JSON.stringify(load.body)).toBe(200);
    expect(await count(s, DOC_EXAMPLE.id)).toBe(1);
    const m = await matches(s, DOC_EXAMPLE.id);
    expect(m.audience).toMatchObject({ members: 1, rows: 1, matched_rows: 1, unmatched_rows: 0 });
    expect(m.data[0].matched).toMatchObject({ person: 'alice', by: 'EMAIL', app_scoped_ids: { [DEMO.appId]: DEMO.aliceAsid } });
    // Only hashes are stored: the export shows the SHA-256 of the normalised values.
    const mine = await exportedAudience(s, DOC_EXAMPLE.id);
    expect(mine.rows).toEqual([{ schema: ['EMAIL', 'FN'], prehashed: true, data: [[ALICE_EMAIL, sha('alice')]] }]);
  });

  it('normalises each key by Meta’s rules, reads PHONE/ZIP in the row’s COUNTRY, and passes 64-hex cells through', async () => {
    const people = [
      { key: 'zoe_fx', name: 'Zoe Zipless', first_name: 'Zoe', last_name: 'Zipless', profile: { zip: '2134', country: 'US' } },
      { key: 'bruno_fx', name: 'Bruno Brasil', first_name: 'Bruno', last_name: 'Brasil', profile: { phone: '55 98765-4321', country: 'BR' } },
    ];
    const id = '23850000000000002';
    const load = await s.admin(
      '/_localgraph/fixture?merge=1',
      json({
        people,
        custom_audiences: [
          {
            id,
            ad_account: ACT,
            rows: [
              // Alice by an email written carelessly, and by her phone as a person would write it.
              { schema: ['EMAIL', 'PHONE', 'COUNTRY'], data: [['  Alice@Example.COM ', '', ''], ['', '(650) 555-0101', 'United States']] },
              // Zoe by a ZIP that lost its leading zero; Bruno by a national number in Brazil.
              { schema: ['FN', 'LN', 'ZIP', 'COUNTRY', 'PHONE'], data: [['Zoe', 'Zipless', 2134, 'us', ''], ['', '', '', 'Brasil', '55 98765-4321']] },
              // A digest, upper-case, passes through as a hash; the single-key form takes a flat list.
              { schema: 'EMAIL_SHA256', data: [ALICE_EMAIL.toUpperCase(), 'nobody@example.org'] },
            ],
          },
        ],
      }),
    );
    expect(load.status, JSON.stringify(load.body)).toBe(200);
    expect(await count(s, id)).toBe(3);
    const m = await matches(s, id);
    const by = m.data.filter((r: any) => r.matched).map((r: any) => `${r.matched.person}:${r.matched.by}`).sort(); // any: admin JSON
    expect(by).toEqual(['alice:EMAIL', 'alice:PHONE', 'bruno_fx:PHONE', 'zoe_fx:FN+LN+ZIP']);
    expect(m.audience).toMatchObject({ rows: 5, matched_rows: 4, unmatched_rows: 1 });
    const mine = await exportedAudience(s, id);
    const hashes = mine.rows.flatMap((c: { data: string[][] }) => c.data.flat()).filter((h: string) => h !== '');
    expect(hashes).toEqual(expect.arrayContaining([ALICE_EMAIL, ALICE_PHONE, sha('02134'), sha('5555987654321'), sha('nobody@example.org'), sha('us'), sha('br')]));
  });

  it('refuses a value the rules cannot normalise, naming its JSON path, and stores nothing of the fixture', async () => {
    const cases: Array<{ rows: unknown; path: string; key: string }> = [
      { rows: { schema: ['EMAIL', 'FN'], data: [['alice@example.com', 'alice'], ['not-an-email', 'x']] }, path: 'rows.data[1][0]', key: 'EMAIL' },
      { rows: [{ schema: ['EMAIL'], data: [['bob@example.com']] }, { schema: ['LN', 'COUNTRY'], data: [['Smith', 'Atlantis']] }], path: 'rows[1].data[0][1]', key: 'COUNTRY' },
      { rows: { schema: 'EMAIL_SHA256', data: ['alice@example.com', 'nope'] }, path: 'rows.data[1]', key: 'EMAIL' },
      { rows: { schema: ['GEN', 'EMAIL'], data: [['robot', 'alice@example.com']] }, path: 'rows.data[0][0]', key: 'GEN' },
      { rows: { schema: ['DOBY', 'EMAIL'], data: [['1850', 'alice@example.com']] }, path: 'rows.data[0][0]', key: 'DOBY' },
    ];
    for (const [i, c] of cases.entries()) {
      const id = `2385000000000010${i}`;
      const res = await s.admin(
        '/_localgraph/fixture?merge=1',
        json({ people: [{ key: `ghost_${i}`, name: 'Ghost Person', email: `ghost${i}@example.com` }], custom_audiences: [{ id, ad_account: ACT, rows: c.rows }] }),
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 100, message: `(#100) Invalid fixture at $.custom_audiences[0].${c.path}: ${c.key} value cannot be normalised by Meta's rules` });
      // The message names the key, never the value.
      expect(res.body.error.message).not.toMatch(/not-an-email|Atlantis|nope|robot|1850/);
      // Nothing of the fixture: neither its person nor its audience.
      const exported = (await s.admin('/_localgraph/export')).body;
      expect(exported.people.some((p: { key: string }) => p.key === `ghost_${i}`)).toBe(false);
      expect((exported.custom_audiences ?? []).some((a: { id: string }) => a.id === id)).toBe(false);
      const read = await s.call(`/v21.0/${id}?fields=id&access_token=${TOKEN}`);
      expect(read.status).not.toBe(200);
    }
  });

  it('refuses a raw value in a hashed column Meta gives no rule for, with its path', async () => {
    const res = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id: '23850000000000200', ad_account: ACT, rows: { schema: ['EMAIL', 'STREETNAME'], data: [['alice@example.com', 'Main Street']] } }] }));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('(#100) Invalid fixture at $.custom_audiences[0].rows.data[0][1]: STREETNAME has no normalisation rule: give its SHA-256 (64 hex characters)');
  });

  it('names the row of an otherwise invalid row (payload rules), and keeps whole-chunk errors at the chunk', async () => {
    const empty = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id: '23850000000000201', ad_account: ACT, rows: { schema: ['EMAIL', 'EXTERN_ID'], data: [['alice@example.com', 'crm-1'], ['bob@example.com', '']] } }] }));
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('(#100) Invalid fixture at $.custom_audiences[0].rows.data[1]: row is invalid: empty external ID');
    const misfit = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id: '23850000000000202', ad_account: ACT, rows: { schema: ['EMAIL', 'FN'], data: [['alice@example.com']] } }] }));
    expect(misfit.status).toBe(400);
    expect(misfit.body.error.message).toMatch(/^\(#100\) Invalid fixture at \$\.custom_audiences\[0\]\.rows: \(#100\) Data is missing or does not match schema/);
  });

  it('export → load rebuilds the same audience (hashes load back as hashes)', async () => {
    const copy = await startTestServer({ rateLimits: false, demo: false });
    try {
      const exported = (await s.admin('/_localgraph/export')).body;
      const reload = await copy.admin('/_localgraph/fixture', json(exported));
      expect(reload.status, JSON.stringify(reload.body)).toBe(200);
      await copy.admin('/_localgraph/audiences/match-now', { method: 'POST' });
      expect(await count(copy, DOC_EXAMPLE.id)).toBe(1);
      expect((await matches(copy, DOC_EXAMPLE.id)).data[0].matched).toMatchObject({ person: 'alice', by: 'EMAIL' });
      expect(await exportedAudience(copy, DOC_EXAMPLE.id)).toEqual(await exportedAudience(s, DOC_EXAMPLE.id));
      expect((await copy.admin('/_localgraph/export')).body.custom_audiences).toEqual(exported.custom_audiences);

      // The export's hashes also load without "prehashed" (64-hex cells pass through).
      const mine = await exportedAudience(s, DOC_EXAMPLE.id);
      const again = { ...mine, id: '23850000000000003', rows: mine.rows.map(({ prehashed: _, ...chunk }: { prehashed: boolean }) => chunk) };
      const merged = await copy.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [again] }));
      expect(merged.status, JSON.stringify(merged.body)).toBe(200);
      expect(await count(copy, again.id)).toBe(1);
      expect((await exportedAudience(copy, again.id)).rows).toEqual(mine.rows);
      expect((await audience(copy, again.id, 'id')).id).toBe(again.id);
    } finally {
      await copy.close();
    }
  });
});

/**
 * APPUID in an array schema: a /users request must give `app_ids`, but a fixture chunk need not
 * (fixtures written before that requirement, and an author who names people by their asid, load
 * as they did); it may give them, as a /users payload does, and they are checked when given.
 */
describe('fixture audience ids', () => {
  // The store keeps each row's audience id as a 64-bit integer (migration 007): an id it could not
  // give back exactly is refused at load, with its path, before anything is stored.
  it('refuses an id with a leading zero or beyond 64 bits, and loads the largest that fits', async () => {
    const cases: Array<[string, string]> = [
      ['0238500000000001', 'must match pattern "^[1-9][0-9]{5,18}$"'],
      ['92233720368547758070', 'must match pattern "^[1-9][0-9]{5,18}$"'],
      ['9223372036854775808', 'must be at most 9223372036854775807 (a 64-bit Graph id)'],
    ];
    for (const [id, detail] of cases) {
      const res = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ ...DOC_EXAMPLE, id }] }));
      expect(res.status, id).toBe(400);
      expect(res.body.error).toMatchObject({ code: 100, message: `(#100) Invalid fixture at $.custom_audiences[0].id: ${detail}` });
      expect((await s.admin(`/_localgraph/audiences/${id}`)).status).toBe(404);
    }
    const largest = '9223372036854775807';
    const load = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ ...DOC_EXAMPLE, id: largest }] }));
    expect(load.status, JSON.stringify(load.body)).toBe(200);
    expect(await count(s, largest)).toBe(1);
    const m = await matches(s, largest);
    expect(m.audience).toMatchObject({ members: 1, rows: 1, matched_rows: 1 });
    expect(m.data[0].matched).toMatchObject({ person: 'alice', by: 'EMAIL' });
    expect((await exportedAudience(s, largest)).rows).toEqual([{ schema: ['EMAIL', 'FN'], prehashed: true, data: [[ALICE_EMAIL, sha('alice')]] }]);
  });
});

describe('app-scoped ids in a fixture audience’s rows', () => {
  const nobody = 'nobody@example.org';

  it('["EMAIL","APPUID"] rows without app_ids load, and the APPUID row matches the app-scoped person', async () => {
    const id = '23850000000000300';
    const load = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id, ad_account: ACT, rows: { schema: ['EMAIL', 'APPUID'], data: [[nobody, DEMO.aliceAsid], [nobody, '']] } }] }));
    expect(load.status, JSON.stringify(load.body)).toBe(200);
    expect(await count(s, id)).toBe(1);
    const m = await matches(s, id);
    expect(m.audience).toMatchObject({ rows: 2, matched_rows: 1, unmatched_rows: 1 });
    const matched = m.data.find((r: { matched: unknown }) => r.matched);
    expect(matched.matched).toMatchObject({ person: 'alice', by: 'UID', app_scoped_ids: { [DEMO.appId]: DEMO.aliceAsid } });
    // Alice's asid in the second app is hers too.
    const second = '23850000000000301';
    expect((await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id: second, ad_account: ACT, rows: { schema: 'APPUID', data: [DEMO.aliceSecondAsid] } }] }))).status).toBe(200);
    expect(await count(s, second)).toBe(1);
  });

  it('a chunk may carry app_ids / page_ids as a /users payload does; they are checked when given', async () => {
    const id = '23850000000000302';
    const rows = { schema: ['EMAIL', 'APPUID'], data: [[nobody, DEMO.bobAsid]], app_ids: [DEMO.appId, Number(DEMO.secondAppId)], page_ids: [DEMO.pageId] };
    const load = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id, ad_account: ACT, rows }] }));
    expect(load.status, JSON.stringify(load.body)).toBe(200);
    expect(await count(s, id)).toBe(1);
    expect((await matches(s, id)).data[0].matched).toMatchObject({ person: 'bob', by: 'UID' });
    const bad = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id: '23850000000000303', ad_account: ACT, rows: { ...rows, app_ids: ['abc'] } }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^\(#100\) Invalid fixture at \$\.custom_audiences\[0\]\.rows\.app_ids\[0\]/);
    const zero = await s.admin('/_localgraph/fixture?merge=1', json({ custom_audiences: [{ id: '23850000000000304', ad_account: ACT, rows: { ...rows, app_ids: ['0'] } }] }));
    expect(zero.status).toBe(400);
    expect(zero.body.error.message).toBe('(#100) Invalid fixture at $.custom_audiences[0].rows: (#100) Param payload[app_ids][0] must be an integer');
  });

  it('a /users request still needs app_ids for APPUID', async () => {
    const res = await s.call(`/v21.0/23850000000000300/users?access_token=${TOKEN}`, json({ payload: { schema: ['EMAIL', 'APPUID'], data: [[sha(nobody), DEMO.aliceAsid]] } }));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('(#100) The parameter payload.app_ids is required');
  });

  it('export → load keeps the APPUID rows (exported as hashes, no app_ids needed)', async () => {
    const copy = await startTestServer({ rateLimits: false, demo: false });
    try {
      const exported = (await s.admin('/_localgraph/export')).body;
      const mine = exported.custom_audiences.find((a: { id: string }) => a.id === '23850000000000300');
      // Grouped by the keys each row holds: the row without an APPUID is an EMAIL row.
      expect(mine.rows).toHaveLength(2);
      expect(mine.rows).toEqual(
        expect.arrayContaining([
          { schema: ['EMAIL', 'APPUID'], prehashed: true, data: [[sha(nobody), sha(DEMO.aliceAsid)]] },
          { schema: ['EMAIL'], prehashed: true, data: [[sha(nobody)]] },
        ]),
      );
      const reload = await copy.admin('/_localgraph/fixture', json(exported));
      expect(reload.status, JSON.stringify(reload.body)).toBe(200);
      expect(await count(copy, '23850000000000300')).toBe(1);
      expect((await matches(copy, '23850000000000300')).data.find((r: { matched: unknown }) => r.matched).matched).toMatchObject({ person: 'alice', by: 'UID' });
    } finally {
      await copy.close();
    }
  });
});
