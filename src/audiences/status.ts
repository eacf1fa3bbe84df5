/**
 * `operation_status`, `delivery_status` and the approximate counts of an audience, derived from
 * its stored state: an integrity flag wins, then a running or failed replace, then pending
 * matching (441), a customer-file audience never uploaded to (410), else Normal. Codes and meanings are D-ca's; the description strings other than
 * "Normal" and "This audience is ready for use." are localgraph's wording. Delivery and the
 * counts read the audience's full size (simulated people included, simulated-size.ts).
 */
import type { CustomAudience } from '../storage/audiences.js';
import { audienceSize } from './simulated-size.js';

export interface AudienceStatus {
  code: number;
  description: string;
}

const OPERATION: Record<number, string> = {
  200: 'Normal',
  410: 'No upload: this audience has no customer list yet.',
  414: 'Replace in progress: the audience is being replaced with the list uploaded to /usersreplace.',
  415: 'Replace failed: the last replace session did not finish; the audience holds what was uploaded before it ended.',
  441: "We're finding people who fit your audience criteria. You can start running ads with this audience, but your audience size will grow over time as we finish processing.",
  471: "The custom audience or lookalike is blocked because it suggests the use of information (e.g., health, financial) not allowed under Meta's terms, and is restricted from running ads. Review the audience and remove prohibited information, or choose a different one.",
};

export function operationStatus(code: number): AudienceStatus {
  return { code, description: OPERATION[code] ?? 'Status of the last operation on this audience.' };
}

/** Below this many people an audience cannot deliver (delivery_status 300). */
export const MIN_DELIVERABLE = 100;

export interface DerivedState {
  operation: AudienceStatus;
  delivery: AudienceStatus;
  lower: number;
  upper: number;
}

export function deriveState(a: CustomAudience, pending: boolean): DerivedState {
  const count = audienceSize(a);
  let code = 200;
  if (a.status_override !== null) code = a.status_override;
  else if (a.replace_state === 'running') code = 414;
  else if (pending) code = 441;
  else if (a.replace_state === 'failed') code = 415;
  // The size, not the published count: simulated people stand for an earlier upload.
  else if (a.subtype === 'CUSTOM' && a.data_source_type === 'UNKNOWN' && count < 0) code = 410;
  let delivery: AudienceStatus;
  if (code === 471) delivery = { code: 400, description: 'This audience is restricted and cannot be used in ads.' };
  else if (count < MIN_DELIVERABLE) delivery = { code: 300, description: 'This audience is too small to be used in ads.' };
  else delivery = { code: 200, description: 'This audience is ready for use.' };
  const { lower, upper } = countBounds(count);
  return { operation: operationStatus(code), delivery, lower, upper };
}

/**
 * The real API gives a range (e.g. 4,900–5,100 for about 5,000). Small audiences get their exact
 * size, so a developer can see one upload move it; from 1,000 people the bounds are ±2 %. Before
 * the first matching finished both bounds are -1, as a just-created audience reads (grp-v9).
 */
export function countBounds(count: number): { lower: number; upper: number } {
  if (count < 0) return { lower: -1, upper: -1 };
  if (count < 1000) return { lower: count, upper: count };
  return { lower: Math.floor(count * 0.98), upper: Math.ceil(count * 1.02) };
}
