/**
 * Upload progress for people: a live bar on a terminal (rows, rows/s, ETA,
 * rejected so far), plain lines every few seconds otherwise (CI logs, pipes).
 * Only counts are shown, never row contents.
 */
import cliProgress from 'cli-progress';
import type { UploadProgress } from '../upload/uploader.js';

export interface ProgressReporter {
  update(progress: UploadProgress): void;
  /** A one-off message (retries, throttling) that must not garble the bar. */
  note(message: string): void;
  stop(): void;
}

export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

const LINE_INTERVAL_MS = 5_000;

export function createProgressReporter(options: {
  stream: OutputStream;
  /** Expected data rows, when known (file input). */
  total: number | undefined;
  now?: () => number;
}): ProgressReporter {
  const now = options.now ?? Date.now;
  return options.stream.isTTY === true ? barReporter(options.stream, options.total, now) : lineReporter(options.stream, options.total, now);
}

/** Rows finished: acknowledged, rejected here, or skipped as acknowledged earlier. */
function doneRows(p: UploadProgress): number {
  return p.rowsSent + p.rowsRejected + p.rowsSkipped;
}

function barReporter(stream: OutputStream, total: number | undefined, now: () => number): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      // cli-progress types its stream as a full WritableStream; it only calls write/cursor methods of a TTY.
      stream: stream as NodeJS.WritableStream,
      format:
        total === undefined
          ? '{value} rows | {speed} rows/s | rejected {rejected}'
          : '{bar} {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted} | rejected {rejected}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = now();
  let value = 0;
  // The bar's fields as last shown: a note restarts the bar with them, not with zeros.
  let shown = { speed: '0', rejected: 0 };
  bar.start(total ?? 0, 0, shown);
  return {
    update(p) {
      const done = doneRows(p);
      value = done;
      const seconds = (now() - started) / 1000;
      if (total !== undefined && done > total) bar.setTotal(done);
      shown = { speed: seconds > 0 ? fmt(Math.round((done - p.rowsSkipped) / seconds)) : '0', rejected: p.rowsRejected };
      bar.update(done, shown);
    },
    note(message) {
      bar.stop();
      stream.write(`${message}\n`);
      bar.start(Math.max(total ?? 0, value), value, shown);
    },
    stop() {
      bar.stop();
    },
  };
}

function lineReporter(stream: OutputStream, total: number | undefined, now: () => number): ProgressReporter {
  const started = now();
  let lastLine = started;
  let last: UploadProgress | undefined;
  const print = (p: UploadProgress): void => {
    const done = doneRows(p);
    const seconds = Math.max(0.001, (now() - started) / 1000);
    const rate = (done - p.rowsSkipped) / seconds;
    const share = total !== undefined && total > 0 ? ` (${Math.min(100, Math.floor((done / total) * 100))}%)` : '';
    const eta = total !== undefined && rate > 0 && total > done ? `, ETA ${formatDuration((total - done) / rate)}` : '';
    stream.write(
      `progress: ${fmt(done)}${total !== undefined ? `/${fmt(total)}` : ''} rows${share}, ` +
        `${fmt(Math.round(rate))} rows/s, ${fmt(p.rowsRejected)} rejected, ${p.batchesSent} batches acknowledged${eta}\n`,
    );
  };
  return {
    update(p) {
      last = p;
      if (now() - lastLine >= LINE_INTERVAL_MS) {
        lastLine = now();
        print(p);
      }
    },
    note(message) {
      stream.write(`${message}\n`);
    },
    stop() {
      if (last !== undefined) print(last);
    },
  };
}

export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
