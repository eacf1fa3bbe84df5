/**
 * The uploader's worker path for large CSV files: parse, normalise and hash
 * on two worker threads, in input order.
 *
 * The main thread reads the file in chunks of about 2 MB cut at record
 * boundaries (record-boundary.ts mirrors the CSV parser in raw bytes, so
 * quoted newlines are never cut), and hands chunk i to worker i mod 2 as a
 * transferred buffer. Each worker hashes its chunks in the order it gets them;
 * replies are yielded by chunk index, so rows come out in file order and the
 * uploader numbers them and cuts batches exactly as on its own thread. Two
 * independent workers, rather than a pool fed row by row, follow
 * spec/machine-limits.md §1 (≈ 1.7× one core vs ≈ 1.3×).
 *
 * Memory is bounded: at most `inFlight` chunks are read ahead of the one the
 * uploader is consuming, and the uploader consumes only as fast as batches
 * leave (its own back-pressure on HTTP concurrency). Buffers go round rather
 * than being made anew: each chunk's buffer comes back with its reply and is
 * read into again, and rows the uploader has released go back to the workers
 * with the next chunks, for them to write into (encoded-rows.ts).
 */
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { CsvFile } from '../input/row-source.js';
import { lastRecordEnd, recordEnd } from '../input/record-boundary.js';
import type { MappingTarget } from '../normalize/schema-keys.js';
import { EncodedRows } from './encoded-rows.js';
import type { ChunkReply, ChunkRequest, HashWorkerSettings } from './hash-worker-protocol.js';
import { hashWorkerScript } from './hash-worker-script.js';

/** Released row buffers sent back with one chunk: about one comes free per chunk consumed; two let a backlog drain. */
const SPARES_PER_CHUNK = 2;

export interface HashedChunk {
  readonly records: number;
  /**
   * Accepted rows, in order, as the JSON a request body carries. The consumer holds them: it
   * releases them when done, and each batch that sends some holds them until it releases them.
   */
  readonly rows: EncodedRows;
  /** Whether the worker wrote these rows into a buffer given back (released) earlier, not a new one. */
  readonly reused: boolean;
  /** [position among the chunk's records, reason], ascending. */
  readonly rejects: ReadonlyArray<readonly [number, string]>;
  readonly invalid: Partial<Record<MappingTarget, number>>;
  /** A CSV syntax error after this chunk's records (end of input). */
  readonly error?: string | undefined;
}

export interface HashedChunkOptions {
  readonly chunkBytes?: number | undefined;
  readonly workers?: number | undefined;
  /** Chunks read and handed out ahead of the one being consumed. */
  readonly inFlight?: number | undefined;
}

/** The data records of a CSV file (header skipped), parsed, normalised and hashed on worker threads. */
export async function* hashedChunks(
  file: CsvFile,
  settings: Omit<HashWorkerSettings, 'delimiter'>,
  options: HashedChunkOptions = {},
): AsyncGenerator<HashedChunk> {
  const chunkBytes = options.chunkBytes ?? 128 << 10;
  const workerCount = options.workers ?? 2;
  const inFlight = Math.max(workerCount, options.inFlight ?? 4 * workerCount);
  const delimiter = file.delimiter.charCodeAt(0);
  const handle = await open(file.path, 'r');
  const lanes: Lane[] = [];
  try {
    let position = 0;
    const read = async (into: Buffer, at: number, length = into.length - at): Promise<number> => {
      const { bytesRead } = await handle.read(into, at, length, position);
      position += bytesRead;
      return bytesRead;
    };
    /** Chunk buffers back from the workers, to read into again. */
    const readBuffers: ArrayBuffer[] = [];
    /** Row buffers the consumer released, to go back to the workers. */
    const spareRows: ArrayBuffer[] = [];
    // A chunk without accepted rows has an empty buffer: nothing to write into.
    const giveBack = (buffer: ArrayBuffer): void => void (buffer.byteLength > 0 && spareRows.push(buffer));
    const afterHeader = await skipHeader(read, chunkBytes, delimiter);
    if (afterHeader === undefined) return;
    let carry: Buffer = afterHeader;
    const script = await hashWorkerScript();
    for (let i = 0; i < workerCount; i++) lanes.push(new Lane(script, { ...settings, delimiter: file.delimiter }));

    let eof = false;
    let nextToSend = 0;
    let nextToYield = 0;
    const replies = new Map<number, Promise<ChunkReply>>();
    /** Reads the next chunk of whole records and hands it to its worker. */
    const sendNext = async (): Promise<void> => {
      for (;;) {
        const buf = readBuffer(readBuffers, carry.length + chunkBytes, 2 * chunkBytes);
        carry.copy(buf, 0);
        const bytesRead = await read(buf, carry.length, chunkBytes);
        const length = carry.length + bytesRead;
        let cut = length;
        if (bytesRead === 0) {
          eof = true;
        } else {
          cut = lastRecordEnd(buf.subarray(0, length), delimiter);
          if (cut === 0) {
            carry = buf.subarray(0, length); // a record longer than a chunk: read on
            continue;
          }
        }
        carry = Buffer.from(buf.subarray(cut, length));
        const index = nextToSend++;
        const spares = spareRows.splice(0, SPARES_PER_CHUNK);
        const reply = lanes[index % lanes.length]!.send({ index, buffer: buf.buffer as ArrayBuffer, length: cut, final: eof, spares });
        reply.catch(() => undefined); // awaited in order below; a worker failure must not go unhandled meanwhile
        replies.set(index, reply);
        return;
      }
    };
    for (;;) {
      while (!eof && replies.size < inFlight) await sendNext();
      const reply = replies.get(nextToYield);
      if (reply === undefined) return;
      const answer = await reply;
      replies.delete(nextToYield++);
      readBuffers.push(answer.input);
      yield {
        records: answer.records,
        rows: new EncodedRows(answer.rows, answer.offsets, giveBack),
        reused: answer.reused,
        rejects: answer.rejects,
        invalid: answer.invalid,
        error: answer.error,
      };
    }
  } finally {
    await Promise.all(lanes.map((lane) => lane.stop()));
    await handle.close();
  }
}

