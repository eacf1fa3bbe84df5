/**
 * One benchmark worker. `hash`: SHA-256 of pre-generated short strings (the
 * raw rate). `chunks`: read a byte range of the CSV in the uploader's chunks
 * and hash each as its workers do (chunk-hasher.ts: parse, normalise, hash and
 * write the request rows), with the native row hasher or without it.
 * `normalize`: the JavaScript normaliser alone, row by row. All wait for "go"
 * so the parent times the parallel phase alone.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { guessMapping } from '../../src/client/input/column-mapping.js';
import { CsvParser } from '../../src/client/input/csv-parser.js';
import { isRejection, RowNormalizer } from '../../src/client/normalize/row-normalizer.js';
import { sha256Hex } from '../../src/client/normalize/hash.js';
import { openRowSource } from '../../src/client/input/row-source.js';
import { uploadRows } from '../../src/client/upload/uploader.js';
import { ChunkHasher } from '../../src/client/upload/chunk-hasher.js';
import type { ChunkReply } from '../../src/client/upload/hash-worker-protocol.js';
import { nativeRowHasherPath } from '../../src/client/upload/native-row-hasher.js';
import { BENCH_COLUMNS, sampleStrings } from './bench-data.js';

export interface WorkerJob {
  readonly mode: 'hash' | 'normalize' | 'chunks' | 'pipeline';
  readonly path: string;
  readonly start: number;
  readonly end: number;
  /** hash mode: how many strings. */
  readonly count: number;
  readonly seed: number;
  readonly memoize: boolean;
  /** chunks mode: whether the native row hasher takes the rows it can (when it is built). */
  readonly native: boolean;
}

export interface WorkerReport {
  readonly rows: number;
  readonly rejected: number;
  readonly checksum: number;
  readonly ms: number;
}

// Worker data comes from normalize-bench.ts, which builds it from WorkerJob.
const job = workerData as WorkerJob & { entry: string };
const port = parentPort!;

/** The uploader's chunk size (hashed-chunks.ts). */
const CHUNK_BYTES = 128 << 10;

// The baseline cycles through a fixed pool so its memory does not grow with the row count.
const POOL = 65_536;
const prepared = job.mode === 'hash' ? sampleStrings(Math.min(POOL, job.count), job.seed) : [];
// Warm up, untimed, so the figures are steady-state throughput rather than JIT start-up:
// a pass over a few MB of the worker's own range (fresh normalizer for the timed run), or a short hash loop.
const WARM_UP_BYTES = 4 << 20;
if (job.mode === 'hash') hashAll(prepared, 100_000);
else if (job.mode === 'normalize') normalizeRange({ ...job, end: Math.min(job.end, job.start + WARM_UP_BYTES) }, false);
else if (job.mode === 'chunks') hashChunks({ ...job, end: Math.min(job.end, job.start + WARM_UP_BYTES) });
port.once('message', () => {
  const started = performance.now();
  const done = (report: Omit<WorkerReport, 'ms'>): void =>
    port.postMessage({ ...report, ms: performance.now() - started } satisfies WorkerReport);
  if (job.mode === 'pipeline') void uploaderPipeline(job.path).then(done);
  else done(job.mode === 'hash' ? hashAll(prepared, job.count) : job.mode === 'chunks' ? hashChunks(job) : normalizeRange(job));
});
port.postMessage('ready');

