/**
 * The uploader's core: rows in, batches of normalised and hashed rows out,
 * sent in one session through an injectable transport.
 *
 * The session rules it follows (spec/custom-audience-users.md §4):
 * - one `session_id` for the whole upload (add, remove and replace alike),
 *   `batch_seq` 1, 2, 3 … in input order;
 * - up to `concurrency` batches in flight, but the batch with
 *   `last_batch_flag: true` goes only after every other batch is acknowledged,
 *   since it closes the session and later batches would be discarded;
 * - replace: batch 1 starts the replace, so it goes alone and must be
 *   acknowledged before any other (and a retry of batch 1 is harmless then);
 * - a failed batch is retried with the same body, hence the same `batch_seq`;
 * - every acknowledged batch is recorded (row range only) so `--resume` can
 *   skip it.
 * Normalising and hashing run on this thread for stdin and small files
 * (docs/decisions/client-04-uploader-hashes-on-main-thread.md); CSV files
 * above 1 MB are parsed, normalised and hashed on two worker threads
 * (hashed-chunks.ts, docs/decisions/client-10-hashing-workers.md), with the
 * same rows, rejects, row numbers and batches.
 */
import { stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CsvSyntaxError } from '../input/csv-parser.js';
import { guessMapping } from '../input/column-mapping.js';
import type { RowSource } from '../input/row-source.js';
import { realSleep, retryDelay } from '../graph/retry-policy.js';
import { GraphApiError } from '../graph/graph-api-error.js';
import type { AudienceUploadSession, AudienceUsersResponse } from '../graph/wire-types.js';
import { JsonRows } from '../graph/request-encoding.js';
import { isRejection, RowNormalizer } from '../normalize/row-normalizer.js';
import { BatchAssembler } from './batch-assembler.js';
import { hashedChunks } from './hashed-chunks.js';
import type { MappingTarget } from '../normalize/schema-keys.js';
import type { AckedBatch, Batch } from './batch-assembler.js';
import { randomSessionId } from './session-id.js';
import type { UploadState } from './upload-state.js';
import { ResumeRefusedError, UploadFailedError } from './upload-types.js';
import type { RowProblem, UploadOptions, UploadResult } from './upload-types.js';

export { ResumeRefusedError, UploadFailedError } from './upload-types.js';
export type { RowProblem, UploadOptions, UploadProgress, UploadResult, UploadRetryEvent } from './upload-types.js';

/** Meta: "only a maximum of 10000 at a time". */
export const MAX_BATCH_SIZE = 10_000;
/** CSV files larger than this are hashed on worker threads (`workers: 'auto'`). */
export const WORKER_THRESHOLD_BYTES = 1 << 20;
const MAX_SAMPLES = 100;

export async function uploadRows(source: RowSource, options: UploadOptions): Promise<UploadResult> {
  return new Upload(source, options).run();
}

class Upload {
  readonly #source: RowSource;
  readonly #o: UploadOptions;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #withSession: boolean;
  readonly #started: number;
  #normalizer!: RowNormalizer;
  #mapping!: NonNullable<UploadOptions['mapping']>;
  #state: UploadState | undefined;
  #sessionId: number | undefined;
  #acked: AckedBatch[] = [];
  #pausedUntil = 0;
  #failure: { error: unknown; seq: number | undefined } | undefined;
  readonly #inFlight = new Map<number, Promise<void>>();
  #firstBatchAcked: Promise<void> = Promise.resolve();
  #markFirstBatchAcked: () => void = () => {};
  // Counters for progress and the result.
  #rowsRead = 0;
  #rowsSkipped = 0;
  #rowsRejected = 0;
  #rowsSent = 0;
  #batchesSent = 0;
  #retries = 0;
  #serverReceivedSum = 0;
  #serverReceivedMax = 0;
  #serverInvalid = 0;
  readonly #rejectSamples: RowProblem[] = [];
  readonly #rejectReasons: Record<string, number> = {};
  readonly #serverSamples: RowProblem[] = [];

  constructor(source: RowSource, options: UploadOptions) {
    this.#source = source;
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#batchSize = options.batchSize ?? MAX_BATCH_SIZE;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1 || this.#batchSize > MAX_BATCH_SIZE) {
      throw new RangeError(`batch size must be 1–${MAX_BATCH_SIZE} rows`);
    }
    this.#concurrency = Math.max(1, options.concurrency ?? 2);
    // Removals too: DELETE /{id}/users takes `session` like POST (codegen CustomAudience.json,
    // D-users), so a retried removal batch is de-duplicated and the removal is one session.
    this.#withSession = options.withSession ?? true;
    if (options.operation === 'replace' && !this.#withSession) throw new RangeError('replace needs a session');
    this.#started = this.#now();
  }

