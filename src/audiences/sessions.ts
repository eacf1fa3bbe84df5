/**
 * Upload sessions (D-users/D-guide "session"): `session_id` is unique in an ad account, `batch_seq`
 * counts from 1, `last_batch_flag` ends the session, and a session ends by itself 90 minutes after
 * its first batch. A repeated batch is not counted twice (even once the session has ended); a new
 * batch after the end is discarded.
 * Without a `session` the server opens a one-batch session of its own.
 */
import { randomInt } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { GraphContext } from '../graph/context.js';
import { invalidParameter, sessionIdInUse } from '../graph/errors/catalogue.js';
import type { AudienceSessionTable } from '../storage/audiences-schema.js';
import type { AudienceSession } from '../storage/audiences.js';

/** "we automatically terminate the session 90 minutes after we receive your first batch" */
export const SESSION_WINDOW_SECONDS = 90 * 60;

/**
 * The `__debug__` warning answering a new batch after the session's end (counts unchanged, nothing
 * applied). localgraph's uploader recognises it word for word (client/upload/uploader.ts): keep both
 * in step.
 */
export const batchDiscardedWarning = (sessionId: string, verdict: 'closed' | 'expired'): string =>
  `Session ${sessionId} has ended (${verdict === 'closed' ? 'last_batch_flag' : '90 minutes after its first batch'}); this batch was discarded.`;

/** The `__debug__` warning answering a repeated batch_seq (not counted again); the uploader reads it too. */
export const batchRepeatedWarning = (sessionId: string, batchSeq: number | undefined, kind: 'users' | 'replace'): string =>
  `Batch ${batchSeq} of ${kind === 'replace' ? 'replace ' : ''}session ${sessionId} was already received; it was not counted again.`;

export interface SessionInput {
  sessionId: string;
  batchSeq: number | undefined;
  lastBatch: boolean;
  estimatedTotal: number | undefined;
  /** Made up by the server because the request had no `session`. */
  auto: boolean;
}

function positiveInt(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d+$/.test(s) || Number(s) < 1) throw invalidParameter(`Param session[${name}] must be a positive integer`);
  return Number(s);
}

function flag(v: unknown): boolean {
  return v === true || v === 1 || (typeof v === 'string' && ['true', '1'].includes(v.trim().toLowerCase()));
}

/** A 19-digit id like the real ones (grp-v9: "4042233637407993507"). */
export function newSessionId(): string {
  let s = String(randomInt(1, 10));
  while (s.length < 19) s += String(randomInt(0, 10));
  return s;
}

export function readSession(ctx: GraphContext): SessionInput | undefined {
  const raw = ctx.params.json('session');
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameter('Param session must be a JSON object');
  const s = raw as Record<string, unknown>;
  const idRaw = s.session_id;
  const sessionId = typeof idRaw === 'number' ? BigInt(Math.trunc(idRaw)).toString() : typeof idRaw === 'string' ? idRaw.trim() : '';
  if (!/^\d{1,20}$/.test(sessionId) || /^0+$/.test(sessionId)) throw invalidParameter('Param session[session_id] must be a positive 64-bit integer');
  return {
    sessionId,
    batchSeq: positiveInt(s.batch_seq, 'batch_seq'),
    lastBatch: flag(s.last_batch_flag),
    estimatedTotal: positiveInt(s.estimated_num_total, 'estimated_num_total'),
    auto: false,
  };
}

export function autoSession(): SessionInput {
  return { sessionId: newSessionId(), batchSeq: 1, lastBatch: true, estimatedTotal: undefined, auto: true };
}

export type BatchVerdict = 'accept' | 'duplicate' | 'closed' | 'expired';

export interface SessionDecision {
  verdict: BatchVerdict;
  /** The session row to write when the batch is accepted (or its state to report otherwise). */
  row: Insertable<AudienceSessionTable>;
  exists: boolean;
  /** What an accepted batch adds to the counters (zeros otherwise): stored as increments, not as `row`'s totals. */
  added: SessionCounts;
}

/** Counter increments for a stored session (AudienceRepo.stage). */
export interface SessionCounts {
  received: number;
  invalid: number;
  staged: number;
}

const NOTHING: SessionCounts = { received: 0, invalid: 0, staged: 0 };

