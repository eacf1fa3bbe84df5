import { afterEach, describe, expect, it } from 'vitest';
import { createProgressReporter, formatDuration } from '../../../src/client/cli/progress-reporter.js';
import type { ProgressReporter } from '../../../src/client/cli/progress-reporter.js';
import type { UploadProgress } from '../../../src/client/upload/uploader.js';

/** Every `write` call, in order; a TTY when asked (cli-progress draws only on a TTY). */
function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return {
    writes,
    stream: { isTTY, columns: 200, write: (text: string) => writes.push(text) },
    /** What a person reads: escape sequences (cursor moves, line clears) removed, empty writes dropped. */
    texts: () => writes.map((w) => w.replace(/\x1B(?:\[[0-9;?]*[A-Za-z]|[78])/g, '')).filter((w) => w !== ''),
  };
}

function progress(p: Partial<UploadProgress>): UploadProgress {
  return { rowsRead: 0, rowsSkipped: 0, rowsRejected: 0, rowsSent: 0, batchesSent: 0, batchesInFlight: 0, ...p };
}

let open: ProgressReporter | undefined;
afterEach(() => {
  open?.stop(); // the bar runs a redraw timer until stopped
  open = undefined;
});

describe('progress on a terminal (bar)', () => {
  it('draws a bar with rows, percentage, rows/s, ETA and rejected rows', () => {
    const { stream, texts, writes } = fakeStream(true);
    let clock = 1_000_000;
    const reporter = (open = createProgressReporter({ stream, total: 40_000, now: () => clock }));
    expect(texts()[0]).toMatch(/^░+ 0% \| 0\/40000 rows \| 0 rows\/s \| ETA .* \| rejected 0$/);
    clock += 2_000;
    reporter.update(progress({ rowsRead: 20_010, rowsSent: 20_000, rowsRejected: 10, batchesSent: 2 }));
    reporter.stop();
    open = undefined;
    const last = texts().filter((t) => t.includes('rows |')).at(-1)!;
    // 20,000 sent + 10 rejected of 40,000 → 50 %; 20,010 rows in 2 s.
    expect(last).toMatch(/^█+░+ 50% \| 20010\/40000 rows \| 10,005 rows\/s \| ETA \S+ \| rejected 10$/);
    // It is a terminal bar: the cursor is moved and hidden, not one line per update.
    expect(writes.some((w) => w.startsWith('\x1B['))).toBe(true);
    expect(writes).toContain('\x1B[?25l');
    expect(writes.at(-1)).toBe('\n');
  });

  it('shows a count without a total (stdin)', () => {
    const { stream, texts } = fakeStream(true);
    const reporter = (open = createProgressReporter({ stream, total: undefined, now: () => 0 }));
    reporter.update(progress({ rowsRead: 5, rowsSent: 5 }));
    reporter.stop();
    open = undefined;
    expect(texts().filter((t) => t.includes('rows |')).at(-1)).toMatch(/^5 rows \| \S+ rows\/s \| rejected 0$/);
  });

  it('prints a note on a line of its own and redraws the bar with the counts it showed, not zeros', () => {
    const { stream, texts } = fakeStream(true);
    let clock = 0;
    const reporter = (open = createProgressReporter({ stream, total: 100, now: () => clock }));
    clock = 1_000;
    reporter.update(progress({ rowsRead: 50, rowsSent: 43, rowsRejected: 7, batchesSent: 5 }));
    const before = texts().length;
    reporter.note('batch 6: attempt 1 failed (code 2); retrying in 1s');
    const after = texts().slice(before);
    const noteAt = after.indexOf('batch 6: attempt 1 failed (code 2); retrying in 1s\n');
    expect(noteAt).toBeGreaterThanOrEqual(0);
    const redrawn = after.slice(noteAt + 1).find((t) => t.includes('rows |'));
    expect(redrawn).toMatch(/ 50% \| 50\/100 rows \| 50 rows\/s \| ETA \S+ \| rejected 7$/);
    expect(redrawn).not.toContain('rejected 0');
  });
});

describe('progress elsewhere (plain lines)', () => {
  it('prints a progress line at most every 5 s, notes at once, and a final line on stop', () => {
    const { stream, writes } = fakeStream(false);
    let clock = 0;
    const reporter = createProgressReporter({ stream, total: 30_000, now: () => clock });
    clock = 1_000;
    reporter.update(progress({ rowsRead: 10_000, rowsSent: 10_000, batchesSent: 1 }));
    expect(writes).toEqual([]); // not yet 5 s
    clock = 5_000;
    reporter.update(progress({ rowsRead: 15_002, rowsSent: 15_000, rowsRejected: 2, batchesSent: 2 }));
    expect(writes).toEqual(['progress: 15,002/30,000 rows (50%), 3,000 rows/s, 2 rejected, 2 batches acknowledged, ETA 5s\n']);
    clock = 6_000;
    reporter.update(progress({ rowsRead: 20_002, rowsSent: 20_000, rowsRejected: 2, batchesSent: 3 }));
    expect(writes).toHaveLength(1); // 1 s after the last line
    reporter.note('batch 4: attempt 1 failed (HTTP 503); retrying in 1s');
    expect(writes.at(-1)).toBe('batch 4: attempt 1 failed (HTTP 503); retrying in 1s\n');
    clock = 10_000;
    reporter.update(progress({ rowsRead: 30_000, rowsSkipped: 0, rowsSent: 29_998, rowsRejected: 2, batchesSent: 3 }));
    expect(writes.at(-1)).toBe('progress: 30,000/30,000 rows (100%), 3,000 rows/s, 2 rejected, 3 batches acknowledged\n');
    clock = 11_000;
    reporter.stop();
    expect(writes.at(-1)).toBe('progress: 30,000/30,000 rows (100%), 2,727 rows/s, 2 rejected, 3 batches acknowledged\n');
    // No cursor movement or bar characters in a log.
    expect(writes.join('')).not.toMatch(/\x1B|█|░/);
  });

  it('counts rows skipped by a resume as done but not in the rate, and prints nothing when there was no update', () => {
    const { stream, writes } = fakeStream(false);
    let clock = 0;
    const reporter = createProgressReporter({ stream, total: undefined, now: () => clock });
    clock = 5_000;
    reporter.update(progress({ rowsRead: 30_000, rowsSkipped: 20_000, rowsSent: 10_000, batchesSent: 1 }));
    expect(writes).toEqual(['progress: 30,000 rows, 2,000 rows/s, 0 rejected, 1 batches acknowledged\n']);
    const quiet = fakeStream(false);
    createProgressReporter({ stream: quiet.stream, total: 10, now: () => 0 }).stop();
    expect(quiet.writes).toEqual([]);
  });

  it('formats durations', () => {
    expect([formatDuration(0.2), formatDuration(59), formatDuration(61), formatDuration(3_600 * 2 + 60 * 5)]).toEqual(['1s', '59s', '1m01s', '2h05m']);
  });
});
