/**
 * Reads a `/users` payload (`{schema, data, app_ids, …}`) into what gets staged: the identity
 * columns of every valid row packed as 32-byte hashes, and the counts and samples the answer
 * reports. Whole-request problems throw the real errors (missing payload, unknown schema key,
 * rows that do not fit the schema, more than 10,000 rows); a bad cell only makes its row invalid
 * (`num_invalid_entries`, `invalid_entry_samples`) while the other rows are kept.
 *
 * Nothing raw is kept: hashed columns must already be SHA-256 hex (anything else, a raw email
 * included, invalidates the row and is dropped), and the raw identifiers the API accepts (MADID,
 * EXTERN_ID, app-scoped ids) are hashed here before they are staged.
 */
import {
  audienceDataMismatch,
  audiencePayloadMissing,
  invalidParameter,
  missingParameter,
  rawPiiTypeInvalid,
  tooManyParameters,
} from '../graph/errors/catalogue.js';
import { decodeHex64, sha256Into } from './hashing.js';
import { KEY_BY_NAME, RAW_PII_TYPES, SINGLE_KEY_SCHEMAS, type KeySpec } from './key-types.js';

/** "only a maximum of 10000 at a time" (D-users). */
export const MAX_ROWS = 10_000;
const MAX_SAMPLES = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ParsedUpload {
  /** Codes of the stored (identity) columns, in schema order. */
  columns: number[];
  /** validRows × columns × 32 bytes; an all-zero hash is an empty cell. */
  rows: Buffer;
  validRows: number;
  received: number;
  invalid: number;
  samples: Record<string, string>;
  /** An array schema (FILE_IMPORTED.MULTI_HASHES) rather than one key (HASHES_OR_USER_IDS). */
  multiKey: boolean;
  hasLookalikeValue: boolean;
  /** The schema's key names, for replace sessions that must keep one schema. */
  schemaSignature: string;
}

type Payload = Record<string, unknown>;

/** The payload's schema as key specs; throws the real errors for a bad one. */
export function readSchema(p: Payload): { specs: KeySpec[]; multiKey: boolean } {
  let schema = p.schema;
  if (typeof schema === 'string' && schema.trim().startsWith('[')) {
    try {
      schema = JSON.parse(schema) as unknown;
    } catch {
      throw audienceDataMismatch('schema is not a JSON array');
    }
  }
  if (schema === undefined || schema === null || schema === '') throw audienceDataMismatch('schema is missing');
  if (typeof schema === 'string') {
    const name = schema.trim().toUpperCase();
    const spec = KEY_BY_NAME.get(SINGLE_KEY_SCHEMAS[name] ?? name);
    if (!spec) throw rawPiiTypeInvalid(RAW_PII_TYPES);
    return { specs: [spec], multiKey: false };
  }
  if (!Array.isArray(schema)) throw audienceDataMismatch('schema must be a key name or an array of key names');
  if (schema.length === 0) throw audienceDataMismatch('schema is empty');
  const specs: KeySpec[] = [];
  const seen = new Set<string>();
  for (const k of schema) {
    const spec = typeof k === 'string' ? KEY_BY_NAME.get(k.trim().toUpperCase()) : undefined;
    if (!spec) throw rawPiiTypeInvalid(RAW_PII_TYPES);
    if (seen.has(spec.name)) throw audienceDataMismatch(`schema names ${spec.name} twice`);
    seen.add(spec.name);
    specs.push(spec);
  }
  return { specs, multiKey: true };
}

/**
 * `app_ids` (list<int>) and `page_ids` (list<Page ID>): "required when schema is a Facebook UID"
 * (D-users) — an `APPUID`/`UID` or `PAGEUID` column, in a single-key schema or an array (Meta's
 * own cross-platform example sends `["EMAIL","MADID","APPUID","LOOKALIKE_VALUE"]` with `app_ids`).
 * When given, every entry must be a numeric id, as the parameter's type says; a JSON array, a
 * JSON-array string or a comma-separated string are read alike. A fixture's rows need not give
 * them (ParseOptions.requireScopeIds).
 */
