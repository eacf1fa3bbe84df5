/**
 * The resume record of an upload: a small JSON file next to the input
 * (`customers.csv.localgraph-upload.json`). It holds ids, counts and the
 * acknowledged batches' row ranges — never row contents.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { AckedBatch } from './batch-assembler.js';
import type { UploadOperation } from './transport.js';

export interface UploadState {
  readonly version: 1;
  readonly operation: UploadOperation;
  readonly audienceId: string;
  readonly sessionId: number;
  /** Hash of the input's identity (size, mtime) and of every option that shapes batches. */
  readonly fingerprint: string;
  readonly batchSize: number;
  readonly acked: readonly AckedBatch[];
  /** True once the last batch (last_batch_flag) was acknowledged. */
  readonly completed: boolean;
  /** When this upload began (the first session's start, as far as the client knows). */
  readonly startedAt: string;
  readonly updatedAt: string;
  /**
   * When the current session (`sessionId`) began. Graph ends a session 90 minutes after its first
   * batch and discards later batches, so a resume checks it. Absent in older files: `startedAt`.
   */
  readonly sessionStartedAt?: string | undefined;
  /**
   * Batches (by `seq`, their place in the file) acknowledged in earlier sessions of this upload. The
   * current session numbers the other batches from 1 in file order (`batch_seq` = seq minus the
   * earlier batches before it).
   */
  readonly earlierSessionBatches?: readonly number[] | undefined;
  /** Ids of the earlier sessions, oldest first. */
  readonly earlierSessionIds?: readonly number[] | undefined;
  /** The highest `num_received` Graph reported for the current session. */
  readonly sessionReceived?: number | undefined;
  /** Graph was seen counting `num_received` across the session (not per request). */
  readonly cumulativeCounts?: boolean | undefined;
  /** Set when Graph discarded a batch of the current session: it has ended, a resume starts a new one. */
  readonly sessionEnded?: string | undefined;
  /** Batches that were in flight at once, so a resume knows which may have reached Graph unacknowledged. */
  readonly concurrency?: number | undefined;
}

export interface UploadStateStore {
  load(): Promise<UploadState | undefined>;
  save(state: UploadState): Promise<void>;
}

export function stateFilePath(inputPath: string): string {
  return `${inputPath}.localgraph-upload.json`;
}

/** A state store on disk; writes go to a temporary file renamed over the old one, so a crash never leaves half a file. */
export function fileStateStore(path: string): UploadStateStore {
  let writing: Promise<void> = Promise.resolve();
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      const state: unknown = JSON.parse(text);
      if (!isUploadState(state)) throw new Error(`${path} is not a localgraph upload state file`);
      return state;
    },
    save(state) {
      // Saves are chained: two batches acknowledged together must not interleave their renames.
      writing = writing.then(async () => {
        const tmp = `${path}.tmp`;
        await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', 'utf8');
        await rename(tmp, path);
      });
      return writing;
    },
  };
}

/** A store in memory (tests, programmatic use). */
export function memoryStateStore(initial?: UploadState): UploadStateStore & { current: UploadState | undefined } {
  const store = {
    current: initial,
    async load() {
      return store.current;
    },
    async save(state: UploadState) {
      store.current = state;
    },
  };
  return store;
}

function isUploadState(value: unknown): value is UploadState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.version === 1 && typeof v.audienceId === 'string' && typeof v.sessionId === 'number' && Array.isArray(v.acked);
}
