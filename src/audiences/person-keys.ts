/**
 * A person's match keys: their identifiers from the `people` row and its profile, normalised
 * (normalize.ts), hashed, and combined by the same rule rows use (matching.ts), plus their
 * app-scoped ids and the extern ids ad accounts know them by.
 */
import { sha256 } from './hashing.js';
import { K } from './key-types.js';
import { deriveMatchKeys, externKey, type Pair } from './matching.js';
import {
  normalizeCity,
  normalizeCountry,
  normalizeEmail,
  normalizeFirstInitial,
  normalizeGender,
  normalizeMadid,
  normalizeName,
  normalizePhone,
  normalizeState,
  normalizeZip,
  splitBirthday,
} from './normalize.js';

export interface PersonIdentity {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  /** The `people.profile` JSON, parsed. */
  profile: Record<string, unknown>;
  /** Every app-scoped id the person has. */
  asids: string[];
  /** Extern ids by ad account (numeric id): hashes of the ids as the advertiser uploads them. */
  externIds: Array<{ adAccountId: string; externHash: Buffer }>;
}

export interface PersonKeys {
  /** Keys that identify the person (email, phone, name and place, …). */
  keys: Pair[];
  /** Attributes that only confirm a match (birth-date parts). */
  attrs: Pair[];
}

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** `{"name":"New York, New York"}` → city and region, for people whose profile has only a location. */
function locationParts(profile: Record<string, unknown>): { city: string; state: string } {
  const loc = profile.location;
  const name = loc && typeof loc === 'object' ? text((loc as Record<string, unknown>).name) : '';
  const [city = '', state = ''] = name.split(',').map((s) => s.trim());
  return { city, state };
}

/**
 * A person's identifiers normalised, by key code (K.EMAIL, K.PHONE, …); keys the person lacks are
 * absent. The same values the uploader would hash from the same cells (normalize.ts).
 */
export function personValues(p: Pick<PersonIdentity, 'email' | 'first_name' | 'last_name' | 'profile'>): Map<number, string> {
  const pr = p.profile;
  const country = normalizeCountry(text(pr.country));
  const loc = locationParts(pr);
  const values = new Map<number, string>();
  const put = (code: number, v: string): void => {
    if (v !== '') values.set(code, v);
  };
  put(K.EMAIL, p.email ? normalizeEmail(p.email) : '');
  put(K.PHONE, text(pr.phone) ? normalizePhone(text(pr.phone), country) : '');
  put(K.MADID, text(pr.madid) ? normalizeMadid(text(pr.madid)) : '');
  put(K.FN, normalizeName(p.first_name ?? ''));
  put(K.FI, normalizeFirstInitial(p.first_name ?? ''));
  put(K.LN, normalizeName(p.last_name ?? ''));
  put(K.CT, normalizeCity(text(pr.city) || loc.city));
  put(K.ST, normalizeState(text(pr.state) || loc.state, country));
  put(K.ZIP, text(pr.zip) ? normalizeZip(text(pr.zip), country) : '');
  put(K.COUNTRY, country);
  put(K.GEN, normalizeGender(text(pr.gender)));
  const birth = splitBirthday(text(pr.birthday));
  put(K.DOBY, birth.year);
  put(K.DOBM, birth.month);
  put(K.DOBD, birth.day);
  return values;
}

export function personKeys(p: PersonIdentity): PersonKeys {
  const values = personValues(p);
  const hashes = new Map<number, Buffer>();
  for (const [code, v] of values) hashes.set(code, sha256(v));
  const keys = deriveMatchKeys((c) => hashes.get(c), undefined);
  for (const asid of p.asids) keys.push({ type: K.APPUID, hash: sha256(asid) });
  for (const e of p.externIds) keys.push({ type: K.EXTERN_IN_ACCOUNT, hash: externKey(e.adAccountId, e.externHash) });
  const attrs: Pair[] = [];
  for (const code of [K.DOBY, K.DOBM, K.DOBD]) {
    const h = hashes.get(code);
    if (h) attrs.push({ type: code, hash: h });
  }
  return { keys: dedupe(keys), attrs };
}

function dedupe(pairs: Pair[]): Pair[] {
  const seen = new Set<string>();
  return pairs.filter((p) => {
    const k = p.type + ':' + p.hash.toString('hex');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
