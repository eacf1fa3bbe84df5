/**
 * Input rows, streamed: CSV (any delimiter sniffed from the header) or JSON
 * lines, from a file or stdin. Memory stays constant whatever the input size:
 * rows are handed on in the chunks they were read in. JSON lines take their
 * columns from the keys of the first lines (a bounded look-ahead).
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { findColumn } from './column-mapping.js';
import { CsvParser, sniffDelimiter } from './csv-parser.js';

/** A row that could not be parsed (bad JSON line); the uploader reports it by number. */
export interface UnparsableRow {
  readonly parseError: string;
}

export type SourceRow = readonly string[] | UnparsableRow;

export interface RowSource {
  /**
   * Column names: the CSV header; for JSON lines every key of the look-ahead lines (in order of
   * first appearance), then the keys named with `jsonKeys` that the look-ahead did not have.
   */
  readonly columns: readonly string[];
  /** Rows in input order (row 1 = first data row), grouped in chunks to keep per-row overhead low. */
  readonly chunks: AsyncIterable<readonly SourceRow[]>;
  /**
   * Set for a CSV file on disk: the uploader may then read the file itself in
   * chunks of whole records and parse them on worker threads, instead of
   * iterating `chunks` (src/client/upload/hashed-chunks.ts).
   */
  readonly file?: CsvFile | undefined;
  /** Stops reading (closes the file) when `chunks` will not be iterated to its end. */
  close?(): Promise<void>;
  /** JSON lines: how the columns were found, and the keys outside them that carried values. */
  readonly jsonKeys?: JsonKeyReport | undefined;
}

/**
 * JSON lines have no header: the columns are the keys of the first lines (a bounded look-ahead, so
 * memory stays constant). A key first seen after it is a column only when the caller named it
 * (`jsonKeys`, from `--map`); otherwise its values are not read, and it is reported here.
 */
export interface JsonKeyReport {
  /** Lines whose keys made the columns. */
  readonly lookaheadLines: number;
  /** True when the look-ahead was the whole input: every key of every line is a column. */
  readonly wholeInput: boolean;
  /** Columns added for named keys that the look-ahead did not have (read from the lines that have them). */
  readonly namedLater: readonly string[];
  /** Keys outside the columns that carried a value on some row read so far, in order of first appearance (at most 100). */
  unusedKeys(): readonly UnusedKey[];
  /** Rows with a value under a key beyond those 100 (not listed). */
  moreUnusedRows(): number;
  /** Of `namedLater`, the keys no row read so far has had. */
  namedNotSeen(): readonly string[];
}

export interface UnusedKey {
  readonly key: string;
  /** Rows where it carried a non-empty value. */
  readonly rows: number;
  /** The first such row (1-based, as the uploader numbers rows). */
  readonly firstRow: number;
}

/** JSON lines: the columns are the keys of this many first lines … */
export const JSONL_LOOKAHEAD_LINES = 1000;
/** … or of as many as fit in this many characters, whichever is fewer (at least the first line). */
export const JSONL_LOOKAHEAD_CHARS = 4 << 20;
const MAX_UNUSED_KEYS = 100;

export interface TextSourceOptions {
  format?: InputFormat | undefined;
  delimiter?: string | undefined;
  /**
   * JSON lines: keys to read even when the look-ahead has none of them (the column names of
   * `--map`). Ignored for CSV, and when the look-ahead covered the whole input.
   */
  jsonKeys?: readonly string[] | undefined;
  /** JSON lines: lines of look-ahead (default JSONL_LOOKAHEAD_LINES). */
  jsonLookaheadLines?: number | undefined;
}

export interface CsvFile {
  readonly path: string;
  /** The delimiter the rows are parsed with (given or sniffed from the header). */
  readonly delimiter: string;
}

export type InputFormat = 'csv' | 'jsonl';

export class InputError extends Error {
  override readonly name = 'InputError';
}

/** `.jsonl`/`.ndjson` → jsonl; anything else → csv. */
export function formatFromPath(path: string): InputFormat {
  const ext = extname(path).toLowerCase();
  return ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : 'csv';
}

/** Open a file (or `-` for stdin) as a row source. */
export async function openRowSource(
  path: string,
  options: TextSourceOptions & { stdin?: NodeJS.ReadableStream | undefined } = {},
): Promise<RowSource> {
  const stream: AsyncIterable<string> =
    path === '-'
      ? textOf(options.stdin ?? process.stdin)
      : textOf(createReadStream(path, { highWaterMark: 1 << 20 }));
  const format = options.format ?? (path === '-' ? undefined : formatFromPath(path));
  const source = await openTextSource(stream, {
    format,
    delimiter: options.delimiter ?? (extname(path) === '.tsv' ? '\t' : undefined),
    jsonKeys: options.jsonKeys,
    jsonLookaheadLines: options.jsonLookaheadLines,
  });
  const delimiter = csvDelimiters.get(source);
  return path === '-' || delimiter === undefined ? source : { ...source, file: { path, delimiter } };
}

