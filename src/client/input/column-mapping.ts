/**
 * Which input column feeds which schema key: parsed from `--map col=KEY,…`
 * or guessed from common header names.
 */
import type { ColumnMapping } from '../normalize/row-normalizer.js';
import { keysOf } from '../normalize/row-normalizer.js';
import { isMappingTarget, SCHEMA_ORDER } from '../normalize/schema-keys.js';
import type { MappingTarget, SchemaKey } from '../normalize/schema-keys.js';

/** Folded header (lowercase letters and digits only) → target. */
const HEADER_GUESSES: Readonly<Record<string, MappingTarget>> = {
  email: 'EMAIL', emailaddress: 'EMAIL',
  phone: 'PHONE', phonenumber: 'PHONE', mobile: 'PHONE', mobilephone: 'PHONE', mobilenumber: 'PHONE', telephone: 'PHONE',
  firstname: 'FN', fname: 'FN', first: 'FN', fn: 'FN', givenname: 'FN',
  lastname: 'LN', lname: 'LN', last: 'LN', ln: 'LN', surname: 'LN', familyname: 'LN',
  fi: 'FI', firstinitial: 'FI',
  zip: 'ZIP', zipcode: 'ZIP', postalcode: 'ZIP', postcode: 'ZIP',
  city: 'CT', ct: 'CT',
  state: 'ST', region: 'ST', province: 'ST', st: 'ST',
  country: 'COUNTRY', countrycode: 'COUNTRY',
  gender: 'GEN', gen: 'GEN', sex: 'GEN',
  dob: 'DOB', birthday: 'DOB', dateofbirth: 'DOB', birthdate: 'DOB',
  doby: 'DOBY', birthyear: 'DOBY', dobm: 'DOBM', birthmonth: 'DOBM', dobd: 'DOBD', birthdayofmonth: 'DOBD',
  madid: 'MADID', maid: 'MADID', idfa: 'MADID', gaid: 'MADID', aaid: 'MADID',
  externalid: 'EXTERN_ID', externid: 'EXTERN_ID', customerid: 'EXTERN_ID',
};

export interface ResolvedMapping {
  readonly mapping: readonly ColumnMapping[];
  /** Header names that feed nothing (names only; they are not PII). */
  readonly ignoredColumns: readonly string[];
}

export class MappingError extends Error {
  override readonly name = 'MappingError';
}

function fold(header: string): string {
  return header.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Guess the mapping from header names; the first column wins when two guess the same key. */
export function guessMapping(columns: readonly string[]): ResolvedMapping {
  const mapping: ColumnMapping[] = [];
  const ignored: string[] = [];
  columns.forEach((column, index) => {
    const target = guessTarget(column);
    if (target !== undefined && !conflicts(mapping, target)) mapping.push({ index, column, target });
    else ignored.push(column);
  });
  if (mapping.length === 0) {
    throw new MappingError(
      `none of the columns (${columns.join(', ')}) has a name the uploader recognises; pass --map column=KEY,… ` +
        `with KEY one of ${[...SCHEMA_ORDER, 'DOB'].join(', ')}`,
    );
  }
  return { mapping, ignoredColumns: ignored };
}

/**
 * Parse `email=EMAIL,phone=PHONE,first=FN`. Column names match the header
 * exactly after trimming, else case- and punctuation-insensitively.
 */
export function parseMapping(spec: string, columns: readonly string[]): ResolvedMapping {
  const mapping: ColumnMapping[] = [];
  for (const { pair, name, key } of mapEntries(spec)) {
    if (name === undefined) throw new MappingError(`--map entry "${pair}" is not column=KEY`);
    const target = key.toUpperCase();
    if (!isMappingTarget(target)) {
      throw new MappingError(`--map: unknown key "${target}"; use one of ${[...SCHEMA_ORDER, 'DOB'].join(', ')}`);
    }
    const index = findColumn(columns, name);
    if (index < 0) throw new MappingError(`--map: no column "${name}" in the input (columns: ${columns.join(', ')})`);
    if (conflicts(mapping, target)) throw new MappingError(`--map: ${target} is mapped more than once`);
    mapping.push({ index, column: columns[index] ?? name, target });
  }
  if (mapping.length === 0) throw new MappingError('--map is empty');
  const used = new Set(mapping.map((m) => m.index));
  return { mapping, ignoredColumns: columns.filter((_, i) => !used.has(i)) };
}

/**
 * The column names a `--map` spec refers to (left of each `=`), as written; malformed entries are
 * left to parseMapping to report. JSON lines read these keys even when they first appear after the
 * look-ahead (row-source.ts).
 */
export function mapColumnNames(spec: string): string[] {
  const names: string[] = [];
  for (const { name } of mapEntries(spec)) if (name !== undefined) names.push(name);
  return names;
}

/** The non-empty entries of a `--map` spec, trimmed: column name and key split at the last `=` (name undefined when there is none before it). */
function mapEntries(spec: string): Array<{ pair: string; name: string | undefined; key: string }> {
  const out: Array<{ pair: string; name: string | undefined; key: string }> = [];
  for (const pair of spec.split(',').map((p) => p.trim())) {
    if (pair === '') continue;
    const eq = pair.lastIndexOf('=');
    out.push(eq > 0 ? { pair, name: pair.slice(0, eq).trim(), key: pair.slice(eq + 1).trim() } : { pair, name: undefined, key: '' });
  }
  return out;
}

/** The key a header name would be guessed as, if any (`phone_number` → PHONE). */
export function guessTarget(column: string): MappingTarget | undefined {
  const folded = fold(column);
  // Own entries only: a column named "constructor" is no key.
  return Object.hasOwn(HEADER_GUESSES, folded) ? HEADER_GUESSES[folded] : undefined;
}

/** Index of the column `name` names: the same after trimming, else case- and punctuation-insensitively; -1 if none. */
export function findColumn(columns: readonly string[], name: string): number {
  const exact = columns.findIndex((c) => c.trim() === name);
  return exact >= 0 ? exact : columns.findIndex((c) => fold(c) === fold(name));
}

/** True when `target` would produce a schema key already produced (DOB overlaps DOBY/DOBM/DOBD). */
function conflicts(mapping: readonly ColumnMapping[], target: MappingTarget): boolean {
  const taken = new Set<SchemaKey>(mapping.flatMap((m) => keysOf(m.target)));
  return keysOf(target).some((key) => taken.has(key));
}
