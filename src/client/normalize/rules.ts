/**
 * Meta's per-key normalisation rules ("Hashing and normalization for
 * multi-key", D-guide; spec/custom-audience-users.md §2), one function per key.
 *
 * Every function takes the raw cell (never empty: callers handle "") and
 * returns the normalised value, or `null` when the value cannot be made valid
 * for that key. Hashing happens elsewhere (row-normalizer.ts); these functions
 * only decide the string that gets hashed. Where Meta's text leaves room, the
 * choice made is documented in docs/client.md and docs/decisions/.
 *
 * These run millions of times per upload, so each has an ASCII fast path and
 * avoids allocating more than the result.
 *
 * The server derives people's match keys with these same rules: a change here
 * that alters any normalised value needs KEY_RULES_VERSION in
 * src/audiences/normalize.ts bumped, so stored keys are rebuilt at start-up.
 */
import { callingCodeOf } from './calling-codes.js';
import { COUNTRY_ALIASES, ISO_ALPHA2 } from './countries.js';
import { US_STATE_ABBREVIATIONS, US_STATE_CODES } from './us-states.js';

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NON_DIGITS = /\D+/g;
const LEADING_ZEROS = /^0+/;
const ASCII_LOWER_LETTERS = /^[a-z]+$/;
const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_LETTERS = /[^a-z]+/g;
const NON_UNICODE_LETTERS = /[^\p{L}\p{M}]+/gu;
const COMBINING_MARKS = /\p{M}+/gu;
const WHITESPACE = /\s+/g;
const US_ZIP = /^(\d{5})(?:-?\d{4})?$/;
const SHORT_US_ZIP = /^\d{3,4}$/;
const FIVE_DIGITS = /^\d{5}$/;
/** A full UK postcode without spaces: outward code (area + district), then sector digit and 2-letter unit. */
const UK_POSTCODE = /^[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** EMAIL: trim, lowercase; must look like `local@domain.tld`. */
export function normalizeEmail(raw: string): string | null {
  const value = raw.trim().toLowerCase();
  return EMAIL_SHAPE.test(value) ? value : null;
}

/**
 * PHONE: digits only, with the country calling code in front (E.164 without "+").
 *
 * - Written with "+" or "00" in front → already international: keep the digits.
 * - Starts with a "0" → national trunk prefix: drop the zeros (Meta: "remove
 *   … any leading zeroes", even where E.164 keeps one, as for Italian fixed
 *   lines) and prefix the calling code.
 * - Otherwise, if it already starts with the calling code and the rest has a
 *   plausible national length for that country, keep it; else prefix.
 * - No (known) country → digits as they are, leading zeros dropped.
 * The result must have 7–15 digits (E.164 allows at most 15).
 */
export function normalizePhone(raw: string, country: string | undefined): string | null {
  const trimmed = raw.trimStart();
  const hasPlus = trimmed.charCodeAt(0) === 43; /* '+' */
  let digits = trimmed.replace(NON_DIGITS, '');
  if (digits.length === 0) return null;
  const code = country === undefined ? undefined : callingCodeOf(country);
  if (hasPlus || digits.startsWith('00') || code === undefined) {
    digits = digits.replace(LEADING_ZEROS, '');
  } else if (digits.charCodeAt(0) === 48 /* '0' */) {
    digits = code[0] + digits.replace(LEADING_ZEROS, '');
  } else {
    const [prefix, minNsn, maxNsn] = code;
    const nsnLength = digits.length - prefix.length;
    const alreadyInternational = digits.startsWith(prefix) && nsnLength >= minNsn && nsnLength <= maxNsn;
    if (!alreadyInternational) digits = prefix + digits;
  }
  return digits.length >= 7 && digits.length <= 15 ? digits : null;
}

/**
 * FN, LN: lowercase letters only, punctuation and spaces removed; letters of
 * any script are kept in UTF-8 ("Only First name (FN) and Last Name (LN)
 * support special characters and non-Roman alphabets"). Input is put in NFC
 * first so "ö" typed as o + combining diaeresis hashes like the single "ö".
 */
export function normalizeName(raw: string): string | null {
  let value: string;
  if (NON_ASCII.test(raw)) {
    value = raw.normalize('NFC').toLowerCase().replace(NON_UNICODE_LETTERS, '');
  } else {
    value = raw.toLowerCase();
    if (!ASCII_LOWER_LETTERS.test(value)) value = value.replace(NON_ASCII_LETTERS, '');
  }
  return value.length > 0 ? value : null;
}

/** FI: the first letter of the normalised first name (one code point). */
export function normalizeFirstInitial(raw: string): string | null {
  const name = normalizeName(raw);
  if (name === null) return null;
  return String.fromCodePoint(name.codePointAt(0)!);
}

/** GEN: `m` or `f`. Accepts m/male/man and f/female/woman in any case. */
export function normalizeGender(raw: string): string | null {
  switch (raw.trim().toLowerCase()) {
    case 'm': case 'male': case 'man': return 'm';
    case 'f': case 'female': case 'woman': return 'f';
    default: return null;
  }
}

/**
 * Lowercase a–z only, everything else dropped — accented letters included
 * ("São Paulo" → "sopaulo"), as the Python and PHP SDKs and localgraph's own
 * server normalise. Meta allows "special characters" only in FN/LN.
 */
export function asciiLettersOnly(raw: string): string {
  const value = raw.toLowerCase();
  return ASCII_LOWER_LETTERS.test(value) ? value : value.replace(NON_ASCII_LETTERS, '');
}

/** Accents folded to their base letter, then a–z only: for looking names up in tables ("Côte d'Ivoire"). */
function foldedLetters(raw: string): string {
  let value = raw.toLowerCase();
  if (ASCII_LOWER_LETTERS.test(value)) return value;
  if (NON_ASCII.test(value)) value = value.normalize('NFD').replace(COMBINING_MARKS, '');
  return value.replace(NON_ASCII_LETTERS, '');
}

/** CT: a–z only, no spaces or punctuation. */
export function normalizeCity(raw: string): string | null {
  const value = asciiLettersOnly(raw);
  return value.length > 0 ? value : null;
}

/**
 * ST: in the US (or when the country is unknown) the 2-letter code, with full
 * state names mapped ("California" → "ca"); elsewhere a–z only. A US row whose
 * state is neither a code nor a name is invalid.
 */
export function normalizeState(raw: string, country: string | undefined): string | null {
  const value = asciiLettersOnly(raw);
  if (value.length === 0) return null;
  if (country === undefined || country === 'us') {
    if (value.length === 2 && US_STATE_ABBREVIATIONS.has(value)) return value;
    const code = US_STATE_CODES[value];
    if (code !== undefined) return code;
    if (country === 'us') return null;
  }
  return value;
}

/**
 * ZIP: lowercase, no whitespace.
 * - US (or unknown country and a US-shaped value): the first 5 digits; 3–4
 *   digits are left-padded with zeros, since spreadsheets drop the leading
 *   zero of New England zips ("2134" → "02134").
 * - UK: area, district and sector, i.e. the postcode without its last two
 *   letters ("SW1A 1AA" → "sw1a1"), as Meta's guide says.
 * - Elsewhere: the part before a "-", as every Meta SDK cuts it.
 */
export function normalizeZip(raw: string, country: string | undefined): string | null {
  // Fast path: five digits are already normal in every country's rule.
  if (raw.length === 5 && FIVE_DIGITS.test(raw)) return raw;
  const value = raw.toLowerCase().replace(WHITESPACE, '');
  if (value.length === 0) return null;
  const us = US_ZIP.exec(value);
  if (country === 'us' || (country === undefined && us !== null)) {
    if (us !== null) return us[1]!;
    return SHORT_US_ZIP.test(value) ? value.padStart(5, '0') : null;
  }
  if (country === 'gb' && UK_POSTCODE.test(value)) return value.slice(0, -2);
  const head = value.split('-', 1)[0]!;
  return head.length > 0 ? head : null;
}

/** COUNTRY: ISO 3166-1 alpha-2, lowercase; common names and alpha-3 codes are mapped. */
export function normalizeCountry(raw: string): string | null {
  if (raw.length === 2) {
    const code = raw.toLowerCase();
    if (ISO_ALPHA2.has(code)) return code;
  }
  const value = foldedLetters(raw);
  if (value.length === 2 && ISO_ALPHA2.has(value)) return value;
  return COUNTRY_ALIASES.get(value) ?? null;
}

/** MADID: lowercase IDFA/AAID (a UUID, hyphens kept), sent unhashed. */
export function normalizeMadid(raw: string): string | null {
  const value = raw.trim().toLowerCase();
  return UUID.test(value) ? value : null;
}

/** EXTERN_ID: any advertiser id, trimmed, case kept, sent unhashed. */
export function normalizeExternId(raw: string): string | null {
  const value = raw.trim();
  return value.length > 0 ? value : null;
}