export function isExpired(s: Pick<AudienceSession, 'started_at'>, now: number): boolean {
  return now >= Number(s.started_at) + SESSION_WINDOW_SECONDS;
}

/** The `batch_seq` values a session has received (and counted). */
export function heldBatchSeqs(s: Pick<Insertable<AudienceSessionTable>, 'batch_seqs'>): number[] {
  return JSON.parse(String(s.batch_seqs ?? '[]')) as number[];
}

/** Whether `batchSeq` is one the session already holds: resending it is a repeat, not a new batch. */
export function holdsBatch(s: Pick<AudienceSession, 'batch_seqs'>, batchSeq: number | undefined): boolean {
  return batchSeq !== undefined && heldBatchSeqs(s).includes(batchSeq);
}

/**
 * What a batch does to its session. The counters count accepted batches only, so a repeated
 * `batch_seq` or a batch after the end leaves `num_received` as it was. A repeat is recognised
 * before the end is: resending a batch the session holds answers "already received" even after
 * the session closed or timed out.
 */
export function decideBatch(
  existing: AudienceSession | undefined,
  input: SessionInput,
  ctx: { adAccountId: string; audienceId: string; kind: string; now: number },
  counts: { received: number; invalid: number; staged: number },
): SessionDecision {
  if (existing && (existing.audience_id !== ctx.audienceId || existing.kind !== ctx.kind)) throw sessionIdInUse(input.sessionId);
  const base: Insertable<AudienceSessionTable> = existing
    ? { ...existing }
    : {
        ad_account_id: ctx.adAccountId,
        session_id: input.sessionId,
        audience_id: ctx.audienceId,
        kind: ctx.kind,
        started_at: ctx.now,
        last_batch_at: ctx.now,
        closed_at: 0,
        batch_seqs: '[]',
        num_received: 0,
        num_invalid: 0,
        num_matched: 0,
        rows_pending: 0,
        estimated_num_total: null,
        schema_sig: null,
        generation: null,
        committed: 0,
      };
  // A batch_seq the session already holds is a repeat whatever happened after it: the batch that
  // closed the session (last_batch_flag), resent because its answer was lost, was received — it is
  // not a batch after the end. Only a batch the session has not seen can be one.
  const seqs = heldBatchSeqs(base);
  if (input.batchSeq !== undefined && seqs.includes(input.batchSeq)) return { verdict: 'duplicate', row: base, exists: existing !== undefined, added: NOTHING };
  if (existing) {
    if (Number(existing.closed_at) > 0) return { verdict: 'closed', row: base, exists: true, added: NOTHING };
    if (isExpired(existing, ctx.now)) return { verdict: 'expired', row: base, exists: true, added: NOTHING };
  }
  if (input.batchSeq !== undefined) seqs.push(input.batchSeq);
  return {
    verdict: 'accept',
    exists: existing !== undefined,
    added: { ...counts },
    row: {
      ...base,
      batch_seqs: JSON.stringify(seqs),
      last_batch_at: ctx.now,
      closed_at: input.lastBatch ? ctx.now : 0,
      num_received: Number(base.num_received ?? 0) + counts.received,
      num_invalid: Number(base.num_invalid ?? 0) + counts.invalid,
      rows_pending: Number(base.rows_pending ?? 0) + counts.staged,
      estimated_num_total: input.estimatedTotal ?? base.estimated_num_total ?? null,
    },
  };
}

/** The session as `GET /{audience_id}/sessions` shows it: every value a string (java-sdk#492). */
export function sessionView(s: AudienceSession, now: number): Record<string, string> {
  const ended = Number(s.closed_at) > 0 ? Number(s.closed_at) : isExpired(s, now) ? Number(s.started_at) + SESSION_WINDOW_SECONDS : 0;
  const processing = Number(s.rows_pending) > 0;
  const stage = ended === 0 ? 'uploading' : processing ? 'processing' : 'finished';
  const received = Number(s.num_received);
  const total = Number(s.estimated_num_total ?? 0);
  const progress = stage === 'finished' ? 100 : total > 0 ? Math.min(99, Math.floor((received / total) * 100)) : 0;
  return {
    session_id: s.session_id,
    start_time: String(s.started_at),
    end_time: String(ended),
    num_received: String(received),
    num_matched: processing ? '-1' : String(s.num_matched),
    num_invalid_entries: String(s.num_invalid),
    progress: String(progress),
    stage,
  };
}
