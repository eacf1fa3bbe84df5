/**
 * The native row hasher (native/row-hasher.c, decision client-16) as a hashing
 * worker drives it: it parses, normalises and hashes the rows it is sure of,
 * writing their JSON straight into the worker's output buffer, and stops at
 * any row it is not, which the JavaScript path (the reference) then takes.
 * After such a row, `teach` tells it what the JavaScript rules made of cells
 * it cannot judge itself (names and cities outside ASCII, country names), so
 * that rows holding them stay native from then on.
 *
 * Used only when the addon was built (`npm install` builds it) and the
 * mapping holds nothing but the keys it knows; LOCALGRAPH_NATIVE_HASHER=0
 * turns it off.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MARKABLE_FIELDS, utf8FromLatin1 } from '../input/csv-parser.js';
import { CALLING_CODES } from '../normalize/calling-codes.js';
import { ISO_ALPHA2 } from '../normalize/countries.js';
import { normalizeCountry } from '../normalize/rules.js';
import type { ColumnMapping } from '../normalize/row-normalizer.js';
import type { MappingTarget, SchemaKey } from '../normalize/schema-keys.js';

/** The addon's own handle of one hasher's settings and taught text. */
declare const handleBrand: unique symbol;
type Handle = { readonly [handleBrand]: true };

interface RowHasherAddon {
  createHasher(delimiter: number, schemaLength: number, mapped: Int32Array, countryField: number,
    defaultCountry: string, iso: string, calling: Int32Array): Handle;
  run(handle: Handle, input: Uint8Array, out: Uint8Array, starts: Uint32Array, state: Int32Array): void;
  learn(handle: Handle, kind: number, raw: Uint8Array, value: string): void;
  rowBytes(handle: Handle): number;
}

/** The keys the addon normalises, by its numbers (row-hasher.c `enum key`). */
const NATIVE_KEYS: ReadonlyMap<MappingTarget, number> = new Map<MappingTarget, number>([
  ['EMAIL', 0], ['PHONE', 1], ['FN', 2], ['LN', 3], ['CT', 4], ['ZIP', 5], ['COUNTRY', 6],
]);

/** Kinds of taught text (row-hasher.c `enum kind`). */
const KIND_NAME = 1;
const KIND_CITY = 2;
const KIND_COUNTRY = 3;

/** Slots of the state array (row-hasher.c `enum slot`). */
const S_POS = 0;
const S_END = 1;
const S_OUT = 2;
const S_ROWS = 3;
const S_STATUS = 4;
const S_RECORD_END = 5;
const S_DONE = 6;
const S_SLOTS = 7;

const ST_DONE = 0;
const ST_ROOM = 1;

/** A taught cell at least this long is never looked up (it may be a digest already: the JavaScript path decides). */
const LONG_CELL = 64;

/**
 * Where the built addon is, for the workers (which load it themselves), or undefined when it is not
 * built or turned off. Called on the main thread: a worker's bundled script has no module URL.
 */
export function nativeRowHasherPath(): string | undefined {
  if (process.env['LOCALGRAPH_NATIVE_HASHER'] === '0') return undefined;
  const path = fileURLToPath(new URL('../../../native/build/Release/row_hasher.node', import.meta.url));
  return existsSync(path) ? path : undefined;
}

export interface NativeRowHasherSettings {
  readonly addonPath: string;
  readonly mapping: readonly ColumnMapping[];
  readonly schema: readonly SchemaKey[];
  readonly delimiter: string;
  readonly defaultCountry: string | undefined;
}

/** Where the addon writes: the output buffer, the row starts, and how far each is filled. */
export interface RowTarget {
  readonly out: Uint8Array;
  readonly at: number;
  readonly starts: Uint32Array;
  readonly rows: number;
}

/** What one `run` did: how far it read and wrote, how many records it took, and where it stopped. */
export type RunOutcome =
  | { readonly stop: 'end' | 'room'; readonly pos: number; readonly at: number; readonly rows: number; readonly records: number }
  | { readonly stop: 'record'; readonly pos: number; readonly recordEnd: number; readonly at: number; readonly rows: number; readonly records: number };

/** Taught cells: a mapped field, and the kind of text it holds. */
interface TaughtField {
  readonly index: number;
  readonly kind: number;
  /** The field's column in a normalised row. */
  readonly position: number;
}

export class NativeRowHasher {
  readonly #addon: RowHasherAddon;
  readonly #handle: Handle;
  readonly #state = new Int32Array(S_SLOTS);
  readonly #taught: readonly TaughtField[];
  /** The room `run` needs for one more row (the addon's own figure: less would stop every run at once). */
  readonly rowBytes: number;

