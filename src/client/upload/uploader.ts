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
 *   skip it;
 * - Graph ends a session 90 minutes after its first batch and discards later
 *   batches with a 200 answer: a resume of an add/remove whose session is older
 *   than 85 minutes continues in a new session (the remaining batches numbered
 *   from 1), a resume of such a replace is refused (Graph has already replaced
 *   the audience with what it got), and a batch the server reports as discarded
 *   (a `__debug__` warning, or `num_received` that did not grow) stops the upload.
 * Normalising and hashing run on this thread for stdin and small files
 * (docs/decisions/client-04-uploader-hashes-on-main-thread.md); CSV files
 * above 1 MB are parsed, normalised and hashed on two worker threads
 * (hashed-chunks.ts, docs/decisions/client-10-hashing-workers.md), with the
 * same rows, rejects, row numbers and batches.
 */
import { stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CsvSyntaxError } from '../input/csv-parser.js';
import { guessMapping, guessTarget } from '../input/column-mapping.js';
import type { RowSource } from '../input/row-source.js';
import { realSleep, retryDelay } from '../graph/retry-policy.js';
import { GraphApiError } from '../graph/graph-api-error.js';
import type { AudienceUploadSession, AudienceUsersResponse } from '../graph/wire-types.js';
import { JsonRows, usersBody } from '../graph/request-encoding.js';
import { isRejection, RowNormalizer } from '../normalize/row-normalizer.js';
import { BatchAssembler } from './batch-assembler.js';
import { hashedChunks } from './hashed-chunks.js';
import type { MappingTarget } from '../normalize/schema-keys.js';
import type { AckedBatch, Batch } from './batch-assembler.js';
import { randomSessionId } from './session-id.js';
import type { UploadState } from './upload-state.js';
import { ResumeRefusedError, SessionEndedError, UploadFailedError } from './upload-types.js';
import type { RowProblem, SessionChange, UploadOptions, UploadResult } from './upload-types.js';
import { nativeRowHasherPath } from './native-row-hasher.js';

export { ResumeRefusedError, SessionEndedError, UploadFailedError } from './upload-types.js';
export type { RowProblem, SessionChange, UploadOptions, UploadProgress, UploadResult, UploadRetryEvent } from './upload-types.js';

/** What the uploader knew when it sent a batch. */
interface SentBatch {
  /** The session's num_received as last seen. */
  readonly receivedBefore: number;
  /** 1 for the first batch dispatched in this run, 2 for the next… */
  readonly order: number;
  readonly isLast: boolean;
}

/** Meta: "only a maximum of 10000 at a time". */
export const MAX_BATCH_SIZE = 10_000;
/** CSV files larger than this are hashed on worker threads (`workers: 'auto'`). */
export const WORKER_THRESHOLD_BYTES = 1 << 20;
const MAX_SAMPLES = 100;
/**
 * localgraph's `__debug__` warnings about a session batch, word for word (src/audiences/upload.ts):
 * a batch after the session's end (group 1 the session id, group 2 why it ended), and a repeated
 * batch_seq (group 1 the session id; /users and /usersreplace, replace.ts). Matched whole, and only
 * for this upload's session: any other warning, from localgraph or from Graph, is not read as either.
 */
const DISCARDED = /^Session (\S+) has ended \((last_batch_flag|90 minutes after its first batch)\); this batch was discarded\.$/;
const REPEATED = /^Batch \d+ of (?:replace )?session (\S+) was already received; it was not counted again\.$/;
/** "we automatically terminate the session 90 minutes after we receive your first batch" (spec §4.1). */
export const SESSION_WINDOW_MS = 90 * 60_000;
/**
 * A resume continues a session only when it began less than this long ago: the margin leaves
 * time to re-read the file and send the remaining batches before Graph's window closes.
 */
