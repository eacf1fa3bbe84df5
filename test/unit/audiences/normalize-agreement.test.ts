/**
 * The server's people and localgraph's own uploader must normalise alike: a fixture person and a
 * row the uploader made from the same values must hash to the same keys, or they never match.
 * One table of people runs through both paths — the server's `personValues` (what a person's key
 * set is built from) and the uploader's `RowNormalizer` (what `localgraph audience upload` sends) —
 * and every key must come out equal.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isRejection, RowNormalizer, type ColumnMapping } from '../../../src/client/normalize/row-normalizer.js';
import type { MappingTarget, SchemaKey } from '../../../src/client/normalize/schema-keys.js';
import { K } from '../../../src/audiences/key-types.js';
import { personValues } from '../../../src/audiences/person-keys.js';

interface Person {
  email?: string;
  first?: string;
  last?: string;
  phone?: string;
  country?: string;
  zip?: string;
  city?: string;
  state?: string;
  gender?: string;
  birthday?: string;
  madid?: string;
}

const sha = (v: string): string => createHash('sha256').update(v, 'utf8').digest('hex');

/** Uploader columns: each cell of a person, mapped as `audience upload --map` would map it. */
const COLUMNS: Array<[keyof Person, MappingTarget]> = [
  ['email', 'EMAIL'],
  ['phone', 'PHONE'],
  ['first', 'FN'],
  ['first', 'FI'],
  ['last', 'LN'],
  ['city', 'CT'],
  ['state', 'ST'],
  ['zip', 'ZIP'],
  ['country', 'COUNTRY'],
  ['gender', 'GEN'],
  ['birthday', 'DOB'],
  ['madid', 'MADID'],
];

const CODES: Record<SchemaKey, number> = {
  EXTERN_ID: K.EXTERN_ID, EMAIL: K.EMAIL, PHONE: K.PHONE, GEN: K.GEN, DOBY: K.DOBY, DOBM: K.DOBM, DOBD: K.DOBD,
  LN: K.LN, FN: K.FN, FI: K.FI, CT: K.CT, ST: K.ST, ZIP: K.ZIP, MADID: K.MADID, COUNTRY: K.COUNTRY,
};

const mapping: ColumnMapping[] = COLUMNS.map(([, target], index) => ({ index, column: target, target }));
const CURRENT_YEAR = new Date().getUTCFullYear();

/** What the uploader sends for this person, by schema key ('' for a value it refused or lacks). */
function viaUploader(p: Person): Record<string, string> {
  const normalizer = new RowNormalizer({ mapping, currentYear: CURRENT_YEAR, memoizeRepeatedValues: false });
  const outcome = normalizer.normalize(COLUMNS.map(([field]) => p[field] ?? ''));
  const out: Record<string, string> = {};
  normalizer.schema.forEach((key, i) => {
    out[key] = isRejection(outcome) ? '' : outcome[i]!;
  });
  return out;
}

/** What the server's person holds, by schema key: the same form (SHA-256 hex, MADID raw). */
function viaServer(p: Person): Record<string, string> {
  const values = personValues({
    email: p.email ?? null,
    first_name: p.first ?? null,
    last_name: p.last ?? null,
    profile: { phone: p.phone, country: p.country, zip: p.zip, city: p.city, state: p.state, gender: p.gender, birthday: p.birthday, madid: p.madid },
  });
  const out: Record<string, string> = {};
  for (const key of Object.keys(viaUploader({})) as SchemaKey[]) {
    const v = values.get(CODES[key]);
    out[key] = v === undefined ? '' : key === 'MADID' ? v : sha(v);
  }
  return out;
}

const TABLE: Array<[string, Person]> = [
  // The four inputs the audit found normalised differently.
  ['a US ZIP that lost its leading zero', { country: 'US', zip: '2134' }],
  ['a Brazilian mobile whose area code is 55', { country: 'BR', phone: '55 98765-4321' }],
  ['a country by its own name', { country: 'Deutschland', phone: '030 1234567', zip: '10115' }],
  ['a gender written as a word', { gender: 'Woman' }],
  // Values already normalised stay as they are.
  ['every key already normalised', {
    email: 'alice@example.com', phone: '16505550101', country: 'us', zip: '94025', state: 'ca', city: 'menlopark',
    first: 'alice', last: 'example', gender: 'f', birthday: '1985', madid: 'ab0f5c1d-1111-2222-3333-444455556666',
  }],
  // Raw values as people's profiles and customer files hold them.
  ['a US person written loosely', {
    email: '  Mary@Example.COM ', phone: '+1 (650) 555-0101', country: 'United States', zip: '94025-1234', state: 'California',
    city: 'Menlo Park', first: 'Mary', last: 'Smith-Jones', gender: 'female', birthday: '04/12/1990',
  }],
  ['the demo fixture’s Bob', { phone: '+44 20 7946 0958', country: 'GB', zip: 'SW1A 1AA', city: 'London', gender: 'male', birthday: '1985' }],
  ['a UK number in national form', { phone: '020 7946 0958', country: 'GB', birthday: '07/04' }],
  ['accents and a native country name', { first: 'Érin', last: 'O’Neil', city: 'São Paulo', state: 'SP', country: 'Brasil', phone: '(11) 98765-4321', zip: '01310-100' }],
  ['an international number and no country', { phone: '0044 20 7946 0958' }],
  ['a US number already with its code', { phone: '1 650 555 0101', country: 'US' }],
  ['a ZIP+4 without a dash and no country', { zip: '940251234' }],
  ['a five-digit ZIP and no country', { zip: '10001' }],
  ['a US state name and no country', { state: 'New York' }],
  ['an upper-case MADID', { madid: 'AB0F5C1D-1111-2222-3333-444455556666' }],
  ['an email with spaces around it', { email: 'Hank@Example.com ' }],
  ['values neither side can use', { gender: 'other', country: 'Atlantis', birthday: '02/30/1990' }],
];

describe('server and uploader normalise people’s identifiers alike', () => {
  it.each(TABLE)('%s', (_label, person) => {
    expect(viaServer(person)).toEqual(viaUploader(person));
  });

  it('reads the four disputed inputs as Meta’s rules do (spec §2.1)', () => {
    const v = (p: Person) => personValues({ email: null, first_name: null, last_name: null, profile: { ...p } });
    expect(v({ country: 'US', zip: '2134' }).get(K.ZIP)).toBe('02134');
    expect(v({ country: 'BR', phone: '55 98765-4321' }).get(K.PHONE)).toBe('5555987654321');
    expect(v({ country: 'Deutschland' }).get(K.COUNTRY)).toBe('de');
    expect(v({ gender: 'Woman' }).get(K.GEN)).toBe('f');
  });

  it('keeps an already normalised value the uploader refuses; the uploader sends nothing for it', () => {
    const person: Person = { email: 'bob@localhost', phone: '12345', madid: 'madid-1', state: 'zz', country: 'us' };
    const server = personValues({ email: person.email!, first_name: null, last_name: null, profile: { ...person } });
    expect([server.get(K.EMAIL), server.get(K.PHONE), server.get(K.MADID), server.get(K.ST)]).toEqual(['bob@localhost', '12345', 'madid-1', 'zz']);
    const uploader = viaUploader(person);
    expect([uploader.EMAIL, uploader.PHONE, uploader.MADID, uploader.ST]).toEqual(['', '', '', '']);
  });
});
