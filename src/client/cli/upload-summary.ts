/**
 * The end-of-run report. Row numbers and reasons only: values are never
 * printed, whether they came from the input or back from the server.
 */
import type { CustomAudience } from '../graph/wire-types.js';
import type { RowProblem, UploadResult } from '../upload/uploader.js';
import { fmt } from './progress-reporter.js';

const VERB = { add: 'Added to', remove: 'Removed from', replace: 'Replaced the members of' } as const;
const SHOWN_SAMPLES = 5;

export function formatSummary(result: UploadResult, options: { dryRun: boolean; failed: boolean }): string {
  const lines: string[] = [];
  const session = result.sessionId === undefined ? '' : `, session ${result.sessionId}`;
  const head = options.failed
    ? `Stopped before finishing (audience ${result.audienceId}${session}):`
    : options.dryRun
      ? `Dry run for audience ${result.audienceId}${session} (nothing was sent):`
      : `${VERB[result.operation]} audience ${result.audienceId}${session}:`;
  lines.push(head);
  if (result.alreadyCompleted) {
    lines.push('  this upload had already finished; nothing was sent (run without --resume to upload again)');
    return lines.join('\n');
  }
  const seconds = result.durationMs / 1000;
  const rate = seconds > 0 ? ` (${fmt(Math.round((result.rowsRead - result.rowsSkipped) / seconds))} rows/s)` : '';
  const change = result.sessionChange;
  if (change !== undefined) {
    const why = change.reason === 'ended' ? 'Graph had ended it' : `it began ${change.ageMinutes} minutes earlier (Graph's window is 90)`;
    lines.push(`  new session           ${result.sessionId ?? ''} (session ${change.previousSessionId} could not be continued: ${why})`);
  }
  if (result.earlierSessionIds.length > 0) {
    lines.push(`  earlier sessions      ${result.earlierSessionIds.join(', ')} (their acknowledged batches stay applied)`);
  }
  lines.push(`  schema                ${result.schema.join(', ')}`);
  lines.push(`  rows read             ${fmt(result.rowsRead)}`);
  if (result.rowsSkipped > 0) lines.push(`  skipped (resumed)     ${fmt(result.rowsSkipped)} already acknowledged`);
  lines.push(`  ${options.dryRun ? 'written' : 'sent and acknowledged'}${options.dryRun ? '               ' : ' '}${fmt(result.rowsSent)} rows in ${fmt(result.batchesSent)} batches`);
  lines.push(`  rejected here         ${fmt(result.rowsRejected)}${samples(result.rejectSamples)}`);
  const emptied = Object.entries(result.invalidValueCounts).filter(([, n]) => (n ?? 0) > 0);
  if (emptied.length > 0) {
    lines.push(`  values left empty     ${emptied.map(([key, n]) => `${key} ${fmt(n ?? 0)}`).join(', ')} (could not be normalised)`);
  }
  if (result.unusedKeys.length > 0) {
    const keys = result.unusedKeys.map((u) => `${u.key} in ${fmt(u.rows)} row${u.rows === 1 ? '' : 's'} (from row ${u.firstRow})`);
    if (result.moreUnusedKeyRows > 0) keys.push(`more keys in ${fmt(result.moreUnusedKeyRows)} rows`);
    lines.push(`  keys not used         ${keys.join(', ')}: not among the columns, which are the keys of the first lines; name them in --map to use them`);
  }
  if (result.mappedKeysNotFound.length > 0) {
    lines.push(`  mapped, not found     ${result.mappedKeysNotFound.join(', ')} (named in --map; no line has it)`);
  }
  if (!options.dryRun) {
    lines.push(`  server received       ${fmt(result.serverReceived)}`);
    lines.push(`  server invalid        ${fmt(result.serverInvalid)}${samples(result.serverInvalidSamples)}`);
  }
  if (result.retries > 0) lines.push(`  retries               ${fmt(result.retries)}`);
  lines.push(`  time                  ${seconds.toFixed(1)} s${rate}`);
  return lines.join('\n');
}

export function formatAudienceStatus(audience: Partial<CustomAudience>): string {
  const lower = audience.approximate_count_lower_bound;
  const upper = audience.approximate_count_upper_bound;
  const size =
    lower === undefined && upper === undefined
      ? 'size not reported'
      : lower === -1 || upper === -1
        ? 'size not available yet'
        : `about ${fmt(lower ?? 0)}–${fmt(upper ?? lower ?? 0)} people`;
  const status = audience.operation_status;
  const op = status === undefined ? '' : `; operation status ${status.code} "${status.description}"`;
  return `Audience ${audience.id ?? ''}: ${size}${op} (Meta applies changes within up to 24 hours)`;
}

function samples(problems: readonly RowProblem[]): string {
  if (problems.length === 0) return '';
  const shown = problems.slice(0, SHOWN_SAMPLES).map((p) => `${p.row === undefined ? 'a row' : `row ${p.row}`}: ${p.reason}`);
  const more = problems.length > SHOWN_SAMPLES ? `; …` : '';
  return `\n                        e.g. ${shown.join('\n                             ')}${more}`;
}