/**
 * A buffer of its own (unpooled, so that it can be transferred) of at least `size` bytes: one that
 * came back from a worker when one is large enough, else a new one of `size` or `usual` bytes.
 */
function readBuffer(pool: ArrayBuffer[], size: number, usual: number): Buffer {
  while (pool.length > 0) {
    const buffer = pool.pop()!;
    if (buffer.byteLength >= size) return Buffer.from(buffer);
  }
  return Buffer.allocUnsafeSlow(Math.max(size, usual));
}

/**
 * Reads past a BOM, blank lines and the header record (already parsed by the
 * row source); returns the bytes read after it, or undefined when the file
 * holds no more.
 */
async function skipHeader(
  read: (into: Buffer, at: number) => Promise<number>,
  chunkBytes: number,
  delimiter: number,
): Promise<Buffer | undefined> {
  let buf = Buffer.alloc(0);
  let start = 0;
  let first = true;
  for (;;) {
    const record = recordEnd(buf, start, delimiter);
    if (record !== undefined) {
      start = record.end;
      if (!record.blank) return Buffer.from(buf.subarray(start));
      continue;
    }
    const more = Buffer.allocUnsafe(buf.length + chunkBytes);
    buf.copy(more, 0);
    const bytesRead = await read(more, buf.length);
    if (bytesRead === 0) return undefined; // the header is the last record
    buf = more.subarray(0, buf.length + bytesRead);
    if (first && buf.length >= 3) {
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    }
  }
}

/** One worker and its replies, which come back in the order the chunks were sent. */
class Lane {
  readonly #worker: Worker;
  readonly #waiting: Array<{ resolve: (reply: ChunkReply) => void; reject: (error: unknown) => void }> = [];
  #failed: unknown;

  constructor(script: string, settings: HashWorkerSettings) {
    this.#worker = new Worker(script, {
      eval: true,
      workerData: settings,
      // Not the parent's flags: under `node --import tsx` (tests, benches) a worker would load tsx for nothing.
      execArgv: [],
      // Each worker holds a few chunks at a time; a capped heap keeps V8 from growing it lazily to hundreds of MB.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    this.#worker.on('message', (reply: ChunkReply) => this.#waiting.shift()?.resolve(reply));
    const fail = (error: unknown): void => {
      this.#failed ??= error;
      for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`a hashing worker exited (code ${code})`)));
  }

  /** Sends a chunk; its buffer and spares are transferred. */
  send(request: ChunkRequest): Promise<ChunkReply> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#worker.postMessage(request, [request.buffer, ...(request.spares ?? [])]);
    });
  }

  async stop(): Promise<void> {
    this.#failed ??= new Error('stopped');
    await this.#worker.terminate();
  }
}
