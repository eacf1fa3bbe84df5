/**
 * The uploader's options, progress events, result and errors.
 */
import type { GraphApiError } from '../graph/graph-api-error.js';
import type { RetryOptions } from '../graph/retry-policy.js';
import type { SlashDateOrder } from '../normalize/dates.js';
import type { ColumnMapping } from '../normalize/row-normalizer.js';
import type { MappingTarget, SchemaKey } from '../normalize/schema-keys.js';
import type { UnusedKey } from '../input/row-source.js';
import type { AudienceTransport, UploadOperation } from './transport.js';
import type { UploadStateStore } from './upload-state.js';

export interface UploadOptions {
  readonly operation: UploadOperation;
  readonly audienceId: string;
  readonly transport: AudienceTransport;
  /** Default: guessed from the column names. */
  readonly mapping?: readonly ColumnMapping[] | undefined;
  /** Alpha-2, lowercase: phone prefix, ZIP/ST rules and empty COUNTRY cells. */
  readonly defaultCountry?: string | undefined;
  readonly slashDateOrder?: SlashDateOrder | undefined;
  readonly currentYear?: number | undefined;
  /** Rows per request, at most 10,000 (the default). */
  readonly batchSize?: number | undefined;
  /** Batches in flight at once. Default 2. */
  readonly concurrency?: number | undefined;
  /** Default: random. Ignored when resuming (the recorded one is reused). */
  readonly sessionId?: number | undefined;
  /** `estimated_num_total` hint (rows), when known. */
  readonly estimatedTotal?: number | undefined;
  /**
   * Send a `session` object. Default true for every operation (DELETE /{id}/users takes one too);
   * false sends the payload alone and lets Graph make a one-batch session per request (not for replace).
   */
  readonly withSession?: boolean | undefined;
  readonly retry?: RetryOptions | undefined;
  /** Where acknowledged batches are recorded; required for `resume`. */
  readonly stateStore?: UploadStateStore | undefined;
  /** Continue the upload recorded in `stateStore`. */
  readonly resume?: boolean | undefined;
  /** Identity of the input and options; a resume with another fingerprint is refused. */
  readonly fingerprint?: string | undefined;
  /**
   * Where CSV files on disk are parsed, normalised and hashed: `auto` (default)
   * on two worker threads above 1 MB, `on` always, `off` on this thread.
   * Stdin, JSON lines and resumed uploads always use this thread.
   */
  readonly workers?: 'auto' | 'on' | 'off' | undefined;
  /** Bytes per chunk handed to a worker (tests use small chunks to cross many boundaries). */
  readonly workerChunkBytes?: number | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly now?: (() => number) | undefined;
  readonly random?: (() => number) | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: UploadProgress) => void) | undefined;
  readonly onRetry?: ((event: UploadRetryEvent) => void) | undefined;
  /** Things a person should know as they happen, e.g. that a resume continues in a new session. */
  readonly onNotice?: ((message: string) => void) | undefined;
}

export interface UploadProgress {
  /** Input rows seen, including skipped and rejected ones. */
  readonly rowsRead: number;
  /** Rows of batches acknowledged by an earlier run (resume). */
  readonly rowsSkipped: number;
  readonly rowsRejected: number;
  /** Rows acknowledged by the server in this run. */
  readonly rowsSent: number;
  readonly batchesSent: number;
  readonly batchesInFlight: number;
}

export interface UploadRetryEvent {
  readonly batchSeq: number;
  readonly attempt: number;
  readonly delayMs: number;
  /** The wait comes from `estimated_time_to_regain_access`; every batch waits. */
  readonly throttled: boolean;
  readonly error: GraphApiError;
}

export interface RowProblem {
  /** Input row number (1-based, header excluded); undefined when the server's sample cannot be traced back. */
  readonly row: number | undefined;
  readonly reason: string;
}

export interface UploadResult {
  readonly operation: UploadOperation;
  readonly audienceId: string;
  readonly sessionId: number | undefined;
  readonly schema: readonly SchemaKey[];
  readonly rowsRead: number;
  readonly rowsSkipped: number;
  readonly rowsRejected: number;
  /** Up to 100 rejected rows: number and reason, never values. */
  readonly rejectSamples: readonly RowProblem[];
  readonly rejectReasons: Readonly<Record<string, number>>;
  /** Values left empty because they could not be normalised, per key. */
  readonly invalidValueCounts: Partial<Record<MappingTarget, number>>;
  readonly rowsSent: number;
  readonly batchesSent: number;
  readonly retries: number;
  readonly serverReceived: number;
  readonly serverInvalid: number;
  readonly serverInvalidSamples: readonly RowProblem[];
  /**
   * JSON lines: keys outside the columns (first seen after the look-ahead the columns come from, and
   * not named in the mapping) that carried values, which were not used — per key, the rows and the
   * first row (at most 100 keys). Empty for CSV.
   */
  readonly unusedKeys: readonly UnusedKey[];
  /** Rows with a value under a further key, beyond the 100 listed. */
  readonly moreUnusedKeyRows: number;
  /** JSON lines read to the end: keys the mapping names (after the look-ahead) that no line had. */
  readonly mappedKeysNotFound: readonly string[];
  /** The state file said this upload had already finished; nothing was sent. */
  readonly alreadyCompleted: boolean;
  /** Sessions of this upload before `sessionId` (a resume after the 90-minute window), oldest first. */
  readonly earlierSessionIds: readonly number[];
  /** Set when this run continued in a new session, and why. */
  readonly sessionChange?: SessionChange | undefined;
  readonly durationMs: number;
  /**
   * Which side set the pace: `ms` from the first batch sent to the last answer, and `slotsFullMs`,
   * the part of it when all `concurrency` batches were at the server, so that the next batch, when
   * ready, waited on the server. Near `ms`: the server was the limit; well below: the server waited
   * on this client (reading, hashing) or on retries.
   */
  readonly sending: { readonly ms: number; readonly slotsFullMs: number };
}

/** The upload stopped on an error that retries could not fix. `result` holds what was done. */
export class UploadFailedError extends Error {
  override readonly name = 'UploadFailedError';
  constructor(
    message: string,
    readonly result: UploadResult,
    readonly batchSeq: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ResumeRefusedError extends Error {
  override readonly name = 'ResumeRefusedError';
}

export interface SessionChange {
  readonly previousSessionId: number;
  /** `expired`: older than the resume limit; `ended`: Graph discarded a batch of it. */
  readonly reason: 'expired' | 'ended';
  /** Minutes since the previous session began. */
  readonly ageMinutes: number;
}

/**
 * Graph answered 200 but did not apply the batch: its session had ended (90 minutes after the
 * first batch, or after `last_batch_flag`). The upload stops rather than report rows as received.
 */
export class SessionEndedError extends Error {
  override readonly name = 'SessionEndedError';
  constructor(
    message: string,
    readonly sessionId: number,
    readonly batchSeq: number,
    /** How it was detected: Graph's `__debug__` warning, or `num_received` that did not grow. */
    readonly evidence: 'debug-warning' | 'count',
  ) {
    super(message);
  }
}
