/**
 * People whose match keys older normalisation rules made differently, and a way to store those old
 * keys (the data folder of an older localgraph): shared by the key-version tests.
 */
import { KEY_VERSION_META } from '../../src/audiences/key-version.js';
import { personKeys, type PersonIdentity } from '../../src/audiences/person-keys.js';
import type { TestServer } from './server.js';
import { sha } from '../http/audiences/audience-helpers.js';

export const PEOPLE = [
  { key: 'zoe_kv', name: 'Zoe Zipless', first_name: 'Zoe', last_name: 'Zipless', profile: { zip: '2134', country: 'US' } },
  { key: 'bruno_kv', name: 'Bruno Brasil', first_name: 'Bruno', last_name: 'Brasil', profile: { phone: '55 98765-4321', country: 'BR' } },
];

/** What the old rules stored for them: the same people, their values read without the new rules. */
export const OLD_IDENTITIES: PersonIdentity[] = [
  { id: 'zoe_kv', email: null, first_name: 'Zoe', last_name: 'Zipless', profile: { zip: '2134' }, asids: [], externIds: [] },
  { id: 'bruno_kv', email: null, first_name: 'Bruno', last_name: 'Brasil', profile: { phone: '5598765-4321' }, asids: [], externIds: [] },
];

/** Rows hashed by the new rules (what localgraph's uploader sends for these people). */
export const ROWS = { schema: ['FN', 'LN', 'ZIP', 'PHONE'], data: [[sha('zoe'), sha('zipless'), sha('02134'), ''], ['', '', '', sha('5555987654321')]] };

/** Overwrites the people's keys with the old rules' keys and, if given, the store's recorded version. */
export async function staleKeys(s: TestServer, version: string | undefined): Promise<void> {
  const sets = OLD_IDENTITIES.map((p) => ({ personId: p.id, ...personKeys(p) }));
  await s.store.audiences.rows.replacePersonKeys(sets, s.services.clock.nowSeconds());
  if (version !== undefined) await s.store.world.setMeta(KEY_VERSION_META, version);
}
