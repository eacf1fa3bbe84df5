/**
 * The bulk operations behind matching, in storage terms only (the matching rule lives in
 * audiences/matching.ts): look people's keys up in batches, store rows with the person they
 * matched, index unmatched rows' keys, remove rows and members, and keep the counts in the same
 * transaction as the rows. Each apply* call is one transaction, including the queue progress, so a
 * crash leaves a batch either fully applied up to `rows_done` or not at all; re-applying is
 * harmless (rows are keyed by their hash, members are counted by existence).
 */
/** A (key type, 32-byte hash) pair; the audiences domain's `Pair` has the same shape. */
export interface Pair {
  type: number;
  hash: Buffer;
}

export interface AddRow {
  rowHash: Buffer;
  /** Packed (type, hash) pairs. */
  keys: Buffer;
  personId: string | null;
  matchType: number | null;
  /** For unmatched rows: the keys a person created later would be found by. */
  matchKeys: Buffer[];
}

export interface RemoveRow {
  rowHash: Buffer;
  matchKeys: Buffer[];
}

/** What a slice does to the queue and the bookkeeping, applied in the slice's transaction. */
export interface SliceProgress {
  batchId: number;
  /** Rows of the batch done after this slice. */
  rowsDone: number;
  finished: boolean;
  /** Rows this slice consumed (the session's pending count drops by it). */
  rowsInSlice: number;
  session?: { adAccountId: string; sessionId: string };
  /** Rows of this slice that matched someone (the session's num_matched). */
  matched: number;
  nowSeconds: number;
}

export interface StoredRow {
  audienceId: string;
  rowHash: Buffer;
  keys: Buffer;
}

export interface PersonKeySet {
  personId: string;
  keys: Pair[];
  attrs: Pair[];
}

export interface AudienceRowStore {
  /** People holding any of these keys: one batched lookup. */
  lookupPersonKeys(keys: Buffer[]): Promise<Array<{ key: Buffer; personId: string; keyType: number }>>;
  /** The same with keys as hex both ways (the matcher's form; saves two conversions per key). */
  lookupPersonKeysHex?(hexes: string[]): Promise<Array<{ hex: string; personId: string; keyType: number }>>;
  /** Packed attribute hashes (birth date) of these people. */
  personAttrs(personIds: string[]): Promise<Map<string, Buffer>>;

  applyAdd(audienceId: string, generation: number, rows: AddRow[], progress: SliceProgress): Promise<{ newRows: number; newMembers: number }>;
  /**
   * Several consecutive add batches of one audience in one transaction (fewer, larger commits:
   * each index page a commit writes then holds more of the new rows). Optional; applyAdd per
   * batch is the fallback.
   */
  applyAddBatches?(audienceId: string, generation: number, parts: Array<{ rows: AddRow[]; progress: SliceProgress }>): Promise<{ newRows: number; newMembers: number }>;
  applyRemove(audienceId: string, rows: RemoveRow[], personIds: string[], progress: SliceProgress): Promise<{ removedRows: number; removedMembers: number }>;
  /** Ends a replace: rows of older generations go, the count is recomputed and published. */
  commitReplace(audienceId: string, generation: number, failed: boolean, progress: SliceProgress): Promise<{ removedRows: number; members: number }>;
  /** A deleted audience's rows, keys and sessions go (in one transaction). */
  purgeAudience(audienceId: string, progress: SliceProgress): Promise<void>;
  /** Queue bookkeeping alone (a batch whose audience vanished, an empty slice). */
  advance(audienceId: string | null, progress: SliceProgress): Promise<void>;

  /** Housekeeping when the queue runs dry (SQLite: a WAL checkpoint). */
  whenQueueEmpty?(): Promise<void>;

  replacePersonKeys(sets: PersonKeySet[], nowSeconds: number): Promise<void>;
  deletePersonKeys(personIds: string[]): Promise<void>;
  /** Unmatched rows (of live audiences) that hold any of these match keys. */
  unmatchedRowsWithKeys(keys: Buffer[]): Promise<StoredRow[]>;
  /** Rows that matched this person, in every audience. */
  rowsOfPerson(personId: string): Promise<StoredRow[]>;
  /** Gives unmatched rows to a person (a person created later); returns new members per audience. */
  assignRows(entries: Array<{ audienceId: string; rowHash: Buffer; personId: string; matchType: number; matchKeys: Buffer[] }>): Promise<Map<string, number>>;
  /** Takes a person out of every audience: their rows become unmatched again, indexed by these keys. */
  unassignPerson(personId: string, rows: Array<{ audienceId: string; rowHash: Buffer; matchKeys: Buffer[] }>): Promise<Map<string, number>>;
}

/**
 * A row's identifiers packed for storage: 33 bytes a key, its type then its 32-byte hash. One
 * encoding for every backend, so a row written by one reads the same through another.
 */
export function packPairs(pairs: Pair[]): Buffer {
  const out = Buffer.allocUnsafe(pairs.length * 33);
  pairs.forEach((p, i) => {
    out[i * 33] = p.type;
    p.hash.copy(out, i * 33 + 1, 0, 32);
  });
  return out;
}

/**
 * The hashes of a packed key list. `copy: false` returns views into `buf` — cheaper, for callers
 * that drop them before `buf` is reused (the raw SQLite path).
 */
export function unpackHashes(buf: Buffer, copy = true): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o + 33 <= buf.length; o += 33) {
    const view = buf.subarray(o + 1, o + 33);
    out.push(copy ? Buffer.from(view) : view);
  }
  return out;
}
