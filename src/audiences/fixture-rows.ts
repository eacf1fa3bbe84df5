/**
 * A fixture's `custom_audiences[].rows` as its author writes them: readable values
 * (`[["alice@example.com", "alice"]]`) are normalised by Meta's rules and SHA-256-hashed at load,
 * by the one implementation of the rules — the uploader's RowNormalizer (src/client/normalize/),
 * the same code `localgraph audience upload` runs and people's keys are built with — so a fixture
 * row and an uploaded row made from the same values store the same hashes.
 *
 * - The keys Meta asks advertisers to hash (EMAIL, PHONE, GEN, DOBY, DOBM, DOBD, LN, FN, FI, CT,
 *   ST, ZIP, COUNTRY) go through the rules; a row's COUNTRY cell is the country its PHONE, ZIP and
 *   ST are read in, as in the uploader (no default country otherwise).
 * - A value that already is a 64-character hex digest passes through as a hash (lower-cased), so
 *   exported rows and hand-hashed rows load as before.
 * - Every other column is left to the /users payload reader (payload.ts), which already takes
 *   MADID, EXTERN_ID and app-scoped ids raw and hashes them itself. A chunk may carry `app_ids` /
 *   `page_ids` as a /users payload does (checked when given), but unlike a request it need not:
 *   an `APPUID` or `PAGEUID` cell matches the person with that id whatever the app.
 * - A value the rules cannot normalise (an email without a domain, `Atlantis` as a country), or a
 *   raw value in a hashed column Meta gives no rule for (STREETNAME…), fails the whole fixture
 *   with the JSON path of the cell. Messages name the key, never the value (docs/client.md: raw
 *   PII does not reach logs).
 */
import { FixtureError } from '../fixtures/load.js';
import { GraphError } from '../graph/errors/graph-error.js';
import { RowNormalizer, type ColumnMapping } from '../client/normalize/row-normalizer.js';
import { isSha256Hex } from '../client/normalize/hash.js';
import type { SchemaKey } from '../client/normalize/schema-keys.js';
import { parsePayload, readSchema, type ParsedUpload } from './payload.js';

/** Hashed keys the rules normalise (MADID and EXTERN_ID are raw on the wire: payload.ts reads them). */
const NORMALISED: ReadonlySet<string> = new Set<SchemaKey>(['EMAIL', 'PHONE', 'GEN', 'DOBY', 'DOBM', 'DOBD', 'LN', 'FN', 'FI', 'CT', 'ST', 'ZIP', 'COUNTRY']);

export interface FixtureRowsChunk {
  schema: string | string[];
  data: unknown[];
  app_ids?: Array<string | number>;
  page_ids?: Array<string | number>;
}

/** The payload parsePayload reads for a chunk (its rows replaced by `data`); scope ids optional. */
function payloadOf(chunk: FixtureRowsChunk, data: unknown[]): ParsedUpload {
  const ids = { ...(chunk.app_ids !== undefined ? { app_ids: chunk.app_ids } : {}), ...(chunk.page_ids !== undefined ? { page_ids: chunk.page_ids } : {}) };
  return parsePayload({ schema: chunk.schema, data, ...ids }, { requireScopeIds: false });
}

const isEmpty = (v: unknown): boolean => v === '' || v === null || v === undefined;

function wrap<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FixtureError) throw e;
    throw new FixtureError(path, e instanceof GraphError ? e.message : String(e));
  }
}

/**
 * The chunk's rows with every readable value of a normalised key replaced by its SHA-256 hex, in
 * the chunk's own shape (schema order, flat or nested rows), ready for parsePayload.
 */
export function hashReadableCells(chunk: FixtureRowsChunk, path: string): unknown[] {
  const { specs } = wrap(path, () => readSchema({ schema: chunk.schema }));
  const width = specs.length;
  const mapping: ColumnMapping[] = [];
  const noRule: number[] = [];
  specs.forEach((s, c) => {
    if (NORMALISED.has(s.name)) mapping.push({ index: c, column: s.name, target: s.name as SchemaKey });
    else if (s.kind === 'hash') noRule.push(c);
  });
  if (mapping.length === 0 && noRule.length === 0) return chunk.data;
  const normalizer = mapping.length > 0 ? new RowNormalizer({ mapping }) : undefined;
  const outPos = normalizer ? mapping.map((m) => normalizer.schema.indexOf(m.target as SchemaKey)) : [];

  return chunk.data.map((row, r) => {
    const flat = !Array.isArray(row);
    // A row that does not fit the schema is passed on as it is: parsePayload refuses the chunk.
    if (flat ? width !== 1 : row.length !== width) return row;
    const cells: unknown[] = flat ? [row] : [...(row as unknown[])];
    const cellPath = (c: number): string => (flat ? `${path}.data[${r}]` : `${path}.data[${r}][${c}]`);
    for (const c of noRule) {
      const v = cells[c];
      if (isEmpty(v) || (typeof v === 'string' && isSha256Hex(v.trim()))) continue;
      throw new FixtureError(cellPath(c), `${specs[c].name} has no normalisation rule: give its SHA-256 (64 hex characters)`);
    }
    if (normalizer) {
      const text: string[] = new Array<string>(width).fill('');
      for (const m of mapping) {
        const v = cells[m.index];
        if (isEmpty(v)) continue;
        if (typeof v === 'number' && Number.isFinite(v)) text[m.index] = String(v);
        else if (typeof v === 'string') text[m.index] = v;
        else throw new FixtureError(cellPath(m.index), `${specs[m.index].name} must be a string (or a number)`);
      }
      const outcome = normalizer.normalize(text);
      // The normaliser counts, per key, values it could not normalise (and sends "" for them).
      for (const m of mapping) {
        // Any count at all: the first one fails the fixture, so a count never carries over.
        if (normalizer.invalidValueCounts[m.target] !== undefined) {
          throw new FixtureError(cellPath(m.index), `${specs[m.index].name} value cannot be normalised by Meta's rules`);
        }
      }
      // Rejected without an invalid value: every normalised cell was empty; payload.ts judges the row.
      if (Array.isArray(outcome)) mapping.forEach((m, i) => (cells[m.index] = text[m.index] === '' ? cells[m.index] : outcome[outPos[i]]));
    }
    return flat ? cells[0] : cells;
  });
}

/** Reads a chunk of readable (or already hashed) rows into what gets staged; see the module comment. */
export function parseFixtureRows(chunk: FixtureRowsChunk, path: string): ParsedUpload {
  const data = hashReadableCells(chunk, path);
  const parsed = wrap(path, () => payloadOf(chunk, data));
  if (parsed.invalid === 0) return parsed;
  // Name the first bad row by its index: the payload reader keys its samples by content.
  for (const [r, row] of data.entries()) {
    const one = wrap(path, () => payloadOf(chunk, [row]));
    const reason = Object.values(one.samples)[0];
    if (reason !== undefined) throw new FixtureError(`${path}.data[${r}]`, `row is invalid: ${reason}`);
  }
  throw new FixtureError(`${path}.data`, 'a row is invalid');
}
