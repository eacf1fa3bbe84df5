/**
 * Input rows, streamed: CSV (any delimiter sniffed from the header) or JSON
 * lines, from a file or stdin. Memory stays constant whatever the input size:
 * rows are handed on in the chunks they were read in.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { CsvParser, sniffDelimiter } from './csv-parser.js';

/** A row that could not be parsed (bad JSON line); the uploader reports it by number. */
export interface UnparsableRow {
  readonly parseError: string;
}

export type SourceRow = readonly string[] | UnparsableRow;

export interface RowSource {
  /** Column names: the CSV header, or the keys of the first JSON object. */
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
  options: { format?: InputFormat | undefined; delimiter?: string | undefined; stdin?: NodeJS.ReadableStream | undefined } = {},
): Promise<RowSource> {
  const stream: AsyncIterable<string> =
    path === '-'
      ? textOf(options.stdin ?? process.stdin)
      : textOf(createReadStream(path, { highWaterMark: 1 << 20 }));
  const format = options.format ?? (path === '-' ? undefined : formatFromPath(path));
  const source = await openTextSource(stream, { format, delimiter: options.delimiter ?? (extname(path) === '.tsv' ? '\t' : undefined) });
  const delimiter = csvDelimiters.get(source);
  return path === '-' || delimiter === undefined ? source : { ...source, file: { path, delimiter } };
}

/** The delimiter of each CSV source, for openRowSource (kept off the public shape of text sources). */
const csvDelimiters = new WeakMap<RowSource, string>();

/**
 * A row source over text chunks. When `format` is not given, input whose
 * first non-blank character is `{` is JSON lines, anything else CSV.
 */
export async function openTextSource(
  text: AsyncIterable<string>,
  options: { format?: InputFormat | undefined; delimiter?: string | undefined } = {},
): Promise<RowSource> {
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
  if (format === 'jsonl') return jsonLinesSource(rest);
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

async function jsonLinesSource(text: AsyncIterable<string>): Promise<RowSource> {
  const lines = lineChunks(text)[Symbol.asyncIterator]();
  let first: Record<string, unknown> | undefined;
  let pending: string[] = [];
  // The first object's keys are the columns; later objects are read by those keys.
  while (first === undefined) {
    const next = await lines.next();
    if (next.done) throw new InputError('the input is empty: no JSON object');
    pending = next.value.filter((line) => line.trim() !== '');
    const line = pending[0];
    if (line === undefined) continue;
    const parsed = parseJsonObject(line);
    if (parsed === undefined) throw new InputError('the first JSON line is not an object');
    first = parsed;
  }
  const columns = Object.keys(first);
  const toRow = (line: string): SourceRow => {
    const obj = parseJsonObject(line);
    if (obj === undefined) return { parseError: 'not a JSON object' };
    return columns.map((key) => cellText(obj[key]));
  };
  async function* chunks(): AsyncGenerator<readonly SourceRow[]> {
    yield pending.map(toRow);
    for (;;) {
      const next = await lines.next();
      if (next.done) return;
      const rows = next.value.filter((line) => line.trim() !== '').map(toRow);
      if (rows.length > 0) yield rows;
    }
  }
  return { columns, chunks: chunks() };
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