  /** The hasher for these settings, or undefined when the mapping holds something only the JavaScript path handles. */
  static open(settings: NativeRowHasherSettings): NativeRowHasher | undefined {
    const { mapping, delimiter, defaultCountry } = settings;
    const targets = new Set(mapping.map((m) => m.target));
    const usable =
      targets.size === mapping.length && // one column a key
      mapping.every((m) => NATIVE_KEYS.has(m.target) && m.index >= 0 && m.index < MARKABLE_FIELDS) &&
      delimiter.length === 1 && delimiter.charCodeAt(0) < 0x80 &&
      (defaultCountry === undefined || ISO_ALPHA2.has(defaultCountry));
    if (!usable) return undefined;
    const require = createRequire(settings.addonPath);
    const addon = require(settings.addonPath) as RowHasherAddon;
    return new NativeRowHasher(addon, settings);
  }

  private constructor(addon: RowHasherAddon, { mapping, schema, delimiter, defaultCountry }: NativeRowHasherSettings) {
    this.#addon = addon;
    const mapped = new Int32Array(mapping.length * 3);
    mapping.forEach((m, i) => mapped.set([m.index, NATIVE_KEYS.get(m.target)!, schema.indexOf(m.target as SchemaKey)], 3 * i));
    const calling: number[] = [];
    for (const [country, [prefix, min, max]] of Object.entries(CALLING_CODES)) {
      calling.push(countryNumber(country), Number(prefix), prefix.length, min, max);
    }
    this.#handle = addon.createHasher(
      delimiter.charCodeAt(0),
      schema.length,
      mapped,
      mapping.find((m) => m.target === 'COUNTRY')?.index ?? -1,
      defaultCountry ?? '',
      [...ISO_ALPHA2].join(''),
      Int32Array.from(calling),
    );
    this.#taught = mapping.flatMap((m): TaughtField[] => {
      const position = schema.indexOf(m.target as SchemaKey);
      if (m.target === 'FN' || m.target === 'LN') return [{ index: m.index, kind: KIND_NAME, position }];
      if (m.target === 'CT') return [{ index: m.index, kind: KIND_CITY, position }];
      if (m.target === 'COUNTRY') return [{ index: m.index, kind: KIND_COUNTRY, position }];
      return [];
    });
    this.rowBytes = addon.rowBytes(this.#handle);
  }

  /** Rows from `input[pos, end)` into `target`, until the end, a full target, or a record for the JavaScript path. */
  run(input: Uint8Array, pos: number, end: number, target: RowTarget): RunOutcome {
    const state = this.#state;
    state[S_POS] = pos;
    state[S_END] = end;
    state[S_OUT] = target.at;
    state[S_ROWS] = target.rows;
    this.#addon.run(this.#handle, input, target.out, target.starts, state);
    const done = { pos: state[S_POS]!, at: state[S_OUT]!, rows: state[S_ROWS]!, records: state[S_DONE]! };
    const status = state[S_STATUS]!;
    if (status === ST_DONE) return { stop: 'end', ...done };
    if (status === ST_ROOM) return { stop: 'room', ...done };
    return { stop: 'record', recordEnd: state[S_RECORD_END]!, ...done };
  }

  /**
   * After the JavaScript path normalised `record` (fields as read: latin1, UTF-8 ones marked) into
   * `row`: the digests of its names and cities outside ASCII, and the code of its country
   * spelling, for the addon to look up from now on. Only values the rules accepted are taught.
   */
  teach(record: readonly string[], row: readonly string[]): void {
    for (const field of this.#taught) {
      const cell = record[field.index];
      if (cell === undefined || cell === '' || cell.length >= LONG_CELL || row[field.position] === '') continue;
      if (field.kind === KIND_COUNTRY) {
        const code = normalizeCountry(utf8FromLatin1(cell));
        if (code !== null) this.#addon.learn(this.#handle, KIND_COUNTRY, Buffer.from(cell, 'latin1'), code);
      } else if (hasHighByte(cell)) {
        this.#addon.learn(this.#handle, field.kind, Buffer.from(cell, 'latin1'), row[field.position]!);
      }
    }
  }
}

/** The addon's number of a lowercase alpha-2 code: (first − 'a') × 26 + (second − 'a'). */
function countryNumber(code: string): number {
  return (code.charCodeAt(0) - 97) * 26 + (code.charCodeAt(1) - 97);
}

function hasHighByte(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return true;
  return false;
}
