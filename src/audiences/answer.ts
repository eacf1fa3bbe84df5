/**
 * The answer of `/users`, `/usersreplace` and `usersofanyaudience` (the reference struct):
 * `audience_id`, `session_id` (a numeric string), `num_received`, `num_invalid_entries`,
 * `invalid_entry_samples` (`{}` when none), and `subscription_info` from v24.0 (WhatsApp) and
 * v25.0 (WhatsApp and Messenger) for audiences created with `subscription_info`.
 */
import type { GraphContext } from '../graph/context.js';
import { atLeast } from '../graph/versions.js';
import type { CustomAudience } from '../storage/audiences.js';

export interface UsersAnswerInput {
  audienceId?: string;
  sessionId: string;
  numReceived: number;
  numInvalid: number;
  samples: Record<string, string>;
}

function channels(a: CustomAudience | undefined): string[] {
  if (!a?.subscription_info) return [];
  try {
    const v = JSON.parse(a.subscription_info) as unknown;
    return Array.isArray(v) ? v.map((x) => String(x).toUpperCase()) : [];
  } catch {
    return [];
  }
}

const emptyChannel = (): Record<string, unknown> => ({
  num_subscribers_received: 0,
  num_subscribers_invalid_entries: 0,
  invalid_subscribers_entry_samples: {},
});

export function usersAnswer(ctx: GraphContext, a: CustomAudience | undefined, input: UsersAnswerInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (input.audienceId !== undefined) out.audience_id = input.audienceId;
  out.session_id = input.sessionId;
  out.num_received = input.numReceived;
  out.num_invalid_entries = input.numInvalid;
  out.invalid_entry_samples = input.samples;
  const wanted = channels(a);
  if (atLeast(ctx.version, 24) && wanted.length > 0) {
    const info: Record<string, unknown> = {};
    if (wanted.includes('WHATSAPP')) info.whatsapp = emptyChannel();
    if (atLeast(ctx.version, 25) && wanted.includes('MESSENGER')) info.messenger = emptyChannel();
    if (Object.keys(info).length > 0) out.subscription_info = info;
  }
  return out;
}
