/**
 * `DELETE /act_{ad_account_id}/usersofanyaudience` (D-guide, D-ca): the same payload as
 * `DELETE /users`, removing the people from every customer-file audience of the account. One
 * removal batch is staged per audience (flagged audiences and those being replaced are skipped);
 * the answer is the /users struct without `audience_id`.
 */
import type { GraphContext } from '../graph/context.js';
import type { AdAccount } from '../storage/world.js';
import { usersAnswer } from './answer.js';
import { parsePayload } from './payload.js';
import { newSessionId, readSession } from './sessions.js';
import { workerOf } from './services.js';
import { batchRow } from './upload.js';

export async function removeFromAnyAudience(account: AdAccount, ctx: GraphContext): Promise<Record<string, unknown>> {
  const { store } = ctx.services;
  await ctx.services.limits.chargeBusinessUseCase(ctx, account.id, 'custom_audience');
  const parsed = parsePayload(ctx.params.json('payload'));
  const sessionId = readSession(ctx)?.sessionId ?? newSessionId();
  const targets = (await store.audiences.listAudiences(account.id)).filter(
    (a) => a.subtype === 'CUSTOM' && a.status_override !== 471 && a.replace_state !== 'running',
  );
  if (parsed.validRows > 0) {
    for (const a of targets) await store.audiences.enqueue(batchRow(ctx, a, null, 'remove', parsed, null));
    workerOf(ctx.services)?.notify(ctx.services.config.matchDelayMs);
  }
  return usersAnswer(ctx, undefined, { sessionId, numReceived: parsed.received, numInvalid: parsed.invalid, samples: parsed.samples });
}
