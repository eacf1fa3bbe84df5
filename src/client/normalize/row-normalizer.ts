/**
 * Turns one raw input row into one row of the multi-key payload: each mapped
 * column normalised by its key's rule (rules.ts, dates.ts), then SHA-256 hex
 * except EXTERN_ID and MADID.
 *
 * Row policy (docs/client.md "Invalid rows"):
 * - a value that cannot be normalised becomes "" in its column (as Segment does)
 *   and is counted in `invalidValueCounts`; the row is still sent;
 * - a row whose mapped values are all empty or invalid is rejected, not sent;
 * - a row with EXTERN_ID in the schema but no external id is rejected, because
 *   the API counts it invalid anyway ("empty external ID", spec §3.2);
 * - values that already are 64-hex SHA-256 digests pass through, lowercased.
 * Rejection reasons name keys, never values: raw PII must not reach logs.
 */
import { parseBirthDate, normalizeBirthDay, normalizeBirthMonth, normalizeBirthYear } from './dates.js';
import type { SlashDateOrder } from './dates.js';
import { ValueMemo } from './value-memo.js';
import { isSha256Hex, sha256Hex } from './hash.js';
import {
  normalizeCity, normalizeCountry, normalizeEmail, normalizeExternId, normalizeFirstInitial,
  normalizeGender, normalizeMadid, normalizeName, normalizePhone, normalizeState, normalizeZip,
} from './rules.js';
import { SCHEMA_ORDER, UNHASHED_KEYS } from './schema-keys.js';
import type { MappingTarget, SchemaKey } from './schema-keys.js';
import { MARKABLE_FIELDS, utf8FromLatin1 } from '../input/csv-parser.js';

/** One input column feeding one target. */
export interface ColumnMapping {
  /** Position of the column in each input row. */
  readonly index: number;
  /** Header name, for messages. */
  readonly column: string;
  readonly target: MappingTarget;
}

export interface RowNormalizerOptions {
  readonly mapping: readonly ColumnMapping[];
  /** Alpha-2 country for rows without one (phone prefix, ZIP/ST rules, empty COUNTRY cells). */
  readonly defaultCountry?: string | undefined;
  readonly slashDateOrder?: SlashDateOrder | undefined;
  /** Upper bound for birth years; injectable so tests do not depend on today's date. */
  readonly currentYear?: number | undefined;
  /**
   * Cache hashes of values that repeat (every hashed key but EMAIL and PHONE),
   * see hash-memo.ts. On by default; off hashes every value.
   */
  readonly memoizeRepeatedValues?: boolean | undefined;
}

/** A normalised row (schema order), or the reason it was rejected. */
export type RowOutcome = string[] | RowRejection;

export interface RowRejection {
  readonly rejected: true;
  readonly reason: string;
}

type Rule = (raw: string, country: string | undefined) => string | null;
/** Writes its column(s) of `out`; returns how many non-empty values it wrote. */
type Step = (values: readonly string[], out: string[]) => number;

/** Per-country caches of ZIP and ST (their rules read the row's country): how many, and their size. */
const MAX_COUNTRY_CACHES = 16;
const COUNTRY_CACHE_CAPACITY = 4096;

/** Keys whose values are (almost) unique per person: caching their hashes would only cost. */
const UNIQUE_VALUES: ReadonlySet<SchemaKey> = new Set<SchemaKey>(['EMAIL', 'PHONE']);

interface CountryEntry {
  readonly code: string;
  digest: string | undefined;
}

/** State of the current row's COUNTRY cell. */
type CountryCell = 'absent' | 'valid' | 'hashed' | 'invalid';

export class RowNormalizer {
  /** Schema sent in `payload.schema`, in Meta's order. */
  readonly schema: readonly SchemaKey[];
  /** Per key: values that could not be normalised and were sent as "". Counts only, never values. */
  readonly invalidValueCounts: Partial<Record<MappingTarget, number>> = {};