export const SESSION_RESUME_LIMIT_MS = 85 * 60_000;

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
  /** When the current session began (ms). */
  #sessionStarted: number;
  /** Batches (file seq) acknowledged in earlier sessions; `batch_seq` skips them. */
  #earlierBatches: number[] = [];
  #earlierSessionIds: number[] = [];
  #sessionChange: SessionChange | undefined;
  /** Highest num_received of the current session, and whether Graph counts across the session. */
  #sessionReceived = 0;
  #cumulativeCounts = false;
  /** Batches (file seq) that may already have reached Graph unacknowledged: a repeat is no loss. */
  readonly #maybeRepeated = new Set<number>();
  /** Resumed in the same session: batches up to this seq may have been sent by the interrupted run. */
  #maybeSentThrough = 0;
  #acked: AckedBatch[] = [];
  /** Batches dispatched so far (their order), and answers not yet known to have been applied. */
  #dispatched = 0;
  readonly #unconfirmed: Array<{ batch: Batch; response: AudienceUsersResponse; answeredAfter: number }> = [];
  #pausedUntil = 0;
  #failure: { error: unknown; seq: number | undefined } | undefined;
  readonly #inFlight = new Map<number, Promise<void>>();
  /** Sending time (first dispatch to last answer), and the part of it with every slot taken (UploadResult.sending). */
  #sendingSince: number | undefined;
  #sendingEnd = 0;
  #slotsFullSince: number | undefined;
  #slotsFullMs = 0;
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
  /** JSON lines: keys outside the columns already reported by a notice; whether the input was read to its end. */
  #unusedNoticed = 0;
  #inputRead = false;

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
    this.#sessionStarted = this.#started;
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
    // Possible repeats that no later batch confirmed (the last batch itself, resent after a lost
    // answer): Graph had them before, nothing says otherwise.
    for (const u of this.#unconfirmed.splice(0)) this.#record(u.batch, u.response);
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
      this.#noticeUnusedKeys();
      this.#progress();
      if (this.#failure !== undefined || this.#o.signal?.aborted === true) return undefined;
    }
    this.#inputRead = true;
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
      nativeRowHasher: nativeRowHasherPath(),
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
      chunk.rows.release(); // the batches that send its rows hold them until they are applied
      for (const [key, count] of Object.entries(chunk.invalid) as Array<[MappingTarget, number]>) {
        invalid[key] = (invalid[key] ?? 0) + count;
      }
      if (chunk.error !== undefined) throw new CsvSyntaxError(chunk.error);
      this.#progress();
      if (this.#failure !== undefined || this.#o.signal?.aborted === true) return false;
    }
    return true;
  }

  /**
   * JSON lines: a key the columns do not have (it first appears after the look-ahead) carried a value
   * that is not used. Said once per key, when its first row is read, so a long upload does not hide it.
   */
  #noticeUnusedKeys(): void {
    const report = this.#source.jsonKeys;
    if (report === undefined) return;
    const keys = report.unusedKeys();
    for (const u of keys.slice(this.#unusedNoticed)) {
      const target = guessTarget(u.key);
      this.#o.onNotice?.(
        `row ${u.firstRow} has a key "${u.key}" that is not one of the columns (the columns are the keys of the first ` +
          `${report.lookaheadLines} lines), so its values are not used${target !== undefined ? ` (it looks like ${target})` : ''}. ` +
          `To use it, name it in --map with the other columns (${u.key}=${target ?? 'KEY'}).`,
      );
    }
    this.#unusedNoticed = keys.length;
  }

  /** Starts sending a batch once a slot is free. */
  async #dispatch(batch: Batch, isLast: boolean): Promise<void> {
    while (this.#inFlight.size >= this.#concurrency) await Promise.race(this.#inFlight.values());
    if (this.#failure !== undefined) return;
    if (batch.seq !== 1) {
      await this.#firstBatchAcked;
      if (this.#failure !== undefined) return;
    }
    const sent = { receivedBefore: this.#sessionReceived, order: ++this.#dispatched, isLast };
    const sending = this.#send(batch, isLast)
      .then((response) => this.#acknowledge(batch, response, sent))
      .catch((error: unknown) => {
        this.#failure ??= { error, seq: this.#batchSeq(batch.seq) };
        this.#markFirstBatchAcked(); // release waiters; they check #failure
      });
    const tracked = sending.finally(() => {
      this.#inFlight.delete(batch.seq);
      this.#sendingEnd = this.#now();
      if (this.#slotsFullSince !== undefined && this.#inFlight.size < this.#concurrency) {
        this.#slotsFullMs += this.#sendingEnd - this.#slotsFullSince;
        this.#slotsFullSince = undefined;
      }
    });
    this.#inFlight.set(batch.seq, tracked);
    this.#sendingSince ??= this.#now();
    if (this.#inFlight.size >= this.#concurrency) this.#slotsFullSince ??= this.#now();
    // For replace, batch 1 is sent alone: nothing else leaves before it is acknowledged.
    if (this.#o.operation === 'replace' && batch.seq === 1) await tracked;
  }

  async #send(batch: Batch, isLast: boolean): Promise<AudienceUsersResponse> {
    const transport = this.#o.transport;
    const { operation, audienceId } = this.#o;
    const session = this.#session(batch, isLast);
    // Rows the workers wrote as JSON go as they are when the transport can take them (graphTransport can).
    const schema = this.#normalizer.schema;
    const sendOnce =
      batch.json !== undefined && transport.sendEncoded !== undefined
        ? transport.sendEncoded.bind(transport, { operation, audienceId, body: usersBody({ schema, data: new JsonRows(batch.json, batch.size) }, session) })
        : transport.send.bind(transport, { operation, audienceId, body: usersBody({ schema, data: batch.data }, session) });
    for (let attempt = 1; ; attempt++) {
      const wait = this.#pausedUntil - this.#now();
      if (wait > 0) await this.#sleep(wait);
      try {
        return await sendOnce();
      } catch (error) {
        const next = retryDelay(error, attempt, this.#o.retry ?? {}, this.#random);
        if (next === undefined || !(error instanceof GraphApiError)) throw error;
        // No Graph answer (network, an HTML 5xx page): the batch may have been applied, so the
        // retry may be answered as a repeat, counts unchanged.
        if (error.kind !== 'graph') this.#maybeRepeated.add(batch.seq);
        this.#retries++;
        this.#o.onRetry?.({ batchSeq: this.#batchSeq(batch.seq), attempt, delayMs: next.delayMs, throttled: next.throttled, error });
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
    const estimate = this.#estimatedTotal();
    return {
      session_id: this.#sessionId,
      batch_seq: this.#batchSeq(batch.seq),
      last_batch_flag: isLast,
      ...(estimate !== undefined && { estimated_num_total: estimate }),
    };
  }

  /** The batch's number in the current session: its place in the file, less earlier sessions' batches. */
  #batchSeq(seq: number): number {
    let before = 0;
    for (const earlier of this.#earlierBatches) if (earlier < seq) before++;
    return seq - before;
  }

  /** `estimated_num_total` of the current session: the file's estimate less what earlier sessions took. */
  #estimatedTotal(): number | undefined {
    const total = this.#o.estimatedTotal;
    if (total === undefined || this.#earlierBatches.length === 0) return total;
    const earlier = new Set(this.#earlierBatches);
    const taken = this.#acked.reduce((sum, b) => sum + (earlier.has(b.seq) ? b.rows : 0), 0);
    const rest = total - taken;
    return rest > 0 ? rest : undefined;
  }

  async #acknowledge(batch: Batch, response: AudienceUsersResponse, sent: SentBatch): Promise<void> {
    const verdict = this.#verdict(batch, response, sent);
    if (verdict instanceof SessionEndedError) {
      this.#failure ??= { error: verdict, seq: this.#batchSeq(batch.seq) };
      this.#markFirstBatchAcked(); // release waiters; they check #failure
      // Unconfirmed repeats stay unrecorded too: a resume sends them again, in a new session.
      this.#unconfirmed.length = 0;
      if (this.#state !== undefined) await this.#saveState({ sessionEnded: verdict.message });
      return;
    }
    if (batch.seq === 1) this.#markFirstBatchAcked();
    if (verdict === 'uncertain') {
      // A possible repeat with the count unchanged: applied if the session is still open. A batch
      // sent after this answer and counted proves it was (sessions end, they never reopen).
      this.#unconfirmed.push({ batch, response, answeredAfter: this.#dispatched });
      this.#progress();
      return;
    }
    for (let i = 0; i < this.#unconfirmed.length; ) {
      const u = this.#unconfirmed[i]!;
      if (u.answeredAfter < sent.order) {
        this.#unconfirmed.splice(i, 1);
        this.#record(u.batch, u.response);
      } else i++;
    }
    this.#record(batch, response);
    if (this.#state !== undefined) await this.#saveState({});
    this.#progress();
  }

  /** Counts an applied batch and adds it to the acknowledged ones (saved by the caller). */
  #record(batch: Batch, response: AudienceUsersResponse): void {
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
    // Applied and read: its bytes may go back to the hashing workers. A batch that fails or stays
    // unconfirmed is never released; its buffers are left to the garbage collector.
    batch.release();
  }

  /**
   * Whether Graph answered 200 without applying the batch (session over). Evidence, strongest first:
   * localgraph's `__debug__` warning for a discarded batch of this session (sent when asked with
   * debug=warning; only its exact wording counts, since the real Graph gets debug=warning too and
   * may warn about anything, in words of its own, which are not documented for this), or — the
   * general test, whatever the server — a session whose `num_received` is known to be cumulative
   * and did not grow past what it was when the batch was sent, unless the batch may be a repeat of
   * one already counted.
   */
  #verdict(batch: Batch, response: AudienceUsersResponse, sent: SentBatch): SessionEndedError | 'applied' | 'uncertain' {
    const { receivedBefore, isLast } = sent;
    if (!this.#withSession || this.#sessionId === undefined) return 'applied';
    const seq = this.#batchSeq(batch.seq);
    const where = `batch ${seq} of session ${this.#sessionId}`;
    const consequence = this.#o.operation === 'replace'
      ? 'Graph has replaced the audience with the batches it received before; run the replace again from the start (without --resume).'
      : 'Its rows were not applied; run again with --resume to send the remaining batches in a new session.';
    const messages = response.__debug__?.messages ?? [];
    const maybeRepeat = this.#maybeRepeated.has(batch.seq) || batch.seq <= this.#maybeSentThrough;
    const sessionId = String(this.#sessionId);
    let warning: { message: string; reason: string } | undefined;
    for (const m of messages) {
      const discarded = DISCARDED.exec(m.message ?? '');
      if (discarded !== null && discarded[1] === sessionId) {
        warning = { message: m.message!, reason: discarded[2]! };
        break;
      }
    }
    // Our last batch, resent after an attempt whose answer was lost, may find the session closed by
    // that very attempt (its last_batch_flag): it was applied, the repeat is no loss. localgraph
    // answers such a resend "already received" (it checks repeats before the end); a server that
    // checks the end first answers "ended (last_batch_flag)" — kept for that.
    const closedByItself = warning !== undefined && isLast && maybeRepeat && warning.reason === 'last_batch_flag';
    if (warning !== undefined && !closedByItself) {
      return new SessionEndedError(`${where} was discarded by the server: "${warning.message}". ${consequence}`, this.#sessionId, seq, 'debug-warning');
    }
    const repeated = messages.some((m) => REPEATED.exec(m.message ?? '')?.[1] === sessionId);
    const received = Number(response.num_received) || 0;
    if (received > batch.size) this.#cumulativeCounts = true;
    const stalled = this.#cumulativeCounts && received <= receivedBefore;
    if (stalled && maybeRepeat && !repeated && !closedByItself) return 'uncertain';
    if (stalled && !maybeRepeat && !repeated) {
      return new SessionEndedError(
        `${where} was not counted: the server answered 200 but the session's num_received stayed at ${received} ` +
          `(it was ${receivedBefore} before these ${batch.size} rows), so the session has ended ` +
          `(Graph discards batches 90 minutes after a session's first batch). ${consequence}`,
        this.#sessionId,
        seq,
        'count',
      );
    }
    this.#sessionReceived = Math.max(this.#sessionReceived, received);
    return 'applied';
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
      this.#earlierBatches = [...(previous.earlierSessionBatches ?? [])];
      this.#earlierSessionIds = [...(previous.earlierSessionIds ?? [])];
      this.#sessionStarted = Date.parse(previous.sessionStartedAt ?? previous.startedAt);
      this.#sessionReceived = previous.sessionReceived ?? 0;
      this.#cumulativeCounts = previous.cumulativeCounts ?? false;
      if (!previous.completed && this.#withSession) await this.#checkSessionAge(previous);
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
        sessionStartedAt: at,
        concurrency: this.#concurrency,
      };
      await store.save(this.#state);
    }
    return undefined;
  }

  /**
   * A resumed session must still be open on Graph's side. Add/remove: past the limit (or after Graph
   * discarded a batch of it), continue in a new session. Replace: refuse — Graph has already
   * replaced the audience with what the old session received, and a new replace starts from batch 1.
   */
  async #checkSessionAge(state: UploadState): Promise<void> {
    const age = this.#now() - this.#sessionStarted;
    const ended = state.sessionEnded !== undefined;
    const expired = !(age < SESSION_RESUME_LIMIT_MS); // NaN (unreadable date) counts as expired
    const minutes = Number.isFinite(age) ? Math.floor(age / 60_000) : NaN;
    const ageText = Number.isFinite(minutes) ? `${minutes} minutes ago` : 'at an unknown time';
    if (!ended && !expired) {
      // Same session: batches the interrupted run may have sent without seeing the answer can
      // come back as repeats (num_received unchanged), which is no loss.
      const top = Math.max(0, ...state.acked.map((b) => b.seq));
      this.#maybeSentThrough = top + Math.max(this.#concurrency, state.concurrency ?? 2);
      return;
    }
    const old = state.sessionId;
    const why = ended
      ? `Graph ended session ${old} (${state.sessionEnded})`
      : `session ${old} began ${ageText}, and Graph ends a session 90 minutes after its first batch and discards later batches`;
    if (this.#o.operation === 'replace') {
      const endsAt = this.#sessionStarted + SESSION_WINDOW_MS;
      const wait = !ended && endsAt > this.#now() ? ` after ${new Date(endsAt).toISOString()} (when the old session has ended; until then Graph answers "Audience Update In Progress")` : '';
      const rows = state.acked.reduce((sum, b) => sum + b.rows, 0);
      throw new ResumeRefusedError(
        `cannot resume this replace: ${why}. Graph has replaced the audience with what that session received ` +
          `(${rows} rows in ${state.acked.length} acknowledged batches) and a replace cannot be continued in another session. ` +
          `Run the replace again from the start, without --resume${wait}.`,
      );
    }
    this.#earlierSessionIds = [...this.#earlierSessionIds, old];
    this.#earlierBatches = state.acked.map((b) => b.seq).sort((a, b) => a - b);
    let next = this.#o.sessionId ?? randomSessionId();
    while (next === old || this.#earlierSessionIds.includes(next)) next = randomSessionId();
    this.#sessionId = next;
    this.#sessionStarted = this.#now();
    this.#sessionReceived = 0;
    this.#sessionChange = { previousSessionId: old, reason: ended ? 'ended' : 'expired', ageMinutes: minutes };
    this.#state = {
      ...state,
      sessionId: next,
      sessionStartedAt: new Date(this.#sessionStarted).toISOString(),
      earlierSessionBatches: this.#earlierBatches,
      earlierSessionIds: this.#earlierSessionIds,
      sessionReceived: 0,
      sessionEnded: undefined,
      concurrency: this.#concurrency,
    };
    await this.#o.stateStore!.save(this.#state);
    this.#o.onNotice?.(
      `${why}; continuing in a new session ${next}, the remaining batches numbered from 1. ` +
        `The ${state.acked.length} batch(es) acknowledged in session ${old} stay applied.`,
    );
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

  async #saveState(change: Partial<Pick<UploadState, 'completed' | 'sessionEnded'>>): Promise<void> {
    if (this.#state === undefined || this.#o.stateStore === undefined) return;
    this.#state = {
      ...this.#state,
      acked: [...this.#acked].sort((a, b) => a.seq - b.seq),
      updatedAt: new Date(this.#now()).toISOString(),
      sessionReceived: this.#sessionReceived,
      cumulativeCounts: this.#cumulativeCounts,
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
      unusedKeys: this.#source.jsonKeys?.unusedKeys() ?? [],
      moreUnusedKeyRows: this.#source.jsonKeys?.moreUnusedRows() ?? 0,
      mappedKeysNotFound: this.#inputRead ? (this.#source.jsonKeys?.namedNotSeen() ?? []).filter((k) => this.#mapping.some((m) => m.column === k)) : [],
      alreadyCompleted,
      earlierSessionIds: this.#earlierSessionIds,
      sessionChange: this.#sessionChange,
      durationMs: this.#now() - this.#started,
      sending: {
        ms: this.#sendingSince === undefined ? 0 : this.#sendingEnd - this.#sendingSince,
        slotsFullMs: this.#slotsFullMs,
      },
    };
  }
}

