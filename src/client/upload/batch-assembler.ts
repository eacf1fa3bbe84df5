/**
 * Groups normalised rows into numbered batches, and on resume skips the rows
 * of batches already acknowledged — without normalising them again.
 *
 * Batches are contiguous runs of valid rows, so the same input with the same
 * options always yields the same batches; a resumed run therefore rebuilds
 * each missing batch with its original `batch_seq` and content.
 */

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
  readonly data: string[][];
  /** Input row number of each row in `data` (to report server-side invalid samples by row). */
  readonly rowNumbers: number[];
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
      if (this.#data.length > 0) {
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
    this.#data.push(values);
    this.#rowNumbers.push(row);
    return this.#data.length >= this.#size ? this.close() : undefined;
  }

  /** The partial batch, if any (end of input). */
  close(): Batch | undefined {
    if (this.#data.length === 0) return undefined;
    const batch: Batch = { seq: this.#nextSeq++, data: this.#data, rowNumbers: this.#rowNumbers };
    this.#data = [];
    this.#rowNumbers = [];
    return batch;
  }
}