  readonly #steps: Step[] = [];
  readonly #defaultCountry: string | undefined;
  readonly #countryIndex: number;
  readonly #externIdIndex: number;
  readonly #memoize: boolean;
  /** COUNTRY cell as written → its ISO code and, once asked for, the code's digest (null: not a country). */
  readonly #countryCache = new Map<string, CountryEntry | null>();
  readonly #slashOrder: SlashDateOrder;
  readonly #currentYear: number;
  // Per-row state, reset by normalize(); kept on the instance to avoid allocating per row.
  #rowCountry: string | undefined;
  /** The row's COUNTRY cell when it is 'valid': where its digest is kept. */
  #rowCountryEntry: CountryEntry | undefined;
  /** The row's COUNTRY cell when it is 'hashed': the digest, lowercased. */
  #rowCountryDigest = '';
  #countryCell: CountryCell = 'absent';
  #invalidKeys: MappingTarget[] = [];
  /** The row's fields that are UTF-8 read as latin1 and left so for the steps that look them up (bit i: field i). */
  #utf8Fields = 0;
  /**
   * Fields (bit i: field i, i < MARKABLE_FIELDS) that every step reading them looks up by their text first (the
   * caches of repeated values, the COUNTRY spellings): such a field can come as UTF-8 read as latin1
   * and be decoded only when it is not found. Other marked fields are decoded before the steps run.
   */
  #lookedUpFields = 0;
  #otherFields = 0;

  constructor(options: RowNormalizerOptions) {
    this.#defaultCountry = options.defaultCountry;
    this.#slashOrder = options.slashDateOrder ?? 'mdy';
    this.#currentYear = options.currentYear ?? new Date().getUTCFullYear();
    this.#memoize = options.memoizeRepeatedValues ?? true;
    const keys = new Set<SchemaKey>();
    for (const m of options.mapping) for (const key of keysOf(m.target)) keys.add(key);
    this.schema = SCHEMA_ORDER.filter((key) => keys.has(key));
    this.#countryIndex = options.mapping.find((m) => m.target === 'COUNTRY')?.index ?? -1;
    this.#externIdIndex = options.mapping.find((m) => m.target === 'EXTERN_ID')?.index ?? -1;
    for (const m of options.mapping) this.#steps.push(this.#stepFor(m));
    this.#notePosition(this.#countryIndex, true);
    this.#lookedUpFields &= ~this.#otherFields;
  }