  async run(): Promise<UploadResult> {
    const mapping = (this.#mapping = this.#o.mapping ?? guessMapping(this.#source.columns).mapping);
    this.#normalizer = new RowNormalizer({
      mapping,
      defaultCountry: this.#o.defaultCountry,
      slashDateOrder: this.#o.slashDateOrder,
      currentYear: this.#o.currentYear,
    });
    const previous = await this.#loadState();
    if (previous?.completed === true) {
      await this.#source.close?.();
      return this.#result(true);
    }
    if (this.#o.operation === 'replace' && !this.#acked.some((b) => b.seq === 1)) {
      this.#firstBatchAcked = new Promise((resolve) => (this.#markFirstBatchAcked = resolve));
    }
    const last = await this.#sendAllButLast();
    await this.#drain();
    this.#throwIfFailed();
    if (last !== undefined) {
      await this.#dispatch(last, true);
      await this.#drain();
      this.#throwIfFailed();
    }
    if (this.#state !== undefined && last !== undefined) await this.#saveState({ completed: true });
    return this.#result(false);
  }

  /** Reads the input, sends every batch but the last, and returns the last one (held back). */
  async #sendAllButLast(): Promise<Batch | undefined> {
    const assembler = new BatchAssembler(this.#batchSize, this.#acked);
    let held: Batch | undefined;
    const emit = async (batch: Batch): Promise<void> => {
      if (held !== undefined) await this.#dispatch(held, false);
      held = batch;
      // Let responses of in-flight batches be processed between two batches of hashing.
      await nextTurn();
    };
    if (await this.#useWorkers()) {
      if (!(await this.#hashOnWorkers(assembler, emit))) return undefined;
      const partial = assembler.close();
      if (partial !== undefined) await emit(partial);
      return held;
    }
    for await (const chunk of this.#source.chunks) {
      for (const row of chunk) {
        const rowNumber = ++this.#rowsRead;
        if (assembler.isAcknowledged(rowNumber)) {
          this.#rowsSkipped++;
          continue;
        }
        if (!Array.isArray(row)) {
          this.#reject(rowNumber, `unreadable row: ${(row as { parseError: string }).parseError}`);
          continue;
        }
        const outcome = this.#normalizer.normalize(row);
        if (isRejection(outcome)) {
          this.#reject(rowNumber, outcome.reason);
          continue;
        }
        const full = assembler.add(rowNumber, outcome);
        if (full !== undefined) await emit(full);
      }
      this.#progress();
      if (this.#failure !== undefined || this.#o.signal?.aborted === true) return undefined;
    }
    const partial = assembler.close();
    if (partial !== undefined) await emit(partial);
    return held;
  }

  /**
   * The worker path: a CSV file on disk, large enough to pay for starting two
   * workers, and no resume of acknowledged batches (resumed rows are skipped
   * before normalising, which only this thread's path does row by row; the
   * batches are the same either way).
   */
  async #useWorkers(): Promise<boolean> {
    const mode = this.#o.workers ?? 'auto';
    const file = this.#source.file;
    if (mode === 'off' || file === undefined || this.#acked.length > 0) return false;
    if (file.delimiter.length !== 1 || file.delimiter.charCodeAt(0) > 127) return false;
    return mode === 'on' || (await stat(file.path)).size > WORKER_THRESHOLD_BYTES;
  }

  /** Rows from the hashing workers, numbered and batched here in file order. False when stopped early. */
  async #hashOnWorkers(assembler: BatchAssembler, emit: (batch: Batch) => Promise<void>): Promise<boolean> {
    const file = this.#source.file!;
    await this.#source.close?.(); // the workers' reader replaces the row source's stream
    const settings = {
      mapping: this.#mapping,
      defaultCountry: this.#o.defaultCountry,
      slashDateOrder: this.#o.slashDateOrder,
      currentYear: this.#o.currentYear ?? new Date().getUTCFullYear(),
    };
    const invalid = this.#normalizer.invalidValueCounts;
    for await (const chunk of hashedChunks(file, settings, this.#o.workerChunkBytes === undefined ? {} : { chunkBytes: this.#o.workerChunkBytes })) {
      let nextReject = 0;
      let nextRow = 0;
      for (let i = 0; i < chunk.records; i++) {
        const rowNumber = ++this.#rowsRead;
        const reject = chunk.rejects[nextReject];
        if (reject !== undefined && reject[0] === i) {
          nextReject++;
          this.#reject(rowNumber, reject[1]);
          continue;
        }
        const full = assembler.addEncoded(rowNumber, chunk.rows, nextRow++);
        if (full !== undefined) await emit(full);
      }
      for (const [key, count] of Object.entries(chunk.invalid) as Array<[MappingTarget, number]>) {
        invalid[key] = (invalid[key] ?? 0) + count;
      }
      if (chunk.error !== undefined) throw new CsvSyntaxError(chunk.error);
      this.#progress();
      if (this.#failure !== undefined || this.#o.signal?.aborted === true) return false;
    }
    return true;
  }

  /** Starts sending a batch once a slot is free. */
  async #dispatch(batch: Batch, isLast: boolean): Promise<void> {
    while (this.#inFlight.size >= this.#concurrency) await Promise.race(this.#inFlight.values());
    if (this.#failure !== undefined) return;
    if (batch.seq !== 1) {
      await this.#firstBatchAcked;
      if (this.#failure !== undefined) return;
    }
    const sending = this.#send(batch, isLast)
      .then((response) => this.#acknowledge(batch, response))
      .catch((error: unknown) => {
        this.#failure ??= { error, seq: batch.seq };
        this.#markFirstBatchAcked(); // release waiters; they check #failure
      });
    const tracked = sending.finally(() => this.#inFlight.delete(batch.seq));
    this.#inFlight.set(batch.seq, tracked);
    // For replace, batch 1 is sent alone: nothing else leaves before it is acknowledged.
    if (this.#o.operation === 'replace' && batch.seq === 1) await tracked;
  }

  async #send(batch: Batch, isLast: boolean): Promise<AudienceUsersResponse> {
    const transport = this.#o.transport;
    const { operation, audienceId } = this.#o;
    const session = this.#session(batch, isLast);
    // Rows the workers wrote as JSON go as they are when the transport can take them (graphTransport can).
    const sendOnce =
      batch.json !== undefined && transport.sendEncoded !== undefined
        ? transport.sendEncoded.bind(transport, { operation, audienceId, body: withSession({ schema: this.#normalizer.schema, data: new JsonRows(batch.json, batch.size) }, session) })
        : transport.send.bind(transport, { operation, audienceId, body: withSession({ schema: this.#normalizer.schema, data: batch.data }, session) });
    for (let attempt = 1; ; attempt++) {
      const wait = this.#pausedUntil - this.#now();
      if (wait > 0) await this.#sleep(wait);
      try {
        return await sendOnce();
      } catch (error) {
        const next = retryDelay(error, attempt, this.#o.retry ?? {}, this.#random);
        if (next === undefined || !(error instanceof GraphApiError)) throw error;
        this.#retries++;
        this.#o.onRetry?.({ batchSeq: batch.seq, attempt, delayMs: next.delayMs, throttled: next.throttled, error });
        if (next.throttled) {
          // A throttle applies to the ad account, not this batch: hold every batch until it lifts.
          this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + next.delayMs);
        } else {
          await this.#sleep(next.delayMs);
        }
      }
    }
  }

  #session(batch: Batch, isLast: boolean): AudienceUploadSession | undefined {
    if (!this.#withSession || this.#sessionId === undefined) return undefined;
    return {
      session_id: this.#sessionId,
      batch_seq: batch.seq,
      last_batch_flag: isLast,
      ...(this.#o.estimatedTotal !== undefined && { estimated_num_total: this.#o.estimatedTotal }),
    };
  }

  async #acknowledge(batch: Batch, response: AudienceUsersResponse): Promise<void> {
    this.#batchesSent++;
    this.#rowsSent += batch.size;
    const received = Number(response.num_received) || 0;
    this.#serverReceivedSum += received;
    this.#serverReceivedMax = Math.max(this.#serverReceivedMax, received);
    this.#serverInvalid += Number(response.num_invalid_entries) || 0;
    this.#collectServerSamples(batch, response);
    this.#acked.push({
      seq: batch.seq,
      firstRow: batch.rowNumbers[0] ?? 0,
      lastRow: batch.rowNumbers[batch.rowNumbers.length - 1] ?? 0,
      rows: batch.size,
    });
    if (batch.seq === 1) this.#markFirstBatchAcked();
    if (this.#state !== undefined) await this.#saveState({});
    this.#progress();
  }

  /** Server samples are keyed by the row as sent (JSON); trace each back to its input row number. */
  #collectServerSamples(batch: Batch, response: AudienceUsersResponse): void {
    const samples = response.invalid_entry_samples;
    if (samples === undefined || this.#serverSamples.length >= MAX_SAMPLES) return;
    if (Array.isArray(samples)) {
      for (const _ of samples) this.#serverSamples.push({ row: undefined, reason: 'invalid entry' });
      return;
    }
    const entries = Object.entries(samples as Record<string, string>);
    if (entries.length === 0) return;
    const byKey = new Map<string, number>();
    batch.data.forEach((row, i) => byKey.set(JSON.stringify(row), batch.rowNumbers[i]!));
    for (const [key, reason] of entries) {
      if (this.#serverSamples.length >= MAX_SAMPLES) break;
      this.#serverSamples.push({ row: byKey.get(key), reason: String(reason) });
    }
  }

  async #drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.race(this.#inFlight.values());
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) {
      const { error, seq } = this.#failure;
      const message = error instanceof Error ? error.message : String(error);
      throw new UploadFailedError(`batch ${seq ?? '?'} failed: ${message}`, this.#result(false), seq, { cause: error });
    }
    if (this.#o.signal?.aborted === true) {
      throw new UploadFailedError('upload interrupted', this.#result(false), undefined, { cause: this.#o.signal.reason });
    }
  }

  #reject(row: number, reason: string): void {
    this.#rowsRejected++;
    this.#rejectReasons[reason] = (this.#rejectReasons[reason] ?? 0) + 1;
    if (this.#rejectSamples.length < MAX_SAMPLES) this.#rejectSamples.push({ row, reason });
  }

  async #loadState(): Promise<UploadState | undefined> {
    const store = this.#o.stateStore;
    const previous = this.#o.resume === true && store !== undefined ? await store.load() : undefined;
    if (previous !== undefined) {
      const problem = this.#resumeProblem(previous);
      if (problem !== undefined) throw new ResumeRefusedError(problem);
      this.#state = previous;
      this.#sessionId = previous.sessionId;
      this.#acked = [...previous.acked];
      return previous;
    }
    if (this.#o.resume === true && store === undefined) throw new ResumeRefusedError('resume needs a state store');
    this.#sessionId = this.#withSession ? (this.#o.sessionId ?? randomSessionId()) : undefined;
    if (store !== undefined) {
      const at = new Date(this.#now()).toISOString();
      this.#state = {
        version: 1,
        operation: this.#o.operation,
        audienceId: this.#o.audienceId,
        sessionId: this.#sessionId ?? 0,
        fingerprint: this.#o.fingerprint ?? '',
        batchSize: this.#batchSize,
        acked: [],
        completed: false,
        startedAt: at,
        updatedAt: at,
      };
      await store.save(this.#state);
    }
    return undefined;
  }

  #resumeProblem(state: UploadState): string | undefined {
    if (state.operation !== this.#o.operation) return `the recorded upload is a ${state.operation}, not a ${this.#o.operation}`;
    if (state.audienceId !== this.#o.audienceId) return `the recorded upload went to audience ${state.audienceId}`;
    if (state.batchSize !== this.#batchSize) return `the recorded upload used batches of ${state.batchSize} rows`;
    if ((this.#o.fingerprint ?? '') !== state.fingerprint) {
      return 'the input file or the mapping/country options changed since the recorded upload';
    }
    return undefined;
  }

  async #saveState(change: Partial<Pick<UploadState, 'completed'>>): Promise<void> {
    if (this.#state === undefined || this.#o.stateStore === undefined) return;
    this.#state = {
      ...this.#state,
      acked: [...this.#acked].sort((a, b) => a.seq - b.seq),
      updatedAt: new Date(this.#now()).toISOString(),
      ...change,
    };
    await this.#o.stateStore.save(this.#state);
  }

  #progress(): void {
    this.#o.onProgress?.({
      rowsRead: this.#rowsRead,
      rowsSkipped: this.#rowsSkipped,
      rowsRejected: this.#rowsRejected,
      rowsSent: this.#rowsSent,
      batchesSent: this.#batchesSent,
      batchesInFlight: this.#inFlight.size,
    });
  }

  #result(alreadyCompleted: boolean): UploadResult {
    // `num_received` is documented as cumulative for the session; servers that
    // answer per request make the sum right, cumulative ones the maximum.
    const cumulative = this.#serverReceivedSum > this.#rowsSent;
    return {
      operation: this.#o.operation,
      audienceId: this.#o.audienceId,
      sessionId: this.#sessionId,
      schema: this.#normalizer.schema,
      rowsRead: this.#rowsRead,
      rowsSkipped: this.#rowsSkipped,
      rowsRejected: this.#rowsRejected,
      rejectSamples: this.#rejectSamples,
      rejectReasons: this.#rejectReasons,
      invalidValueCounts: { ...this.#normalizer.invalidValueCounts },
      rowsSent: this.#rowsSent,
      batchesSent: this.#batchesSent,
      retries: this.#retries,
      serverReceived: cumulative ? this.#serverReceivedMax : this.#serverReceivedSum,
      serverInvalid: this.#serverInvalid,
      serverInvalidSamples: this.#serverSamples,
      alreadyCompleted,
      durationMs: this.#now() - this.#started,
    };
  }
}

/** A body with its session, when the upload has one. */
function withSession<P>(payload: P, session: AudienceUploadSession | undefined): { payload: P; session?: AudienceUploadSession } {
  return session === undefined ? { payload } : { payload, session };
}
