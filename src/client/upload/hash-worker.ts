/**
 * A hashing worker of the uploader (see hashed-chunks.ts): receives chunks of
 * whole CSV records as transferred bytes, parses, normalises and hashes them
 * with the very code the in-thread path uses, and answers per chunk with the
 * accepted rows (JSON text, one string to clone instead of thousands), the
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

const plainText = !normalizer.schema.some((key) => UNHASHED_KEYS.has(key));

port.on('message', (request: ChunkRequest) => port.postMessage(hashChunk(request)));

function hashChunk({ index, buffer, length, final }: ChunkRequest): ChunkReply {
  const before = { ...normalizer.invalidValueCounts };
  const records: string[][] = [];
  let error: string | undefined;
  // A fresh parser per chunk: chunks hold whole records, and only the file's start may carry a BOM
  // (the main thread skips it with the header).
  const parser = new CsvParser(settings.delimiter, { stripBom: false });
  try {
    parser.push(Buffer.from(buffer, 0, length).toString('utf8'), records);
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
 * Rows of digests joined by NUL: one string, which the main thread cuts with
 * one `split` — far cheaper on both sides than JSON. Unhashed keys (EXTERN_ID,
 * MADID) are the advertiser's own text and might hold a NUL, so a schema
 * with them goes as JSON.
 */
function encodeRows(rows: readonly string[][]): Pick<ChunkReply, 'rows' | 'encoding'> {
  if (!plainText) return { rows: JSON.stringify(rows), encoding: 'json' };
  const values: string[] = [];
  for (const row of rows) for (const value of row) values.push(value);
  return { rows: values.join('\u0000'), encoding: 'nul' };
}