  /**
   * `utf8Fields`: bit i set when values[i] is UTF-8 read as latin1, as a parser marking such fields
   * hands them over (csv-parser.ts markUtf8Fields). Fields the steps look up by their text (names,
   * cities, ZIP codes, countries: values that repeat) are looked up as they are and decoded only
   * when not found; the others are decoded first. Every marked field must come marked in every row,
   * so that one text has one form in the caches.
   */
  normalize(values: readonly string[], utf8Fields = 0): RowOutcome {
    let row = values;
    const decodeNow = utf8Fields & ~this.#lookedUpFields;
    if (decodeNow !== 0) {
      const decoded = values.slice();
      for (let i = 0; i < decoded.length; i++) if ((decodeNow & bitOf(i)) !== 0) decoded[i] = utf8FromLatin1(decoded[i]!);
      row = decoded;
    }
    this.#utf8Fields = utf8Fields & this.#lookedUpFields;
    if (this.#externIdIndex >= 0 && (row[this.#externIdIndex] ?? '').trim() === '') {
      return { rejected: true, reason: 'empty EXTERN_ID (the API rejects rows without one when EXTERN_ID is in the schema)' };
    }
    this.#readCountry(row);
    if (this.#invalidKeys.length > 0) this.#invalidKeys = [];
    const out = new Array<string>(this.schema.length);
    let filled = 0;
    for (const step of this.#steps) filled += step(row, out);
    if (filled > 0) return out;
    const invalid = this.#invalidKeys.length > 0 ? `invalid: ${this.#invalidKeys.join(', ')}; ` : '';
    return { rejected: true, reason: `no usable value (${invalid}other mapped columns empty)` };
  }

  #readCountry(values: readonly string[]): void {
    this.#rowCountry = this.#defaultCountry;
    this.#countryCell = 'absent';
    if (this.#countryIndex < 0) return;
    const raw = values[this.#countryIndex] ?? '';
    if (raw === '') return;
    // Looked up as the cell came (a marked one: UTF-8 read as latin1); only spellings are cached,
    // never a blank cell or a digest, so those are told apart on a miss, on the decoded text.
    let entry = this.#countryCache.get(raw);
    if (entry === undefined) {
      const text = (this.#utf8Fields & bitOf(this.#countryIndex)) !== 0 ? utf8FromLatin1(raw) : raw;
      const trimmed = text.trim();
      if (trimmed === '') return;
      if (isSha256Hex(trimmed)) {
        this.#countryCell = 'hashed';
        this.#rowCountryDigest = trimmed.toLowerCase();
        return;
      }
      const code = normalizeCountry(text);
      entry = code === null ? null : { code, digest: undefined };
      // Few distinct spellings per file; bounded all the same.
      if (this.#countryCache.size < 1024) this.#countryCache.set(raw, entry);
    }
    if (entry === null) {
      this.#countryCell = 'invalid';
      return;
    }
    this.#rowCountry = entry.code;
    this.#rowCountryEntry = entry;
    this.#countryCell = 'valid';
  }

  #stepFor(m: ColumnMapping): Step {
    const at = (key: SchemaKey): number => this.schema.indexOf(key);
    switch (m.target) {
      case 'DOB': return this.#dateStep(m.index, at('DOBY'), at('DOBM'), at('DOBD'));
      case 'COUNTRY': return this.#countryStep(at('COUNTRY'));
      case 'EMAIL': return this.#valueStep(m.index, at('EMAIL'), 'EMAIL', normalizeEmail);
      case 'PHONE': return this.#valueStep(m.index, at('PHONE'), 'PHONE', normalizePhone);
      case 'FN': return this.#valueStep(m.index, at('FN'), 'FN', normalizeName);
      case 'LN': return this.#valueStep(m.index, at('LN'), 'LN', normalizeName);
      case 'FI': return this.#valueStep(m.index, at('FI'), 'FI', normalizeFirstInitial);
      case 'GEN': return this.#valueStep(m.index, at('GEN'), 'GEN', normalizeGender);
      case 'CT': return this.#valueStep(m.index, at('CT'), 'CT', normalizeCity);
      case 'ST': return this.#valueStep(m.index, at('ST'), 'ST', normalizeState);
      case 'ZIP': return this.#valueStep(m.index, at('ZIP'), 'ZIP', normalizeZip);
      case 'MADID': return this.#valueStep(m.index, at('MADID'), 'MADID', normalizeMadid);
      case 'EXTERN_ID': return this.#valueStep(m.index, at('EXTERN_ID'), 'EXTERN_ID', normalizeExternId);
      case 'DOBY': return this.#valueStep(m.index, at('DOBY'), 'DOBY', (raw) => normalizeBirthYear(raw, this.#currentYear));
      case 'DOBM': return this.#valueStep(m.index, at('DOBM'), 'DOBM', normalizeBirthMonth);
      case 'DOBD': return this.#valueStep(m.index, at('DOBD'), 'DOBD', normalizeBirthDay);
    }
  }

  #valueStep(index: number, pos: number, key: SchemaKey, rule: Rule): Step {
    const hashed = !UNHASHED_KEYS.has(key);
    // EXTERN_ID is an opaque id: a 64-hex one is still the advertiser's id, so its case is kept.
    const passHashes = key !== 'EXTERN_ID';
    const cached = this.#memoize && hashed && !UNIQUE_VALUES.has(key);
    this.#notePosition(index, cached);
    const bit = bitOf(index);
    // These rules read the row's country, so their cache is one per country: a key made of country
    // and value would be a new string to build and hash on every row.
    const byCountry = cached && (key === 'ZIP' || key === 'ST') ? new Map<string, ValueMemo>() : undefined;
    const memo = cached && byCountry === undefined ? new ValueMemo() : undefined;
    const compute = (raw: string): string | null => {
      if (passHashes && raw.length >= 64 && isSha256Hex(raw.trim())) return raw.trim().toLowerCase();
      const value = rule(raw, this.#rowCountry);
      return value === null ? null : hashed ? sha256Hex(value) : value;
    };
    return (values, out) => {
      const raw = values[index];
      if (raw === undefined || raw === '') {
        out[pos] = '';
        return 0;
      }
      let result: string | null | undefined;
      let rowMemo = memo;
      if (byCountry !== undefined) {
        const country = this.#rowCountry ?? '';
        rowMemo = byCountry.get(country);
        // Bounded like the one cache it replaces: the first few countries of the file get one each
        // (most files have one to a handful); rows of any further country are computed uncached.
        if (rowMemo === undefined && byCountry.size < MAX_COUNTRY_CACHES) byCountry.set(country, (rowMemo = new ValueMemo(COUNTRY_CACHE_CAPACITY)));
      }
      // Looked up as it came (a marked field's UTF-8 read as latin1), decoded only to be computed.
      const marked = (this.#utf8Fields & bit) !== 0;
      if (rowMemo === undefined || !rowMemo.active) {
        result = compute(marked ? utf8FromLatin1(raw) : raw);
      } else {
        result = rowMemo.get(raw);
        if (result === undefined) rowMemo.set(raw, (result = compute(marked ? utf8FromLatin1(raw) : raw)));
      }
      if (result === null) {
        out[pos] = '';
        if ((marked ? utf8FromLatin1(raw) : raw).trim() !== '') this.#countInvalid(key);
        return 0;
      }
      out[pos] = result;
      return 1;
    };
  }

  #countryStep(pos: number): Step {
    const hash = this.#hasher();
    return (_values, out) => {
      switch (this.#countryCell) {
        case 'valid': {
          // The digest is kept with the spelling's entry: no cache lookup per row (unless caching is off).
          const entry = this.#rowCountryEntry!;
          out[pos] = this.#memoize ? (entry.digest ??= hash(entry.code)) : hash(entry.code);
          return 1;
        }
        case 'hashed':
          out[pos] = this.#rowCountryDigest;
          return 1;
        case 'invalid':
          this.#countInvalid('COUNTRY');
          out[pos] = '';
          return 0;
        case 'absent':
          // An empty COUNTRY cell takes --country: the user told us where these people live.
          // It does not count as a value of the row, though: a row holding nothing else is still empty.
          out[pos] = this.#rowCountry === undefined ? '' : hash(this.#rowCountry);
          return 0;
      }
    };
  }

  #dateStep(index: number, yPos: number, mPos: number, dPos: number): Step {
    this.#notePosition(index, false);
    const hash = this.#hasher();
    return (values, out) => {
      out[yPos] = out[mPos] = out[dPos] = '';
      const raw = values[index];
      if (raw === undefined || raw.trim() === '') return 0;
      const parts = parseBirthDate(raw, this.#slashOrder, this.#currentYear);
      if (parts === null) {
        this.#countInvalid('DOB');
        return 0;
      }
      let filled = 0;
      if (parts.year !== '') { out[yPos] = hash(parts.year); filled++; }
      if (parts.month !== '') { out[mPos] = hash(parts.month); filled++; }
      if (parts.day !== '') { out[dPos] = hash(parts.day); filled++; }
      return filled;
    };
  }

  /** sha256Hex, through a cache unless caching is off (the inputs here are small sets: countries, years, months, days). */
  #hasher(): (value: string) => string {
    if (!this.#memoize) return sha256Hex;
    const memo = new ValueMemo();
    return (value) => {
      let digest = memo.get(value);
      if (digest == null) memo.set(value, (digest = sha256Hex(value)));
      return digest;
    };
  }

  /** Records how a step reads field `index`: by looking its text up first, or otherwise. */
  #notePosition(index: number, lookedUp: boolean): void {
    if (index < 0) return;
    if (lookedUp) this.#lookedUpFields |= bitOf(index);
    else this.#otherFields |= bitOf(index);
  }

  #countInvalid(key: MappingTarget): void {
    this.invalidValueCounts[key] = (this.invalidValueCounts[key] ?? 0) + 1;
    this.#invalidKeys.push(key);
  }
}

/** The bit of field `index` in a mask of marked fields (none past the parser's markable ones: those come decoded). */
function bitOf(index: number): number {
  return index >= 0 && index < MARKABLE_FIELDS ? 1 << index : 0;
}

/** Schema keys a mapping target produces (DOB → DOBY, DOBM, DOBD). */
export function keysOf(target: MappingTarget): readonly SchemaKey[] {
  return target === 'DOB' ? ['DOBY', 'DOBM', 'DOBD'] : [target];
}

export function isRejection(outcome: RowOutcome): outcome is RowRejection {
  return !Array.isArray(outcome);
}
