/**
 * `POST` and `DELETE /{custom_audience_id}/users`: check the audience can take members, read the
 * payload, settle the batch with its session, stage the valid rows durably and answer — matching
 * runs afterwards (worker.ts). The same staging serves `DELETE /act_{id}/usersofanyaudience`.
 */
import type { Insertable } from 'kysely';
import type { GraphContext } from '../graph/context.js';
import {
  audienceDataSourceLocked,
  audienceIntegrityBlocked,
  audienceSizeTooLow,
  audienceUpdateInProgress,
  lookalikeValueNotAllowed,
  lookalikeValueRequired,
  notCustomerFileAudience,
} from '../graph/errors/catalogue.js';
import type { CustomAudience, NewUploadBatch } from '../storage/audiences.js';
import type { AudienceSessionTable } from '../storage/audiences-schema.js';
import { usersAnswer } from './answer.js';
import { parsePayload, type ParsedUpload } from './payload.js';
import { autoSession, batchDiscardedWarning, batchRepeatedWarning, decideBatch, readSession, type SessionInput } from './sessions.js';
import { audienceSize } from './simulated-size.js';
import { workerOf } from './services.js';

export type UsersOp = 'add' | 'remove';

export function dataSourceOf(p: ParsedUpload): { type: string; sub: string } {
  return { type: 'FILE_IMPORTED', sub: p.multiKey ? 'MULTI_HASHES' : 'HASHES_OR_USER_IDS' };
}

/** The audience-level reasons a membership edit is refused, before its payload is read. */
export function checkEditable(a: CustomAudience): void {
  if (a.status_override === 471) throw audienceIntegrityBlocked();
  if (a.subtype !== 'CUSTOM') throw notCustomerFileAudience(a.subtype);
}

/** The checks that need both the audience and the payload. */
export function checkPayloadFits(a: CustomAudience, p: ParsedUpload, op: UsersOp | 'replace'): void {
  if (p.hasLookalikeValue && !a.is_value_based) throw lookalikeValueNotAllowed();
  if (op !== 'remove' && a.is_value_based && !p.hasLookalikeValue) throw lookalikeValueRequired();
  const ds = dataSourceOf(p);
  if (a.data_source_type === 'FILE_IMPORTED' && a.data_source_sub_type !== ds.sub) {
    throw audienceDataSourceLocked(`${a.data_source_type}.${a.data_source_sub_type}`, `${ds.type}.${ds.sub}`);
  }
}

export function batchRow(
  ctx: GraphContext,
  a: { id: string; ad_account_id: string },
  sessionId: string | null,
  op: string,
  p: ParsedUpload,
  generation: number | null,
): NewUploadBatch {
  const { clock, config } = ctx.services;
  return {
    audience_id: a.id,
    ad_account_id: a.ad_account_id,
    session_id: sessionId,
    op,
    generation,
    columns: JSON.stringify(p.columns),
    row_count: p.validRows,
    rows: p.rows,
    rows_done: 0,
    ready_at_ms: clock.now() + config.matchDelayMs,
    staged_at: clock.nowSeconds(),
    claimed_by: null,
    claimed_at: null,
  };
}

export async function handleUsers(a: CustomAudience, ctx: GraphContext, op: UsersOp): Promise<Record<string, unknown>> {
  const worker = workerOf(ctx.services);
  checkEditable(a);
  if (a.replace_state === 'running') throw audienceUpdateInProgress();
  const parsed = parsePayload(ctx.params.json('payload'));
  checkPayloadFits(a, parsed, op);
  // The size every size rule reads: matched people plus simulated ones (simulated-size.ts).
  if (op === 'remove' && a.removal_floor > 0 && audienceSize(a) - parsed.validRows < a.removal_floor) throw audienceSizeTooLow();
  const session = readSession(ctx) ?? autoSession();
  const answer = await stageUsers(ctx, a, op, parsed, session);
  worker?.notify(ctx.services.config.matchDelayMs);
  return answer;
}

/** Settles the batch with its session and stages it; returns the answer. */
async function stageUsers(ctx: GraphContext, a: CustomAudience, op: UsersOp, parsed: ParsedUpload, session: SessionInput): Promise<Record<string, unknown>> {
  const repo = ctx.services.store.audiences;
  const now = ctx.services.clock.nowSeconds();
  // One batch of a session at a time: the bookkeeping reads the session, then writes it.
  return ctx.services.store.locks.exclusive(`audience-session:${a.ad_account_id}:${session.sessionId}`, async () => {
    const existing = session.auto ? undefined : await repo.getSession(a.ad_account_id, session.sessionId);
    const decision = decideBatch(existing, session, { adAccountId: a.ad_account_id, audienceId: a.id, kind: 'users', now }, {
      received: parsed.received,
      invalid: parsed.invalid,
      staged: parsed.validRows,
    });
    if (decision.verdict !== 'accept') {
      ctx.debugMessages.push({
        type: 'warning',
        message:
          decision.verdict === 'duplicate'
            ? batchRepeatedWarning(session.sessionId, session.batchSeq, 'users')
            : batchDiscardedWarning(session.sessionId, decision.verdict),
      });
      // Nothing of a discarded batch was counted, so none of its rows is sampled either: the
      // answer is the session as it stands, and its samples can never outnumber its invalid count.
      return answerFor(ctx, a, session.sessionId, decision.row, {});
    }
    const ds = dataSourceOf(parsed);
    const patch = {
      time_updated: now,
      ...(a.data_source_type === 'UNKNOWN' ? { data_source_type: ds.type, data_source_sub_type: ds.sub } : {}),
      // A new upload is the "next operation" after a failed replace: 415 gives way to 441, then 200.
      ...(a.replace_state === 'failed' ? { replace_state: null } : {}),
    };
    await repo.stage({
      session: { row: decision.row, exists: decision.exists, added: decision.added },
      batches: parsed.validRows > 0 ? [batchRow(ctx, a, session.sessionId, op, parsed, null)] : [],
      audience: { id: a.id, patch },
    });
    return answerFor(ctx, a, session.sessionId, decision.row, parsed.samples);
  });
}

function answerFor(
  ctx: GraphContext,
  a: CustomAudience,
  sessionId: string,
  row: Insertable<AudienceSessionTable>,
  samples: Record<string, string>,
): Record<string, unknown> {
  return usersAnswer(ctx, a, {
    audienceId: a.id,
    sessionId,
    numReceived: Number(row.num_received ?? 0),
    numInvalid: Number(row.num_invalid ?? 0),
    samples,
  });
}