function readIds(p: Payload, name: 'app_ids' | 'page_ids', required: boolean): void {
  let list: unknown = p[name];
  if (typeof list === 'string') {
    const t = list.trim();
    if (t.startsWith('[')) {
      try {
        list = JSON.parse(t) as unknown;
      } catch {
        throw invalidParameter(`Param payload[${name}] must be an array of ids`);
      }
    } else {
      list = t === '' ? [] : t.split(',');
    }
  } else if (typeof list === 'number') {
    list = [list];
  }
  if (list === undefined || list === null) list = [];
  if (!Array.isArray(list)) throw invalidParameter(`Param payload[${name}] must be an array of ids`);
  if (list.length === 0) {
    if (required) throw missingParameter(`payload.${name}`);
    return;
  }
  list.forEach((id: unknown, i) => {
    const text = typeof id === 'number' && Number.isInteger(id) ? String(id) : typeof id === 'string' ? id.trim() : '';
    if (!/^\d{1,20}$/.test(text) || /^0+$/.test(text)) throw invalidParameter(`Param payload[${name}][${i}] must be an integer`);
  });
}

/**
 * The samples key: the row as sent, re-serialised as compact JSON (grp-v9/grp-v12: the key of an
 * invalid multi-key row is `JSON.stringify(row)`). An entry of a flat single-key list is a row
 * too, so `"zzz"` is keyed `"\"zzz\""` — the one rule applied to whatever the entry was; no
 * recording of a flat list's samples exists (spec §3.2), and the reference struct's
 * `Map {string: string}` (seeds 000, 002, 003) rules out the guide's "JSON Array of String".
 */
function sampleKey(entry: unknown): string {
  return JSON.stringify(entry) ?? 'null';
}

const isEmpty = (v: unknown): boolean => v === '' || v === null || v === undefined;

/**
 * Validates one cell and, for identity columns, writes its 32 bytes at `offset`. Returns the
 * reason the row is invalid, or undefined.
 */
function writeCell(spec: KeySpec, v: unknown, out: Buffer, offset: number): string | undefined {
  switch (spec.kind) {
    case 'hash':
      if (isEmpty(v)) return undefined;
      if (typeof v !== 'string' || !decodeHex64(v, out, offset)) return `invalid hash: ${spec.name} is not a SHA-256 hex digest`;
      return undefined;
    case 'madid': {
      if (isEmpty(v)) return undefined;
      if (typeof v !== 'string') return 'invalid MADID';
      const t = v.trim();
      if (decodeHex64(t, out, offset)) return undefined;
      if (!UUID.test(t)) return 'invalid MADID: not a mobile advertiser id or its SHA-256';
      sha256Into(t.toLowerCase(), out, offset);
      return undefined;
    }
    case 'extern':
      if (isEmpty(v) || (typeof v === 'string' && v.trim() === '')) return 'empty external ID';
      if (typeof v !== 'string' && typeof v !== 'number') return 'invalid external ID';
      sha256Into(String(v), out, offset);
      return undefined;
    case 'opaque':
      if (isEmpty(v)) return undefined;
      if (typeof v !== 'string' && typeof v !== 'number') return `invalid ${spec.name}`;
      sha256Into(String(v), out, offset);
      return undefined;
    case 'uid': {
      if (isEmpty(v)) return undefined;
      const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
      if (!/^\d{1,20}$/.test(s)) return `invalid ${spec.name}: not a numeric id`;
      sha256Into(s, out, offset);
      return undefined;
    }
    case 'value': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) return 'invalid LOOKALIKE_VALUE: not a number';
      if (n < 0) return 'invalid LOOKALIKE_VALUE: negative value';
      return undefined;
    }
    case 'dpo':
      if (isEmpty(v) || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) return undefined;
      return 'invalid DATA_PROCESSING_OPTIONS: expected an array such as ["LDU"] or []';
    case 'dpo_number':
      if (isEmpty(v) || typeof v === 'number' || (typeof v === 'string' && /^-?\d+$/.test(v.trim()))) return undefined;
      return `invalid ${spec.name}: not a number`;
  }
}

