/**
 * Which rules the people's stored match keys were derived by. People's keys (person_keys,
 * person_key_sets) are built once and kept; when the normalisation rules change, a data folder made
 * before keeps the old keys, and so would match differently from a fresh start. The store records
 * the version its keys were built by in its `meta` table (`person_keys_version`, beside the clock
 * offset and the admin token); at start-up a different or missing version on a store that has keys
 * makes PeopleSync.upgradeKeys rebuild them all.
 *
 * The version is `KEY_RULES_VERSION.fingerprint`:
 * - KEY_RULES_VERSION (normalize.ts, next to the rules) is bumped by hand when a rule changes;
 * - the fingerprint is the SHA-256 of the keys personKeys() derives for a fixed table of probe
 *   people whose values go through every rule and branch (short US ZIPs, national phones, country
 *   names and codes, gender words, accents, UK postcodes, birth-date forms, values the uploader
 *   refuses but the server keeps…). It is computed by the running code, so a change that alters
 *   the keys of any probe changes the version by itself, with nobody remembering to bump anything.
 *   It can only err towards a rebuild (a change the probes miss needs the hand-bumped number).
 */
import { createHash } from 'node:crypto';
import type { Store } from '../storage/store.js';
import { sha256 } from './hashing.js';
import { KEY_RULES_VERSION } from './normalize.js';
import { personKeys, type PersonIdentity } from './person-keys.js';

/** The `meta` key holding the version of the stored people's keys. */
export const KEY_VERSION_META = 'person_keys_version';

const probe = (id: string, email: string | null, first: string | null, last: string | null, profile: Record<string, unknown>, extra: Partial<PersonIdentity> = {}): PersonIdentity => ({
  id,
  email,
  first_name: first,
  last_name: last,
  profile,
  asids: [],
  externIds: [],
  ...extra,
});

/**
 * People whose values go through every rule. Birth years stay far from the current year (DOBY is
 * bounded by it), so the fingerprint does not change on New Year's Day.
 */
const PROBES: PersonIdentity[] = [
  probe('p1', ' Alice@Example.COM ', 'Alice', 'Example', {
    phone: '+1 (650) 555-0101', city: 'New York', state: 'NY', zip: '10001', country: 'US', gender: 'female', birthday: '04/12/1990',
    madid: 'AB0F5C1D-1111-2222-3333-444455556666',
  }, { asids: ['102938475610293'], externIds: [{ adAccountId: '1029384756', externHash: sha256('crm-0001') }] }),
  probe('p2', 'zoe@example.com', 'Zoë', "O'Neil-Smith", { phone: '650 555 0102', zip: '2134', state: 'California', city: 'San José', country: 'United States', gender: 'Woman', birthday: '12/31' }),
  probe('p3', null, 'José', 'Da Silva', { phone: '55 98765-4321', zip: '01310-100', city: 'São Paulo', state: 'SP', country: 'Brasil', gender: 'M', birthday: '1975' }),
  probe('p4', null, 'Jürgen', 'Müller', { phone: '030 1234567', zip: '10115', country: 'Deutschland', gender: 'man', location: { name: 'Berlin, Berlin' } }),
  probe('p5', null, 'Harry', 'Jones', { phone: '+44 20 7946 0958', zip: 'SW1A 1AA', city: 'London', country: 'GB', birthday: '1980-02-29' }),
  probe('p6', null, 'Anne', 'Durand', { phone: '0033 1 23 45 67 89', zip: '75008-1', country: 'FRA', state: 'Île-de-France', birthday: '02/30/1990' }),
  probe('p7', 'user@localhost', 'X', 'Y', { phone: '12345', madid: 'not-a-uuid', state: 'zz', zip: '9', country: 'us', birthday: '1850' }),
  probe('p8', 'a@b.co', 'Kim', 'Lee', { phone: '010-1234-5678', zip: '04524', country: 'KR', city: 'Seoul', state: 'Seoul', gender: 'x' }),
  probe('p9', null, 'Nobody', null, { zip: '94025-1234', state: 'ca', city: 'Menlo Park' }),
];

let cached: string | undefined;

/** This code's key-derivation version: `KEY_RULES_VERSION.fingerprint` (see the module comment). */
export function keyDerivationVersion(): string {
  if (cached !== undefined) return cached;
  const h = createHash('sha256');
  for (const p of PROBES) {
    const k = personKeys(p);
    for (const list of [k.keys, k.attrs]) {
      const sorted = [...list].sort((a, b) => a.type - b.type || Buffer.compare(a.hash, b.hash));
      for (const pair of sorted) h.update(Buffer.of(pair.type)).update(pair.hash);
      h.update('|');
    }
    h.update('\n');
  }
  cached = `${KEY_RULES_VERSION}.${h.digest('hex').slice(0, 16)}`;
  return cached;
}

/**
 * Live people's ids in pages of `size`, by keyset paging on the primary key: each page is the next
 * `size` ids after the last one seen, in the column's own order, so the query walks the primary-key
 * index (on PostgreSQL too: `ORDER BY id COLLATE "C"` could not use it, and cost a scan and a sort
 * of the whole table per page). Every live person is visited once, whatever the order; the order
 * does not matter to the rebuild, whose re-match looks at everyone's keys once all are built.
 * Only the page in hand is held.
 */
export async function* livePeopleIds(store: Store, size: number): AsyncGenerator<string[]> {
  let after: string | undefined;
  for (;;) {
    const page = (await livePeoplePage(store, size, after).execute()).map((r) => r.id);
    if (page.length === 0) return;
    yield page;
    if (page.length < size) return;
    after = page[page.length - 1];
  }
}

/** The query of one page: the next `size` live ids after `after` (tests EXPLAIN it). */
export function livePeoplePage(store: Store, size: number, after: string | undefined) {
  return store.world.livePeoplePage(size, after);
}
