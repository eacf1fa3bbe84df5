/**
 * Groups normalised rows into numbered batches, and on resume skips the rows
 * of batches already acknowledged — without normalising them again.
 *
 * Batches are contiguous runs of valid rows, so the same input with the same
 * options always yields the same batches; a resumed run therefore rebuilds
 * each missing batch with its original `batch_seq` and content.
 *
 * Rows come as arrays (the in-thread path) or, from the hashing workers, as
 * JSON bytes cut at row offsets (`addEncoded`): a batch of those is the JSON
 * of its rows, one copy of a few slices of the chunks' bytes, and is decoded
 * only if something asks for its rows as arrays.
 */
import type { EncodedRows } from './encoded-rows.js';

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');


/** A batch the server acknowledged, as recorded in the state file. */
export interface AckedBatch {
  readonly seq: number;
  /** Input row numbers (1-based, header excluded) of its first and last row. */
  readonly firstRow: number;
  readonly lastRow: number;
  readonly rows: number;
}

export interface Batch {
  readonly seq: number;
  /** Rows in the batch. */
  readonly size: number;
  /** The rows (decoded from `json` on first use when the batch was built from encoded rows). */
  readonly data: string[][];
  /** The rows as a JSON array (UTF-8, in parts: slices of the workers' buffers), when they came encoded: what the request body carries. */
  readonly json: readonly Uint8Array[] | undefined;
  /** Input row number of each row in `data` (to report server-side invalid samples by row). */
  readonly rowNumbers: number[];
  /**
   * The uploader is done with the batch (the server applied it and its answer is read): the
   * workers' buffers it holds may be reused, so neither `json` nor `data` may be read after.
   */
  release(): void;
}

class EncodedBatch implements Batch {
  #data: string[][] | undefined;
  #held: readonly EncodedRows[] | undefined;

  constructor(
    readonly seq: number,
    readonly size: number,
    readonly json: readonly Uint8Array[],
    readonly rowNumbers: number[],
    /** The chunks its rows are slices of, each held once by this batch. */
    held: readonly EncodedRows[],
  ) {
    this.#held = held;
  }

  get data(): string[][] {
    if (this.#held === undefined) throw new Error(`batch ${this.seq} was read after its release`);
    return (this.#data ??= JSON.parse(Buffer.concat(this.json).toString('utf8')) as string[][]);
  }

  release(): void {
    const held = this.#held;
    this.#held = undefined;
    for (const rows of held ?? []) rows.release();
  }
}

export class ResumeMismatchError extends Error {
  override readonly name = 'ResumeMismatchError';
}

export class BatchAssembler {
  readonly #size: number;
  readonly #acked: readonly AckedBatch[];
  #nextAcked = 0;
  #nextSeq = 1;
  #data: string[][] = [];
  #rowNumbers: number[] = [];
  /** Encoded rows of the batch being filled: finished slices, and the run still open in `#run`. */
  #pieces: Uint8Array[] = [];
  /** The chunks those slices come from, held for the batch. */
  #held: EncodedRows[] = [];
  /** Open while the batch being filled takes encoded rows (every encoded batch has one until it closes). */
  #run: { rows: EncodedRows; from: number; to: number } | undefined;

  constructor(batchSize: number, acked: readonly AckedBatch[] = []) {
    this.#size = batchSize;
    this.#acked = [...acked].sort((a, b) => a.firstRow - b.firstRow);
  }

  /**
   * True when the row belongs to an acknowledged batch. Rows must be offered
   * in increasing order. Call `close()` first when it returns true.
   */
  isAcknowledged(row: number): boolean {
    while (this.#nextAcked < this.#acked.length && this.#acked[this.#nextAcked]!.lastRow < row) this.#nextAcked++;
    const range = this.#acked[this.#nextAcked];
    if (range === undefined || row < range.firstRow) return false;
    if (row === range.firstRow) {
      if (this.#rowNumbers.length > 0) {
        throw new ResumeMismatchError(`rows before ${row} no longer fill whole batches: the input or the options changed`);
      }
      if (range.seq !== this.#nextSeq) {
        throw new ResumeMismatchError(
          `batch ${range.seq} was recorded at row ${row}, where this run counts batch ${this.#nextSeq}: the input or the options changed`,
        );
      }
      this.#nextSeq = range.seq + 1;
    }
    return true;
  }

  /** Add a normalised row; returns a batch when it is full. */
  add(row: number, values: string[]): Batch | undefined {
    if (this.#run !== undefined) throw new Error('a batch takes rows as arrays or encoded, not both');
    this.#data.push(values);
    this.#rowNumbers.push(row);
    return this.#data.length >= this.#size ? this.close() : undefined;
  }

  /** Add row `index` of a worker's encoded chunk; returns a batch when it is full. */
  addEncoded(row: number, rows: EncodedRows, index: number): Batch | undefined {
    if (this.#data.length > 0) throw new Error('a batch takes rows as arrays or encoded, not both');
    const run = this.#run;
    if (run !== undefined && run.rows === rows && run.to === index) run.to++;
    else {
      this.#endRun();
      this.#run = { rows, from: index, to: index + 1 };
      if (this.#held[this.#held.length - 1] !== rows) {
        rows.hold();
        this.#held.push(rows);
      }
    }
    this.#rowNumbers.push(row);
    return this.#rowNumbers.length >= this.#size ? this.close() : undefined;
  }

  #endRun(): void {
    const run = this.#run;
    if (run === undefined) return;
    // Rows from..to-1: from the first's start to the last's end (the next start less its comma).
    this.#pieces.push(run.rows.bytes.subarray(run.rows.offsets[run.from], run.rows.offsets[run.to]! - 1));
    this.#run = undefined;
  }

  /** The partial batch, if any (end of input). */
  close(): Batch | undefined {
    if (this.#run !== undefined) {
      this.#endRun();
      // Not copied here: the body is assembled once from these parts (request-encoding.ts jsonBody).
      const parts: Uint8Array[] = [OPEN];
      for (let i = 0; i < this.#pieces.length; i++) {
        if (i > 0) parts.push(COMMA);
        parts.push(this.#pieces[i]!);
      }
      parts.push(CLOSE);
      const batch = new EncodedBatch(this.#nextSeq++, this.#rowNumbers.length, parts, this.#rowNumbers, this.#held);
      this.#pieces = [];
      this.#held = [];
      this.#rowNumbers = [];
      return batch;
    }
    if (this.#data.length === 0) return undefined;
    const batch: Batch = { seq: this.#nextSeq++, size: this.#data.length, data: this.#data, json: undefined, rowNumbers: this.#rowNumbers, release: () => undefined };
    this.#data = [];
    this.#rowNumbers = [];
    return batch;
  }
}