/** The uploader's own single-thread pipeline (read, parse, normalise, hash, batch) with a transport that answers at once. */
async function uploaderPipeline(path: string): Promise<Omit<WorkerReport, 'ms'>> {
  const result = await uploadRows(await openRowSource(path), {
    operation: 'add',
    audienceId: '1',
    transport: {
      async send({ body }) {
        return { num_received: body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
      },
    },
  });
  return { rows: result.rowsRead, rejected: result.rowsRejected, checksum: result.batchesSent };
}

function hashAll(pool: readonly string[], count: number): Omit<WorkerReport, 'ms'> {
  let checksum = 0;
  for (let i = 0; i < count; i++) checksum += sha256Hex(pool[i % pool.length]!).charCodeAt(0);
  return { rows: count, rejected: 0, checksum };
}

function normalizeRange({ path, start, end, memoize }: WorkerJob, complete = true): Omit<WorkerReport, 'ms'> {
  const normalizer = new RowNormalizer({ mapping: guessMapping(BENCH_COLUMNS).mapping, memoizeRepeatedValues: memoize });
  // As the uploader's workers read (chunk-hasher.ts): bytes as latin1, fields holding UTF-8 marked, decoded by the normaliser when not cached.
  // A record cut between two reads is carried by the parser, its bytes joined before they are marked.
  const parser = new CsvParser(',', { stripBom: false, utf8AsLatin1: true, markUtf8Fields: true });
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let rows = 0;
  let rejected = 0;
  let checksum = 0;
  let skipHeader = start === 0;
  // Each record normalised as the parser cuts it, as the uploader's workers do (chunk-hasher.ts).
  const records = {
    push(record: string[], utf8Fields: number): void {
      if (skipHeader) {
        skipHeader = false;
        return;
      }
      rows++;
      const outcome = normalizer.normalize(record, utf8Fields);
      if (isRejection(outcome)) rejected++;
      else for (const value of outcome) checksum += value.charCodeAt(0) | 0;
    },
  };
  try {
    for (let position = start; position < end; ) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, end - position), position);
      if (read === 0) break;
      position += read;
      parser.push(buffer.toString('latin1', 0, read), records);
    }
    // A warm-up stops mid-range, possibly mid-record: its tail is dropped.
    if (complete) parser.finish(records);
  } finally {
    closeSync(fd);
  }
  return { rows, rejected, checksum };
}

/**
 * The range in the uploader's chunks (whole lines: the bench file has no newline inside quotes),
 * each hashed by a fresh-per-job ChunkHasher as a worker does, the reply's buffers given back for
 * the next chunk as the main thread gives them back (encoded-rows.ts).
 */
function hashChunks({ path, start, end, native }: WorkerJob): Omit<WorkerReport, 'ms'> {
  // Not built (no compiler at install): the JavaScript path, as the uploader would run; the bench's note says so.
  const addon = native ? nativeRowHasherPath() : undefined;
  const hasher = new ChunkHasher({
    mapping: guessMapping(BENCH_COLUMNS).mapping,
    defaultCountry: undefined,
    slashDateOrder: undefined,
    currentYear: 2026,
    delimiter: ',',
    nativeRowHasher: addon,
  });
  const fd = openSync(path, 'r');
  let input = new ArrayBuffer(CHUNK_BYTES);
  let spare: ArrayBuffer | undefined;
  let rows = 0;
  let rejected = 0;
  let checksum = 0;
  try {
    let position = start;
    if (start === 0) {
      const head = Buffer.alloc(4096);
      position = head.subarray(0, readSync(fd, head, 0, head.length, 0)).indexOf(10) + 1; // the header
    }
    while (position < end) {
      const bytes = Buffer.from(input);
      const read = readSync(fd, bytes, 0, Math.min(bytes.length, end - position), position);
      if (read === 0) break;
      const cut = position + read === end ? read : bytes.subarray(0, read).lastIndexOf(10) + 1;
      position += cut;
      const reply: ChunkReply = hasher.hash({ index: 0, buffer: input, length: cut, final: position >= end, spares: spare === undefined ? [] : [spare] });
      rows += reply.records;
      rejected += reply.rejects.length;
      checksum += reply.rows[reply.rows.length >> 1] ?? 0;
      input = reply.input;
      spare = reply.rows.buffer as ArrayBuffer;
    }
  } finally {
    closeSync(fd);
  }
  return { rows, rejected, checksum };
}
