/**
 * The matching rule, in one place (docs/matching.md explains it): which keys of an uploaded row
 * can identify a person, in which order they are tried, and when a name-based match also needs
 * the birth date to agree. Both sides are hashes: a row's cells as uploaded, a person's
 * identifiers normalised and hashed by normalize.ts.
 */
import { combine, sha256 } from './hashing.js';
import { K } from './key-types.js';

export interface Pair {
  type: number;
  hash: Buffer;
}

/** Keys that identify a person on their own, strongest first; extern ids come last (D-guide). */
const PRECEDENCE: number[] = [
  K.EMAIL,
  K.PHONE,
  K.MADID,
  K.APPUID,
  K.PAGEUID,
  K.NAME_ZIP,
  K.NAME_CITY_STATE,
  K.INITIAL_ZIP,
  K.INITIAL_CITY_STATE,
  K.EXTERN_IN_ACCOUNT,
];

/** Keys that only identify together with a consistent birth date (when the row gives one). */
const NAME_BASED = new Set<number>([K.NAME_ZIP, K.NAME_CITY_STATE, K.INITIAL_ZIP, K.INITIAL_CITY_STATE]);

const accountTag = new Map<string, Buffer>();
function accountHash(adAccountId: string): Buffer {
  let h = accountTag.get(adAccountId);
  if (!h) {
    h = sha256('act_' + adAccountId);
    accountTag.set(adAccountId, h);
  }
  return h;
}

/** An extern id means something only inside its ad account: the key binds the two. */
export function externKey(adAccountId: string, externHash: Buffer): Buffer {
  return combine(K.EXTERN_IN_ACCOUNT, [accountHash(adAccountId), externHash]);
}

/**
 * The match keys a set of identity cells yields: single-key identifiers as they are, names
 * combined with a place (ZIP, or city and state), extern ids bound to the ad account. `get`
 * returns a cell's hash by key code. Used for uploaded rows and for people alike.
 */
export function deriveMatchKeys(get: (code: number) => Buffer | undefined, adAccountId: string | undefined): Pair[] {
  const out: Pair[] = [];
  for (const code of [K.EMAIL, K.PHONE, K.MADID, K.APPUID, K.PAGEUID]) {
    const h = get(code);
    if (h) out.push({ type: code, hash: h });
  }
  const fn = get(K.FN);
  const fi = get(K.FI);
  const ln = get(K.LN);
  const zip = get(K.ZIP);
  const ct = get(K.CT);
  const st = get(K.ST);
  if (ln) {
    if (fn && zip) out.push({ type: K.NAME_ZIP, hash: combine(K.NAME_ZIP, [fn, ln, zip]) });
    if (fn && ct && st) out.push({ type: K.NAME_CITY_STATE, hash: combine(K.NAME_CITY_STATE, [fn, ln, ct, st]) });
    if (fi && zip) out.push({ type: K.INITIAL_ZIP, hash: combine(K.INITIAL_ZIP, [fi, ln, zip]) });
    if (fi && ct && st) out.push({ type: K.INITIAL_CITY_STATE, hash: combine(K.INITIAL_CITY_STATE, [fi, ln, ct, st]) });
  }
  const ext = get(K.EXTERN_ID);
  if (ext && adAccountId) out.push({ type: K.EXTERN_IN_ACCOUNT, hash: externKey(adAccountId, ext) });
  return out;
}

/** Stored key codes run from 1 to 28 (key-types.ts): one bit each in a 32-bit mask of a row's keys. */
export const keyBit = (type: number): number => 1 << type;
const NAME = keyBit(K.FN) | keyBit(K.FI);
const CITY_STATE = keyBit(K.CT) | keyBit(K.ST);

/**
 * Whether a row whose non-empty cells are the bits of `present` yields a combined match key in
 * deriveMatchKeys above: a last name with a first name or initial and a place (ZIP, or city and
 * state), or an extern id. Most uploads carry names without a place; the matcher skips the
 * derivation for them. A new combined key must be added here as well.
 */
export function combines(present: number): boolean {
  if (present & keyBit(K.EXTERN_ID)) return true;
  const named = (present & keyBit(K.LN)) !== 0 && (present & NAME) !== 0;
  return named && ((present & keyBit(K.ZIP)) !== 0 || (present & CITY_STATE) === CITY_STATE);
}

/** The match keys of a stored row (its packed (type, hash) pairs). */
export function rowMatchKeys(pairs: Pair[], adAccountId: string): Pair[] {
  const byType = new Map<number, Buffer>();
  for (const p of pairs) byType.set(p.type, p.hash);
  return deriveMatchKeys((c) => byType.get(c), adAccountId);
}

/** Birth-date hashes of a row or a person (DOBY, DOBM, DOBD), each possibly absent. */
export interface BirthKeys {
  [K.DOBY]?: Buffer;
  [K.DOBM]?: Buffer;
  [K.DOBD]?: Buffer;
}

export function birthKeysOf(pairs: Pair[]): BirthKeys {
  const out: BirthKeys = {};
  for (const p of pairs) if (p.type === K.DOBY || p.type === K.DOBM || p.type === K.DOBD) out[p.type] = p.hash;
  return out;
}

/** Where both the row and the person give a birth-date part, the parts must be equal. */
function birthAgrees(row: BirthKeys, person: BirthKeys | undefined): boolean {
  if (!person) return true;
  for (const t of [K.DOBY, K.DOBM, K.DOBD] as const) {
    const a = row[t];
    const b = person[t];
    if (a && b && !a.equals(b)) return false;
  }
  return true;
}

export interface MatchResult {
  personId: string;
  matchType: number;
}

/**
 * Decides which person a row identifies, if any. `candidates(key)` gives the people holding that
 * key (already looked up, in a batch); `birthOf(personId)` the person's birth-date hashes. The
 * first key in precedence order with an acceptable candidate wins; among several people holding
 * one key, the smallest id wins, so the answer never depends on lookup order.
 */
export function matchRow<Key extends { type: number }>(
  matchKeys: Key[],
  rowBirth: BirthKeys,
  candidates: (key: Key) => string[] | undefined,
  birthOf: (personId: string) => BirthKeys | undefined,
): MatchResult | null {
  for (const type of PRECEDENCE) {
    for (const key of matchKeys) {
      if (key.type !== type) continue;
      const people = candidates(key);
      if (!people || people.length === 0) continue;
      const sorted = people.length > 1 ? [...people].sort() : people;
      for (const personId of sorted) {
        if (NAME_BASED.has(type) && !birthAgrees(rowBirth, birthOf(personId))) continue;
        return { personId, matchType: type };
      }
    }
  }
  return null;
}