/** The delimiter of each CSV source, for openRowSource (kept off the public shape of text sources). */
const csvDelimiters = new WeakMap<RowSource, string>();

/**
 * A row source over text chunks. When `format` is not given, input whose
 * first non-blank character is `{` is JSON lines, anything else CSV.
 */
export async function openTextSource(text: AsyncIterable<string>, options: TextSourceOptions = {}): Promise<RowSource> {
  const reader = text[Symbol.asyncIterator]();
  let head = '';
  // Read until the first line is complete (the header, or the first JSON object).
  for (;;) {
    if (head.includes('\n')) break;
    const next = await reader.next();
    if (next.done) break;
    head += next.value;
  }
  const rest = prepend(head, reader);
  const format = options.format ?? (head.trimStart().startsWith('{') ? 'jsonl' : 'csv');
  if (format === 'jsonl') return jsonLinesSource(rest, options.jsonKeys ?? [], options.jsonLookaheadLines ?? JSONL_LOOKAHEAD_LINES);
  const firstLine = head.slice(0, head.includes('\n') ? head.indexOf('\n') : head.length);
  return csvSource(rest, options.delimiter ?? sniffDelimiter(firstLine));
}

async function csvSource(text: AsyncIterable<string>, delimiter: string): Promise<RowSource> {
  const parser = new CsvParser(delimiter);
  const reader = text[Symbol.asyncIterator]();
  let pending: string[][] = [];
  let done = false;
  while (pending.length === 0 && !done) {
    const next = await reader.next();
    if (next.done) {
      parser.finish(pending);
      done = true;
    } else {
      parser.push(next.value, pending);
    }
  }
  const header = pending.shift();
  if (header === undefined) throw new InputError('the input is empty: no header line');
  const columns = header.map((c) => c.trim());
  async function* chunks(): AsyncGenerator<readonly SourceRow[]> {
    if (pending.length > 0) yield pending;
    if (closed) return;
    while (!done) {
      const out: string[][] = [];
      const next = await reader.next();
      if (next.done) {
        parser.finish(out);
        done = true;
      } else {
        parser.push(next.value, out);
      }
      if (out.length > 0) yield out;
    }
  }
  let closed = false;
  const source: RowSource = {
    columns,
    chunks: chunks(),
    async close() {
      closed = true;
      // Ends the text generator, which ends the read stream and closes its file.
      await reader.return?.();
    },
  };
  csvDelimiters.set(source, delimiter);
  return source;
}

async function jsonLinesSource(text: AsyncIterable<string>, named: readonly string[], lookahead: number): Promise<RowSource> {
  const lines = lineChunks(text)[Symbol.asyncIterator]();
  // Non-blank lines read ahead: the look-ahead, and the rest of the chunk it ended in.
  let pending: string[] = [];
  let ended = false;
  const readMore = async (): Promise<boolean> => {
    const next = await lines.next();
    if (next.done) {
      ended = true;
      return false;
    }
    for (const line of next.value) if (line.trim() !== '') pending.push(line);
    return true;
  };
  // The columns: every key of the first `lookahead` lines (or JSONL_LOOKAHEAD_CHARS of them), in
  // order of first appearance — counted in lines, not chunks, so the same input always gives the
  // same columns (a resume's fingerprint depends on them).
  const keys = new Set<string>();
  let scanned = 0;
  let chars = 0;
  while (scanned < Math.max(1, lookahead) && chars < JSONL_LOOKAHEAD_CHARS) {
    if (scanned === pending.length && !(await readMore())) break;
    if (scanned === pending.length) continue;
    const line = pending[scanned]!;
    const obj = parseJsonObject(line);
    if (obj === undefined && scanned === 0) throw new InputError('the first JSON line is not an object');
    if (obj !== undefined) for (const key of Object.keys(obj)) keys.add(key);
    chars += line.length;
    scanned++;
  }
  if (scanned === 0) throw new InputError('the input is empty: no JSON object');
  // Whether lines follow the look-ahead (reads at most until the next non-blank line).
  while (pending.length === scanned && !ended) await readMore();
  const wholeInput = pending.length === scanned;

  const seen = [...keys];
  // Keys named by the caller (--map) that the look-ahead lacks: columns too, read where they appear.
  // When the look-ahead was the whole input, a missing name is an error of the mapping, not a late key.
  const namedLater = wholeInput ? [] : [...new Set(named.filter((n) => n !== '' && findColumn(seen, n) < 0))];
  const columns = [...seen, ...namedLater];
  const exact = new Map(columns.map((c, i) => [c, i] as const));
  const report = new KeyTracker(scanned, wholeInput, namedLater, seen.length);

  let rowNumber = 0;
  const toRow = (line: string): SourceRow => {
    rowNumber++;
    const obj = parseJsonObject(line);
    if (obj === undefined) return { parseError: 'not a JSON object' };
    const row = new Array<string>(columns.length);
    let found = 0;
    for (let i = 0; i < columns.length; i++) {
      const key = columns[i]!;
      if (Object.hasOwn(obj, key)) {
        found++;
        row[i] = cellText(obj[key]);
        if (i >= seen.length) report.sawColumn(i);
      } else row[i] = '';
    }
    // Keys outside the columns (rare): a named one written differently, or a key to report.
    const keys = Object.keys(obj);
    if (keys.length > found) {
      for (const key of keys) {
        if (exact.has(key)) continue;
        const text = cellText(obj[key]);
        const index = report.lateIndex(key);
        if (index >= 0) {
          report.sawColumn(index);
          if (row[index] === '') row[index] = text;
        } else if (text !== '') report.unused(key, rowNumber);
      }
    }
    return row;
  };
  async function* chunks(): AsyncGenerator<readonly SourceRow[]> {
    const first = pending;
    pending = [];
    if (first.length > 0) yield first.map(toRow);
    for (;;) {
      const next = await lines.next();
      if (next.done) return;
      const rows = next.value.filter((line) => line.trim() !== '').map(toRow);
      if (rows.length > 0) yield rows;
    }
  }
  return {
    columns,
    chunks: chunks(),
    jsonKeys: report,
    async close() {
      await lines.return?.(undefined);
    },
  };
}

