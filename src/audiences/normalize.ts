/**
 * Server-side normalisation of the people's own identifiers, by Meta's documented rules
 * (spec/custom-audience-users.md §2.1), so that their hashes equal what an advertiser who
 * normalised correctly uploads. Uploaded rows are never normalised here: they arrive hashed, and
 * a badly normalised hash simply matches nobody, as on the real API.
 *
 * There is one implementation of the rules: the uploader's (src/client/normalize/), which this
 * module calls, so a person and a row made from the same values by localgraph's own uploader hash
 * alike (test/unit/audiences/normalize-agreement.test.ts runs one table through both). The client
 * never imports the server; the server may import the client's normaliser.
 *
 * Where the two used to differ, Meta's rules side with the uploader's (spec §2.1, the key table):
 * - ZIP "US: first 5 digits only": a US ZIP has five digits, so `2134` is `02134` with the leading
 *   zero a spreadsheet dropped; `2134` hashed as is can equal no US ZIP.
 * - PHONE "Prefix the country code": `55 98765-4321` in Brazil is area code 55 and a 9-digit
 *   mobile, a complete national number, so it becomes `5555987654321`; starting with the calling
 *   code's digits does not make a number international.
 * - COUNTRY "Lowercase ISO 3166-1 alpha-2": `Deutschland` is `de` (not dropped).
 * - GEN "`m` for male, `f` for female": `Woman` is `f` (not dropped).
 *
 * The server keeps one difference on purpose: a value the uploader refuses (too short a phone, an
 * email without a dot in its domain, a MADID that is not a UUID, an unknown US state) but that is
 * already written in its key's normal form is kept as it is — a person's identifier is taken at its
 * word, as it was before the rules were shared. The uploader sends nothing for such a value, so
 * the difference can never make one of its rows match someone else.
 *
 * Every function returns '' when nothing usable is left; the caller skips empty keys. A `country`
 * argument may be written any way a person's profile writes it ("US", "Deutschland").
 */
import { parseBirthDate } from '../client/normalize/dates.js';
import * as rules from '../client/normalize/rules.js';

/**
 * The version of the rules people's match keys are derived by. BUMP IT whenever a change to a rule
 * here or in src/client/normalize/ (rules.ts, dates.ts, countries.ts, calling-codes.ts,
 * us-states.ts…), or to how person-keys.ts / matching.ts turn the values into keys, can change a
 * stored key: people's keys are kept in the store (person_keys, person_key_sets), and a data folder
 * made by older rules keeps matching by them until they are rebuilt. At start-up, a store whose
 * `person_keys_version` (meta table) differs from this code's has every person's keys rebuilt
 * (key-version.ts, PeopleSync.upgradeKeys).
 *
 * The version compared also carries a fingerprint of the keys of a table of probe people
 * (key-version.ts), computed at start, so a rule change that alters any probe's keys bumps it on
 * its own; this number is the backstop for a change the probes do not exercise.
 *
 * History: 1 — the server's own rules; 2 — the uploader's rules, shared (US ZIP padding, phone
 * country prefix, country names, gender words).
 */
export const KEY_RULES_VERSION = 2;

/** The uploader's verdict, or the value itself when the uploader refuses it but it is already normal. */
function decide(ruled: string | null, raw: string, alreadyNormal: RegExp): string {
  if (ruled !== null) return ruled;
  return alreadyNormal.test(raw) && raw === raw.toLowerCase() ? raw : '';
}

/** The ISO code the client's country-dependent rules expect, or undefined when unknown. */
function countryCode(country: string | undefined): string | undefined {
  if (country === undefined || country.trim() === '') return undefined;
  return rules.normalizeCountry(country.trim()) ?? undefined;
}

/** EMAIL: trim, lower-case. */
export function normalizeEmail(v: string): string {
  if (v.trim() === '') return '';
  return decide(rules.normalizeEmail(v), v, /^\S+$/u);
}

/**
 * PHONE: digits only, no leading zeros, with the country code. A number written with `+` or `00`
 * already carries it; otherwise the person's country supplies it ("Prefix the country code if
 * the COUNTRY field is not specified").
 */
export function normalizePhone(v: string, country?: string): string {
  if (v.trim() === '') return '';
  return decide(rules.normalizePhone(v, countryCode(country)), v, /^[1-9]\d*$/);
}

/** FN, LN: lower-case letters only; letters outside a–z are kept (UTF-8), punctuation and spaces go. */
export function normalizeName(v: string): string {
  return v === '' ? '' : (rules.normalizeName(v) ?? '');
}

/** FI: the first letter of the normalised first name. */
export function normalizeFirstInitial(firstName: string): string {
  return firstName === '' ? '' : (rules.normalizeFirstInitial(firstName) ?? '');
}

/** CT: a–z only, lower-case, no spaces or punctuation. */
export function normalizeCity(v: string): string {
  return v === '' ? '' : (rules.normalizeCity(v) ?? '');
}

/** ST: US states as their two-letter code; elsewhere lower-case letters only. */
export function normalizeState(v: string, country?: string): string {
  if (v.trim() === '') return '';
  return decide(rules.normalizeState(v, countryCode(country)), v, /^[a-z]+$/);
}

/**
 * ZIP: lower-case, no spaces. US: the first five digits. UK: area, district and sector (the
 * postcode without its last two letters). Elsewhere the part before a `-`.
 */
export function normalizeZip(v: string, country?: string): string {
  if (v.trim() === '') return '';
  return decide(rules.normalizeZip(v, countryCode(country)), v, /^[a-z0-9]+$/);
}

/** COUNTRY: ISO 3166-1 alpha-2, lower-case. */
export function normalizeCountry(v: string): string {
  if (v.trim() === '') return '';
  return decide(rules.normalizeCountry(v.trim()), v, /^[a-z]{2}$/);
}

/** GEN: `m` or `f`. */
export function normalizeGender(v: string): string {
  return v.trim() === '' ? '' : (rules.normalizeGender(v) ?? '');
}

/** MADID: lower-case, hyphens kept (not hashed by advertisers; localgraph stores its sha256). */
export function normalizeMadid(v: string): string {
  if (v.trim() === '') return '';
  return decide(rules.normalizeMadid(v), v, /^\S+$/u);
}

export interface BirthDate {
  year: string;
  month: string;
  day: string;
}

/**
 * The User node's `birthday` (`MM/DD/YYYY`, `MM/DD` or `YYYY`; the uploader's other date forms
 * too) as DOBY (YYYY), DOBM and DOBD (two digits each); parts the person does not share stay
 * empty, and so does a date that does not exist.
 */
export function splitBirthday(v: string): BirthDate {
  const parts = v.trim() === '' ? null : parseBirthDate(v, 'mdy', new Date().getUTCFullYear());
  return parts ?? { year: '', month: '', day: '' };
}
