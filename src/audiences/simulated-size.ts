/**
 * A simulated size (emulator-only, set from the control surface or the fixture): a number of
 * people a customer-file audience counts as holding *on top of* its matched rows. It makes the
 * size rules reachable without uploading their worth of rows — the 100-million limit of
 * /usersreplace (2650/1870144), delivery_status, the removal floor (200/1870047) — and every one
 * of them, like the approximate counts, reads the one number `audienceSize` gives.
 *
 * On top of, not instead of: uploads, removals and matching keep showing in the size, so a
 * developer's own test rows still move it, and the matches view stays the truth about rows.
 *
 * The simulated people behave as rows uploaded before the next replace: they carry the audience's
 * replace generation when set, count while a replace of the next generation runs (the old members
 * stay until its commit, as rows do), and are dropped once it has committed — successfully or not —
 * since the audience then holds only what the replace uploaded.
 */
import type { CustomAudience } from '../storage/audiences.js';

/** More people than use Meta's apps; a larger value is a typo, and sizes stay exact in a double. */
export const MAX_SIMULATED_SIZE = 10_000_000_000;

/** The simulated people still in the audience (0 when none, or when a replace has dropped them). */
export function simulatedSize(a: CustomAudience): number {
  const size = Number(a.simulated_size);
  if (size <= 0) return 0;
  const gen = Number(a.simulated_generation);
  const current = Number(a.generation);
  if (gen === current) return size;
  // A replace has started (generation + 1) but not committed: the old members are still there.
  if (a.replace_state === 'running' && gen === current - 1) return size;
  return 0;
}

/**
 * The audience's size as clients and the size rules see it: published matched people plus the
 * simulated ones. -1 only while nothing is known (no matching finished, no simulated people).
 */
export function audienceSize(a: CustomAudience): number {
  const published = Number(a.published_count);
  const simulated = simulatedSize(a);
  if (simulated === 0) return published;
  return Math.max(published, 0) + simulated;
}

/** The columns that set a simulated size now: tagged with the current generation. */
export function simulatedSizePatch(a: CustomAudience, size: number): { simulated_size: number; simulated_generation: number } {
  return { simulated_size: size, simulated_generation: size > 0 ? Number(a.generation) : 0 };
}

/** `value` as the simulated size of an audience of `subtype`, or why it cannot be one. */
export function checkSimulatedSize(subtype: string, value: unknown): { size: number } | { problem: string } {
  if (!(typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_SIMULATED_SIZE)) {
    return { problem: `simulated_size must be an integer from 0 to ${MAX_SIMULATED_SIZE} (a number of people; 0 clears it)` };
  }
  // Only customer-file audiences take lists, and only they have the size rules it is for.
  if (value > 0 && subtype !== 'CUSTOM') return { problem: `simulated_size is for customer-file audiences (subtype CUSTOM); this audience's subtype is ${subtype}` };
  return { size: value };
}