/** What JSON lines had outside the look-ahead's columns; bounded whatever the input. */
class KeyTracker implements JsonKeyReport {
  readonly #unused = new Map<string, { key: string; rows: number; firstRow: number }>();
  #moreRows = 0;
  /** Late key → index of the named column it matches (-1: none); cleared when large. */
  readonly #late = new Map<string, number>();
  readonly #namedSeen: boolean[];

  constructor(
    readonly lookaheadLines: number,
    readonly wholeInput: boolean,
    readonly namedLater: readonly string[],
    /** Index of the first named column among the columns. */
    readonly namedFrom: number,
  ) {
    this.#namedSeen = namedLater.map(() => false);
  }

  /** The column a key outside the exact names feeds: a named one matched case- and punctuation-insensitively, or -1. */
  lateIndex(key: string): number {
    if (this.namedLater.length === 0) return -1;
    let index = this.#late.get(key);
    if (index === undefined) {
      const i = findColumn(this.namedLater, key);
      index = i < 0 ? -1 : this.namedFrom + i;
      if (this.#late.size >= 1000) this.#late.clear();
      this.#late.set(key, index);
    }
    return index;
  }

  sawColumn(index: number): void {
    if (index >= this.namedFrom) this.#namedSeen[index - this.namedFrom] = true;
  }

  unused(key: string, row: number): void {
    const known = this.#unused.get(key);
    if (known !== undefined) known.rows++;
    else if (this.#unused.size < MAX_UNUSED_KEYS) this.#unused.set(key, { key, rows: 1, firstRow: row });
    else this.#moreRows++;
  }

  unusedKeys(): readonly UnusedKey[] {
    return [...this.#unused.values()].map((u) => ({ ...u }));
  }

  moreUnusedRows(): number {
    return this.#moreRows;
  }

  namedNotSeen(): readonly string[] {
    return this.namedLater.filter((_, i) => !this.#namedSeen[i]);
  }
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Numbers and booleans become text; null, missing, objects and arrays become "" (not a usable identifier). */
function cellText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return '';
}

/** Complete lines, grouped per input chunk. */
async function* lineChunks(text: AsyncIterable<string>): AsyncGenerator<string[]> {
  let carry = '';
  for await (const chunk of text) {
    const lines = (carry + chunk).split('\n');
    carry = lines.pop() ?? '';
    if (lines.length > 0) yield lines;
  }
  if (carry !== '') yield [carry];
}

async function* prepend(head: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  try {
    if (head !== '') yield head;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Stopped early (RowSource.close): stop the underlying stream too.
    await rest.return?.();
  }
}

async function* textOf(stream: NodeJS.ReadableStream): AsyncGenerator<string> {
  stream.setEncoding('utf8');
  for await (const chunk of stream) yield typeof chunk === 'string' ? chunk : chunk.toString('utf8');
}

/** Rows given in memory (programmatic use, tests, benchmarks). */
export function rowSourceFromArrays(
  columns: readonly string[],
  rows: Iterable<readonly string[]> | AsyncIterable<readonly string[]>,
  chunkSize = 1000,
): RowSource {
  async function* chunks(): AsyncGenerator<readonly SourceRow[]> {
    let chunk: (readonly string[])[] = [];
    for await (const row of rows) {
      chunk.push(row);
      if (chunk.length >= chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }
  return { columns, chunks: chunks() };
}
