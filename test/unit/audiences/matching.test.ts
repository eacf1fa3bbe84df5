import { describe, expect, it } from 'vitest';
import { sha256 } from '../../../src/audiences/hashing.js';
import { K } from '../../../src/audiences/key-types.js';
import { birthKeysOf, matchRow, rowMatchKeys, type Pair } from '../../../src/audiences/matching.js';
import { personKeys } from '../../../src/audiences/person-keys.js';

const pair = (type: number, v: string): Pair => ({ type, hash: sha256(v) });

/** Candidates from a list of people's keys, as the batched lookup would give them. */
function index(people: Record<string, Pair[]>): (key: Pair) => string[] | undefined {
  const m = new Map<string, string[]>();
  for (const [id, keys] of Object.entries(people)) {
    for (const k of keys) {
      const id2 = k.type + ':' + k.hash.toString('hex');
      m.set(id2, [...(m.get(id2) ?? []), id]);
    }
  }
  return (k) => m.get(k.type + ':' + k.hash.toString('hex'));
}

const alice = personKeys({
  id: 'alice',
  email: 'Alice@Example.com',
  first_name: 'Alice',
  last_name: 'Example',
  profile: { phone: '+1 (650) 555-0101', zip: '10001', country: 'US', city: 'New York', state: 'NY', birthday: '04/12/1990' },
  asids: ['102938475610293'],
  externIds: [{ adAccountId: '1029384756', externHash: sha256('crm-1') }],
});
const twin = personKeys({ id: 'twin', email: null, first_name: 'Alice', last_name: 'Example', profile: { zip: '10001', birthday: '01/01/1970' }, asids: [], externIds: [] });
const candidates = index({ alice: alice.keys, twin: twin.keys });
const birthOf = (id: string) => birthKeysOf(id === 'alice' ? alice.attrs : twin.attrs);

function match(row: Pair[], account = '1029384756') {
  return matchRow(rowMatchKeys(row, account), birthKeysOf(row), candidates, birthOf);
}

describe('the matching rule', () => {
  it('matches by email, phone, app-scoped id and extern id', () => {
    expect(match([pair(K.EMAIL, 'alice@example.com')])).toEqual({ personId: 'alice', matchType: K.EMAIL });
    expect(match([pair(K.PHONE, '16505550101')])).toEqual({ personId: 'alice', matchType: K.PHONE });
    expect(match([pair(K.APPUID, '102938475610293')])).toEqual({ personId: 'alice', matchType: K.APPUID });
    expect(match([pair(K.EXTERN_ID, 'crm-1')])).toEqual({ personId: 'alice', matchType: K.EXTERN_IN_ACCOUNT });
  });

  it('binds extern ids to their ad account', () => {
    expect(match([pair(K.EXTERN_ID, 'crm-1')], '42')).toBeNull();
  });

  it('prefers email over a weaker key that names someone else', () => {
    const row = [pair(K.EMAIL, 'alice@example.com'), pair(K.FN, 'alice'), pair(K.LN, 'example'), pair(K.ZIP, '10001')];
    expect(match(row)?.personId).toBe('alice');
  });

  it('needs a place with a name, and the birth date to agree when the row gives one', () => {
    expect(match([pair(K.FN, 'alice'), pair(K.LN, 'example')])).toBeNull();
    // Two people share name and zip: the smallest id wins without a birth date…
    expect(match([pair(K.FN, 'alice'), pair(K.LN, 'example'), pair(K.ZIP, '10001')])?.personId).toBe('alice');
    // …and the birth year picks the right one when given.
    expect(match([pair(K.FN, 'alice'), pair(K.LN, 'example'), pair(K.ZIP, '10001'), pair(K.DOBY, '1970')])?.personId).toBe('twin');
    expect(match([pair(K.FN, 'alice'), pair(K.LN, 'example'), pair(K.ZIP, '10001'), pair(K.DOBY, '1999')])).toBeNull();
  });

  it('matches name with city and state, and the first initial in place of the first name', () => {
    expect(match([pair(K.FN, 'alice'), pair(K.LN, 'example'), pair(K.CT, 'newyork'), pair(K.ST, 'ny')])?.matchType).toBe(K.NAME_CITY_STATE);
    expect(match([pair(K.FI, 'a'), pair(K.LN, 'example'), pair(K.ZIP, '10001'), pair(K.DOBM, '04')])).toEqual({ personId: 'alice', matchType: K.INITIAL_ZIP });
  });

  it('a badly normalised hash matches nobody', () => {
    expect(match([pair(K.EMAIL, 'ALICE@EXAMPLE.COM')])).toBeNull();
  });
});
