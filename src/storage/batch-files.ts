/**
 * A staged upload batch's packed rows as a file of its own, beside a file-backed SQLite store.
 *
 * Why: a 10,000-row request stages ~1.2 MB of packed hashes, and inside the SQLite transaction that
 * blob costs ~300 overflow pages written to the WAL at COMMIT — 4–5 ms on the event loop, the largest
 * cost of the request after parsing (docs/performance.md). Written as one file, the same bytes take
 * one `write` and one `fdatasync` on libuv's thread pool (~2 ms of latency, none of it on the event
 * loop), and the transaction that follows only records the file's name.
 *
 * Durability is kept: the file and its directory entry are synced before the transaction that
 * names it commits, so an acknowledged batch survives a crash. A crash between the two leaves a file
 * nothing names; `sweep` deletes those (at start-up, and whenever the matcher's queue runs dry).
 * Only one process writes a SQLite store, so the names written but not yet committed are known
 * here (`#pending`) and a sweep never races a request.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';

/** Batches smaller than this stay inline: a file's create and syncs cost more than the WAL pages. */
export const SPILL_MIN_BYTES = 128 << 10;
const SUFFIX = '.rows';

export class BatchFiles {
  readonly #dir: string;
  /** Written (or being written) and not yet committed or discarded. */
  readonly #pending = new Set<string>();

  constructor(dir: string) {
    this.#dir = dir;
    fs.mkdirSync(dir, { recursive: true });
  }

  get dir(): string {
    return this.#dir;
  }

  /** Writes `rows` durably; returns the name to record. The caller must `settle` or `discard` it. */
  async write(rows: Buffer): Promise<string> {
    const name = randomUUID() + SUFFIX;
    this.#pending.add(name);
    try {
      const file = await open(path.join(this.#dir, name), 'wx');
      try {
        await file.writeFile(rows);
        await file.datasync();
      } finally {
        await file.close();
      }
      // A new file's name lives in its directory: sync that too, or a power cut could lose the entry.
      const dir = await open(this.#dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      return name;
    } catch (e) {
      this.discard(name);
      throw e;
    }
  }

  /** The transaction naming the file committed: from now on the queue row owns it. */
  settle(name: string): void {
    this.#pending.delete(name);
  }

  /** The transaction naming the file did not commit (or the write failed): remove it. */
  discard(name: string): void {
    this.#pending.delete(name);
    fs.rmSync(path.join(this.#dir, name), { force: true });
  }

  read(name: string): Buffer {
    try {
      return fs.readFileSync(path.join(this.#dir, name));
    } catch (e) {
      throw new Error(`the staged rows of an upload batch are missing (${path.join(this.#dir, name)}): ${(e as Error).message}`, { cause: e });
    }
  }

  /** The batch files present now; list them before reading which ones are referenced. */
  list(): string[] {
    return fs.readdirSync(this.#dir).filter((f) => f.endsWith(SUFFIX));
  }

  /** Deletes the files of `listed` that no queue row names and no request is about to name. */
  sweep(listed: readonly string[], referenced: ReadonlySet<string>): number {
    let removed = 0;
    for (const name of listed) {
      if (referenced.has(name) || this.#pending.has(name)) continue;
      fs.rmSync(path.join(this.#dir, name), { force: true });
      removed++;
    }
    return removed;
  }
}