export interface ParseOptions {
  /**
   * Whether app-scoped (`APPUID`) and page-scoped (`PAGEUID`) columns require `app_ids` /
   * `page_ids`, as a /users request does (the default). A fixture's rows do not: the ids are
   * checked when given, but localgraph matches such a column by the id alone (asids are unique
   * across apps), stores no `app_ids`, and so a fixture and its export load without them.
   */
  requireScopeIds?: boolean;
}

export function parsePayload(raw: unknown, options: ParseOptions = {}): ParsedUpload {
  if (raw === undefined || raw === null || raw === '') throw audiencePayloadMissing();
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameter('Param payload must be a JSON object');
  const p = raw as Payload;
  const { specs, multiKey } = readSchema(p);
  const names = specs.map((s) => s.name);
  const required = options.requireScopeIds ?? true;
  readIds(p, 'app_ids', required && names.includes('APPUID'));
  readIds(p, 'page_ids', required && names.includes('PAGEUID'));

  let data = p.data;
  if (typeof data === 'string' && data.trim().startsWith('[')) {
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      throw audienceDataMismatch('data is not a JSON array');
    }
  }
  if (!Array.isArray(data)) throw audienceDataMismatch('data is missing');
  if (data.length === 0) throw audienceDataMismatch('data is empty');
  if (data.length > MAX_ROWS) throw tooManyParameters();

  const width = specs.length;
  // Single-key schemas take a flat list of values or a list of one-element rows (D-guide shows both).
  const rows: unknown[][] = new Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const item: unknown = data[i];
    if (Array.isArray(item)) {
      if (item.length !== width) throw audienceDataMismatch(`row ${i} has ${item.length} values but the schema has ${width} keys`);
      rows[i] = item;
    } else if (width === 1 && (typeof item === 'string' || typeof item === 'number' || item === null)) {
      rows[i] = [item];
    } else {
      throw audienceDataMismatch(`row ${i} is not an array of ${width} values`);
    }
  }

  const stored = specs.map((s, i) => ({ spec: s, col: i })).filter((c) => c.spec.code > 0);
  const columns = stored.map((c) => c.spec.code);
  const rowBytes = columns.length * 32;
  const slot = specs.map((s) => (s.code > 0 ? columns.indexOf(s.code) * 32 : 0));
  const out = Buffer.alloc(rows.length * rowBytes);
  const samples: Record<string, string> = {};
  let sampleCount = 0;
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const base = valid * rowBytes;
    let reason: string | undefined;
    let identities = 0;
    for (let c = 0; c < width && reason === undefined; c++) {
      const spec = specs[c];
      reason = writeCell(spec, row[c], out, base + slot[c]);
      if (reason === undefined && spec.code > 0 && !isEmpty(row[c])) identities++;
    }
    if (reason === undefined && identities === 0) reason = 'no identifier: every key of the row is empty';
    if (reason !== undefined) {
      invalid++;
      out.fill(0, base, base + rowBytes);
      if (sampleCount < MAX_SAMPLES) {
        const key = sampleKey(data[i]);
        if (!(key in samples)) sampleCount++;
        samples[key] = reason;
      }
      continue;
    }
    valid++;
  }
  return {
    columns,
    rows: out.subarray(0, valid * rowBytes),
    validRows: valid,
    received: rows.length,
    invalid,
    samples,
    multiKey,
    hasLookalikeValue: names.includes('LOOKALIKE_VALUE'),
    schemaSignature: names.join(','),
  };
}
