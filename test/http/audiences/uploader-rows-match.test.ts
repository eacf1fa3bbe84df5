/**
 * Rows made by localgraph's own uploader (its RowNormalizer, what `localgraph audience upload`
 * sends) match fixture people holding the same values as written in a customer file — including
 * the values the server and the uploader once normalised differently (a ZIP that lost its leading
 * zero, a Brazilian mobile whose area code equals the calling code, a country by its own name).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRejection, RowNormalizer } from '../../../src/client/normalize/row-normalizer.js';
import type { MappingTarget } from '../../../src/client/normalize/schema-keys.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { count, createAudience, users } from './audience-helpers.js';

let s: TestServer;

const PEOPLE = [
  { key: 'zoe', name: 'Zoe Zipless', first_name: 'Zoe', last_name: 'Zipless', profile: { zip: '2134', country: 'US' } },
  { key: 'bruno', name: 'Bruno Brasil', first_name: 'Bruno', last_name: 'Brasil', profile: { phone: '55 98765-4321', country: 'BR' } },
  { key: 'dieter', name: 'Dieter Deutsch', first_name: 'Dieter', last_name: 'Deutsch', profile: { phone: '030 1234567', country: 'Deutschland' } },
];

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
  const load = await s.admin('/_localgraph/fixture?merge=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ people: PEOPLE }) });
  expect(load.status).toBe(200);
});
afterAll(() => s.close());

describe('rows from localgraph’s uploader match the people with the same values', () => {
  it('matches each person by the key their disputed value makes', async () => {
    const columns: MappingTarget[] = ['FN', 'LN', 'ZIP', 'COUNTRY', 'PHONE'];
    const normalizer = new RowNormalizer({ mapping: columns.map((target, index) => ({ index, column: target, target })) });
    const file = [
      ['Zoe', 'Zipless', '2134', 'US', ''],
      ['', '', '', 'BR', '55 98765-4321'],
      ['', '', '', 'Deutschland', '030 1234567'],
    ];
    const data = file.map((cells) => {
      const row = normalizer.normalize(cells);
      if (isRejection(row)) throw new Error(row.reason);
      return row;
    });
    const id = await createAudience(s);
    const res = await users(s, id, { payload: { schema: normalizer.schema, data } });
    expect(res.body).toMatchObject({ num_received: 3, num_invalid_entries: 0 });
    expect(await count(s, id)).toBe(3);
    const m = await s.admin(`/_localgraph/audiences/${id}/matches`);
    const by = Object.fromEntries(m.body.data.filter((r: any) => r.matched).map((r: any) => [r.matched.person, r.matched.by])); // any: admin JSON
    expect(by).toEqual({ zoe: 'FN+LN+ZIP', bruno: 'PHONE', dieter: 'PHONE' });
  });
});
