/**
 * A hashing worker of the uploader (see hashed-chunks.ts): receives chunks of
 * whole CSV records as transferred bytes, parses, normalises and hashes them
 * with the very code the in-thread path uses, and answers per chunk with the
 * accepted rows as the JSON a request body carries (one string to clone
 * instead of thousands, and nothing left to encode on the main thread), the
 * rejected rows' positions and reasons, and the invalid values it counted.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CsvParser } from '../input/csv-parser.js';
import { isRejection, RowNormalizer } from '../normalize/row-normalizer.js';
import { UNHASHED_KEYS } from '../normalize/schema-keys.js';
import type { MappingTarget } from '../normalize/schema-keys.js';
import type { ChunkReply, ChunkRequest, HashWorkerSettings } from './hash-worker-protocol.js';

const settings = workerData as HashWorkerSettings;
const port = parentPort!;
const normalizer = new RowNormalizer({
  mapping: settings.mapping,
  defaultCountry: settings.defaultCountry,
  slashDateOrder: settings.slashDateOrder,
  currentYear: settings.currentYear,
});

// Every value a digest or "" (no EXTERN_ID, no MADID): rows are ASCII that needs no escaping.
const plainText = !normalizer.schema.some((key) => UNHASHED_KEYS.has(key));
const [LEFT_BRACKET, RIGHT_BRACKET, QUOTE, COMMA] = [0x5b, 0x5d, 0x22, 0x2c];

port.on('message', (request: ChunkRequest) => {
  const reply = hashChunk(request);
  // The rows' bytes move to the main thread without a copy.
  port.postMessage(reply, [reply.rows.buffer as ArrayBuffer]);
});

function hashChunk({ index, buffer, length, final }: ChunkRequest): ChunkReply {
  const before = { ...normalizer.invalidValueCounts };
  const records: string[][] = [];
  let error: string | undefined;
  // A fresh parser per chunk: chunks hold whole records, and only the file's start may carry a BOM
  // (the main thread skips it with the header).
  // Read as latin1, decoded field by field: ASCII fields stay one byte wide (csv-parser.ts utf8AsLatin1).
  const parser = new CsvParser(settings.delimiter, { stripBom: false, utf8AsLatin1: true });
  try {
    parser.push(Buffer.from(buffer, 0, length).toString('latin1'), records);
    parser.finish(records);
  } catch (e) {
    if (!final) throw e;
    error = e instanceof Error ? e.message : String(e);
  }
  const rows: string[][] = [];
  const rejects: Array<[number, string]> = [];
  for (let i = 0; i < records.length; i++) {
    const outcome = normalizer.normalize(records[i]!);
    if (isRejection(outcome)) rejects.push([i, outcome.reason]);
    else rows.push(outcome);
  }
  const invalid: Partial<Record<MappingTarget, number>> = {};
  for (const [key, count] of Object.entries(normalizer.invalidValueCounts) as Array<[MappingTarget, number]>) {
    const added = count - (before[key] ?? 0);
    if (added > 0) invalid[key] = added;
  }
  return { index, records: records.length, ...encodeRows(rows), rejects, invalid, ...(error !== undefined && { error }) };
}

/**
 * Each row as the JSON the request body carries, joined by commas, as UTF-8
 * bytes in a buffer of their own (transferred, not copied), with where each
 * row starts: the main thread cuts batches at row boundaries and sends the
 * bytes as they are (graph/request-encoding.ts RawJson) — no string crosses
 * threads and nothing is encoded again for the socket.
 */
function encodeRows(rows: readonly string[][]): Pick<ChunkReply, 'rows' | 'offsets'> {
  return plainText ? encodeDigestRows(rows) : encodeTextRows(rows);
}

/**
 * Rows of digests and "" only: ASCII that needs no escaping, written byte by
 * byte into a buffer of the exact size. Building the same JSON as strings
 * (`'["' + row.join('","') + '"]'`, joined, then written) cost ≈ 1.7 µs a row
 * against ≈ 0.5 — as much as normalising the row (decision client-11).
 */
function encodeDigestRows(rows: readonly string[][]): Pick<ChunkReply, 'rows' | 'offsets'> {
  // `["a","b"]` plus the comma after it: 2 brackets, 2 quotes and 1 separator per value.
  let size = 0;
  for (const row of rows) {
    size += 2 + 3 * row.length;
    for (const value of row) size += value.length;
  }
  // Unpooled: a pooled slice's ArrayBuffer is shared and cannot be transferred.
  const bytes = Buffer.allocUnsafeSlow(size);
  const offsets = new Uint32Array(rows.length + 1);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    offsets[i] = at;
    bytes[at++] = LEFT_BRACKET;
    for (let j = 0; j < row.length; j++) {
      if (j > 0) bytes[at++] = COMMA;
      bytes[at++] = QUOTE;
      at += bytes.write(row[j]!, at, 'latin1');
      bytes[at++] = QUOTE;
    }
    bytes[at++] = RIGHT_BRACKET;
    bytes[at++] = COMMA;
  }
  offsets[rows.length] = at;
  return { rows: bytes.subarray(0, Math.max(0, at - 1)), offsets };
}

/** Rows with EXTERN_ID or MADID, the advertiser's own text: JSON.stringify escapes it, written as UTF-8. */
function encodeTextRows(rows: readonly string[][]): Pick<ChunkReply, 'rows' | 'offsets'> {
  const offsets = new Uint32Array(rows.length + 1);
  const parts = new Array<string>(rows.length);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const text = JSON.stringify(rows[i]);
    parts[i] = text;
    offsets[i] = at;
    at += Buffer.byteLength(text, 'utf8') + 1;
  }
  offsets[rows.length] = at;
  const bytes = Buffer.allocUnsafeSlow(Math.max(0, at - 1));
  bytes.write(parts.join(','), 0, 'utf8');
  return { rows: bytes, offsets };
}
