/**
 * `POST /{custom_audience_id}/usersreplace` (D-replace, D-guide "Replace users API"): a session
 * whose `batch_seq` 1 starts the replace. While it runs the audience reads 414 and refuses /users
 * edits; rows it uploads carry the replace's generation; when the last batch arrives (or the 90
 * minutes end) a commit is queued behind them, which drops every row of an older generation — so
 * the audience holds exactly the uploaded set. A replace that timed out still commits what
 * arrived, and the audience reads 415 until its next successful operation. Every refusal is 2650
 * with the guide's subcode. A batch the session already holds, resent, is answered as a repeat
 * (200, counts unchanged, an "already received" warning) even after the session ended.
 */
import type { GraphContext } from '../graph/context.js';
import {
  audienceUpdateInProgress,
  missingParameter,
  replaceAudienceTooLarge,
  replaceFirstBatchMissing,
  replaceSessionFinished,
  replaceSessionTimedOut,
  replaceSomethingWrong,
} from '../graph/errors/catalogue.js';
import { GraphError } from '../graph/errors/graph-error.js';
import type { CustomAudience } from '../storage/audiences.js';
import { usersAnswer } from './answer.js';
import { parsePayload } from './payload.js';
import { batchRepeatedWarning, decideBatch, holdsBatch, isExpired, readSession, SESSION_WINDOW_SECONDS } from './sessions.js';
import { audienceSize } from './simulated-size.js';
import { workerOf } from './services.js';
import { batchRow, checkEditable, checkPayloadFits, dataSourceOf } from './upload.js';

/**
 * "audience size < 100 million" is a precondition of replace. The size is the one clients see,
 * simulated people included: a simulated size is how 1870144 is reached (simulated-size.ts).
 */
const MAX_REPLACE_SIZE = 100_000_000;

/** Replace answers every refusal with 2650: the value-based checks of /users become 2650/1870148. */
function as2650(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof GraphError && e.code !== 2650 && e.subcode !== 1713230) throw replaceSomethingWrong(e.message.replace(/^\(#\d+\) /, ''));
    throw e;
  }
}

/** The refusal of a new batch for an ended replace session: timed out (1870158) or finished by its last batch (1870159). */
function endedError(s: { closed_at?: unknown; started_at?: unknown }): GraphError {
  // The worker closes a timed-out session at the end of its window; a last batch closes it earlier.
  return Number(s.closed_at) >= Number(s.started_at) + SESSION_WINDOW_SECONDS ? replaceSessionTimedOut() : replaceSessionFinished();
}

export async function handleReplace(a: CustomAudience, ctx: GraphContext): Promise<Record<string, unknown>> {
  const worker = workerOf(ctx.services);
  checkEditable(a);
  const session = readSession(ctx);
  if (!session) throw missingParameter('session');
  const parsed = parsePayload(ctx.params.json('payload'));
  as2650(() => checkPayloadFits(a, parsed, 'replace'));
  const repo = ctx.services.store.audiences;
  const now = ctx.services.clock.nowSeconds();
  const answer = await ctx.services.store.locks.exclusive(`audience-session:${a.ad_account_id}:${session.sessionId}`, async () => {
    const existing = await repo.getSession(a.ad_account_id, session.sessionId);
    let generation: number;
    if (!existing) {
      if (session.batchSeq !== 1) throw replaceFirstBatchMissing();
      if (a.replace_state === 'running' || (await repo.hasPending(a.id))) throw audienceUpdateInProgress();
      if (audienceSize(a) >= MAX_REPLACE_SIZE) throw replaceAudienceTooLarge();
      generation = Number(a.generation) + 1;
    } else {
      // A batch the session already holds (same batch_seq, same schema) is a repeat — resent because
      // its answer was lost — whatever happened after it: answered "already received" below, even
      // once its last batch or the 90 minutes ended the session. 1870158 / 1870159 are for new batches.
      const repeat = holdsBatch(existing, session.batchSeq) && existing.schema_sig === parsed.schemaSignature;
      if (existing.kind === 'replace' && existing.audience_id === a.id && !repeat) {
        if (existing.committed) throw endedError(existing);
        if (isExpired(existing, now)) throw replaceSessionTimedOut();
        if (existing.schema_sig !== parsed.schemaSignature) throw replaceSomethingWrong('The schema of a replace session must stay the same as in its first batch.');
      }
      generation = Number(existing.generation ?? a.generation);
    }
    const decision = decideBatch(existing, session, { adAccountId: a.ad_account_id, audienceId: a.id, kind: 'replace', now }, {
      received: parsed.received,
      invalid: parsed.invalid,
      staged: parsed.validRows,
    });
    if (decision.verdict === 'accept') {
      const closing = session.lastBatch;
      const row = { ...decision.row, schema_sig: parsed.schemaSignature, generation, committed: closing ? 1 : 0 };
      const batches = parsed.validRows > 0 ? [batchRow(ctx, a, session.sessionId, 'replace', parsed, generation)] : [];
      if (closing) batches.push({ ...batchRow(ctx, a, session.sessionId, 'commit_replace', { ...parsed, columns: [], rows: Buffer.alloc(0), validRows: 0 }, generation) });
      const ds = dataSourceOf(parsed);
      await repo.stage({
        session: { row, exists: decision.exists, added: decision.added },
        batches,
        audience: {
          id: a.id,
          patch: {
            time_updated: now,
            ...(existing ? {} : { replace_state: 'running', generation }),
            ...(a.data_source_type === 'UNKNOWN' ? { data_source_type: ds.type, data_source_sub_type: ds.sub } : {}),
          },
        },
      });
    } else {
      // Only a repeat gets here: a new batch after the end was refused above.
      if (decision.verdict === 'closed') throw endedError(decision.row);
      if (decision.verdict === 'expired') throw replaceSessionTimedOut();
      ctx.debugMessages.push({ type: 'warning', message: batchRepeatedWarning(session.sessionId, session.batchSeq, 'replace') });
    }
    return usersAnswer(ctx, a, {
      audienceId: a.id,
      sessionId: session.sessionId,
      numReceived: Number(decision.row.num_received ?? 0),
      numInvalid: Number(decision.row.num_invalid ?? 0),
      // A repeated batch was not counted again, so it samples nothing (as a discarded /users batch).
      samples: decision.verdict === 'accept' ? parsed.samples : {},
    });
  });
  worker?.notify(ctx.services.config.matchDelayMs);
  return answer;
}

