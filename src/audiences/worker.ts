/**
 * The matcher: takes staged batches off the queue in arrival order and applies them — dedup rows
 * by their hash, match each to a person (matching.ts), store, index the unmatched, remove, commit
 * replaces — in slices of a few thousand rows, each slice one transaction that also records the
 * queue progress. Uploads answer before this runs ("changes usually take up to 24 hours"); the
 * audience shows 441 until its queue is empty and its count is published.
 *
 * It runs in the server process on the event loop, so it gives way to requests: while uploads are
 * arriving it takes one small slice now and then, and the big slices once they stop.
 */
import crypto, { randomBytes } from 'node:crypto';
import type { Services } from '../server/services.js';
import { MissingBatchError, type CustomAudience, type UploadBatch } from '../storage/audiences.js';
import type { AddRow, RemoveRow, SliceProgress } from '../storage/audiences-rows.js';
import { isEmptyCell } from './hashing.js';
import { K } from './key-types.js';
import { birthKeysOf, combines, keyBit, matchRow, rowMatchKeys, type BirthKeys, type Pair } from './matching.js';
import type { PeopleSync } from './people-sync.js';
import { SESSION_WINDOW_SECONDS } from './sessions.js';

/** Rows per slice when requests keep arriving, and when the server is otherwise idle. */
const BUSY_SLICE = 500;
const IDLE_SLICE = 10_000;
/**
 * Rows per transaction when idle: consecutive add batches of one audience are applied together.
 * Index pages are written once per commit, so a commit holding more rows writes fewer pages per row.
 */
// 40,000 since the page cache stopped holding ~200 MiB of the start-up people scan: count final
// 34 -> 28 s, peak RSS 365 -> 413 MiB in the million-row bench (docs/performance.md).
const IDLE_ROWS_PER_COMMIT = 40_000;
/**
 * A write seen this recently means "busy": a client sending batch after batch leaves gaps between
 * them (its own work, a GC pause) that must not start a 60,000-row commit under the next request.
 */
const BUSY_GAP_MS = 250;
/** While busy the matcher waits; only after this long without a pause does it take small slices… */
const MAX_DEFER_MS = 5_000;
/** …one at most this often. */
const BUSY_SLICE_EVERY_MS = 500;
/** In-flight requests not heard of for this long are taken as gone. */
const STUCK_REQUEST_MS = 10_000;
/** The periodic check (session windows, clock moves, people who changed behind our back). */
const TICK_MS = 500;
/** Finished batches' row files (storage/batch-files.ts) are deleted when the queue runs dry, and at least this often. */
const SWEEP_EVERY_MS = 10_000;
/** A batch claimed by a worker that has not finished it for this long may be taken over. */
const STALE_CLAIM_MS = 120_000;

/** A row's match key: its hex (for the batched lookup) and where its 32 bytes are. */
export interface MatchKey {
  type: number;
  hex: string;
  /** The key's bytes: a slice of the row's packed keys, or a derived hash. */
  bytes: Buffer;
}

export interface PreparedRow {
  /** Packed (type, hash) pairs sorted by type: what is stored. */
  keys: Buffer;
  rowHash: Buffer;
  matchKeys: MatchKey[];
  birth: BirthKeys;
}

/** Keys whose match key is the cell itself (no combination needed). */
const DIRECT = new Set<number>([K.EMAIL, K.PHONE, K.MADID, K.APPUID, K.PAGEUID]);
/** Column indexes of a batch in key-type order: a row's pairs come out sorted without a sort. */
export function columnOrder(columns: number[]): number[] {
  return columns.map((_, i) => i).sort((a, b) => columns[a] - columns[b]);
}

/**
 * A staged row's non-empty cells packed as (type, hash) pairs in type order, with its identity
 * hash and match keys. This runs a million times per million rows, so it copies bytes once and
 * derives only what the row's keys can make (combined keys need a last name or an extern id).
 */
export function prepareRow(batch: Buffer, index: number, columns: number[], order: number[], adAccountId: string): PreparedRow {
  const base = index * columns.length * 32;
  let n = 0;
  for (const c of order) if (!isEmptyCell(batch, base + c * 32)) n++;
  const keys = Buffer.allocUnsafe(n * 33);
  const matchKeys: MatchKey[] = [];
  let present = 0;
  let birth: BirthKeys | undefined;
  let o = 0;
  for (const c of order) {
    const off = base + c * 32;
    if (isEmptyCell(batch, off)) continue;
    const type = columns[c];
    keys[o] = type;
    batch.copy(keys, o + 1, off, off + 32);
    if (DIRECT.has(type)) matchKeys.push({ type, hex: keys.toString('hex', o + 1, o + 33), bytes: keys.subarray(o + 1, o + 33) });
    else if (type === K.DOBY || type === K.DOBM || type === K.DOBD) (birth ??= {})[type] = keys.subarray(o + 1, o + 33);
    present |= keyBit(type);
    o += 33;
  }
  if (combines(present)) {
    const pairs: Pair[] = [];
    for (let p = 0; p < keys.length; p += 33) pairs.push({ type: keys[p], hash: keys.subarray(p + 1, p + 33) });
    for (const k of rowMatchKeys(pairs, adAccountId)) {
      if (!DIRECT.has(k.type)) matchKeys.push({ type: k.type, hex: k.hash.toString('hex'), bytes: k.hash });
    }
  }
  return { keys, rowHash: Buffer.from(crypto.hash('sha256', keys, 'hex'), 'hex'), matchKeys, birth: birth ?? {} };
}

type Found = Array<{ hex: string; personId: string; keyType: number }>;

async function lookup(services: Services, hexes: string[]): Promise<Found> {
  const store = services.store.audiences.rows;
  if (hexes.length === 0) return [];
  if (store.lookupPersonKeysHex) return store.lookupPersonKeysHex(hexes);
  return (await store.lookupPersonKeys(hexes.map((h) => Buffer.from(h, 'hex')))).map((h) => ({ hex: h.key.toString('hex'), personId: h.personId, keyType: h.keyType }));
}

/**
 * Matches prepared rows against people with batched lookups: first every row's email (the
 * strongest key, and the one most rows that match at all match by), then every other key of the
 * rows the emails left unresolved — half the lookups of asking for every key at once.
 */
export async function matchRows(services: Services, rows: PreparedRow[]): Promise<Array<{ personId: string; matchType: number } | null>> {
  // People by key type, then by the key's hex. The rows' hex strings are made once in prepareRow
  // and V8 keeps each string's hash, so these lookups hash nothing twice (a "type:hex" key made a
  // new 66-character string, and hashed it, per probe: seconds per million rows).
  const hits = new Map<number, Map<string, string[]>>();
  const nameBased = new Set<string>();
  const record = (found: Found): void => {
    for (const h of found) {
      let byHex = hits.get(h.keyType);
      if (!byHex) hits.set(h.keyType, (byHex = new Map()));
      const list = byHex.get(h.hex);
      if (list) list.push(h.personId);
      else byHex.set(h.hex, [h.personId]);
      if (h.keyType >= K.NAME_ZIP && h.keyType <= K.INITIAL_CITY_STATE) nameBased.add(h.personId);
    }
  };
  const keysOf = (of: PreparedRow[], pick: (type: number) => boolean): string[] => {
    const set = new Set<string>();
    for (const r of of) for (const k of r.matchKeys) if (pick(k.type)) set.add(k.hex);
    return [...set];
  };
  const find = (k: MatchKey): string[] | undefined => hits.get(k.type)?.get(k.hex);
  record(await lookup(services, keysOf(rows, (t) => t === K.EMAIL)));
  const emailHits = hits.get(K.EMAIL);
  const open = emailHits ? rows.filter((r) => !r.matchKeys.some((k) => k.type === K.EMAIL && emailHits.has(k.hex))) : rows;
  record(await lookup(services, keysOf(open, (t) => t !== K.EMAIL)));
  const attrs = nameBased.size > 0 ? await services.store.audiences.rows.personAttrs([...nameBased]) : new Map<string, Buffer>();
  const birthOf = (personId: string): BirthKeys | undefined => {
    const a = attrs.get(personId);
    if (!a) return undefined;
    const pairs: Pair[] = [];
    for (let o = 0; o + 33 <= a.length; o += 33) pairs.push({ type: a[o], hash: a.subarray(o + 1, o + 33) });
    return birthKeysOf(pairs);
  };
  return rows.map((r) => matchRow(r.matchKeys, r.birth, find, birthOf));
}

export class MatchWorker {
  readonly id = 'w' + process.pid + '-' + randomBytes(4).toString('hex');
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private ticker: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private inFlight = 0;
  private lastActivity = 0;
  private lastBusySlice = 0;
  private deferSince: number | undefined;
  /**
   * The last look found a ready batch and traffic held it back. While that lasts the loop waits
   * without claiming again: a claim reads the batch's 1.2 MB of rows and rewrites its row (a write
   * transaction), which every 25 ms between upload requests cost them ~1.5 ms each.
   */
  private heldBack = false;
  private sliceSinceIdle = false;
  private lastSweep = 0;
  /** Rows processed since start, and where the time went (ms), for the control surface and the benchmark. */
  processedRows = 0;
  readonly timings = { prepare: 0, match: 0, apply: 0, slices: 0 };
  lastError: string | undefined;

  constructor(
    private readonly services: Services,
    private readonly people: PeopleSync,
  ) {}

  start(): void {
    this.ticker = setInterval(() => this.notify(), TICK_MS);
    this.ticker.unref();
    this.notify();
  }

  /** An upload request begins (+1) or ends (-1): the worker keeps out of its way. */
  activity(delta: 1 | -1): void {
    this.inFlight = Math.max(0, this.inFlight + delta);
    this.lastActivity = performance.now();
  }

  notify(delayMs = 0): void {
    if (this.stopped) return;
    const at = performance.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.run();
    }, delayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    await this.running;
  }

  /** Runs until the queue has nothing ready; resolves when idle (used by the control surface). */
  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.notify();
      }
    });
    return this.running;
  }

  private busy(): boolean {
    const quiet = performance.now() - this.lastActivity;
    // A request that never reports its end (a dropped connection has no onResponse) stops
    // counting after a while, so the matcher cannot be held off for good.
    if (this.inFlight > 0 && quiet > STUCK_REQUEST_MS) this.inFlight = 0;
    return this.inFlight > 0 || quiet < BUSY_GAP_MS;
  }

  private async loop(): Promise<void> {
    const { store, clock } = this.services;
    const repo = store.audiences;
    try {
      await this.expireReplaceSessions();
      while (!this.stopped) {
        await this.people.ensure();
        if (this.heldBack && this.holdBack(performance.now())) return;
        const nowMs = clock.now();
        let batch: UploadBatch | undefined;
        try {
          batch = await repo.claimNext(this.id, nowMs, STALE_CLAIM_MS);
        } catch (e) {
          if (!(e instanceof MissingBatchError)) throw e;
          await this.retire(e);
          continue;
        }
        this.heldBack = false;
        if (!batch) {
          const ranDry = this.sliceSinceIdle;
          if (ranDry) {
            this.sliceSinceIdle = false;
            await repo.rows.whenQueueEmpty?.();
          }
          await this.sweep(ranDry);
          const next = await repo.nextReadyAt();
          if (next !== undefined) this.notify(Math.max(5, next - clock.now()));
          return;
        }
        let size = IDLE_SLICE;
        const now = performance.now();
        if (this.holdBack(now)) {
          this.heldBack = true;
          return;
        }
        if (this.busy()) {
          size = BUSY_SLICE;
          this.lastBusySlice = now;
        } else {
          this.deferSince = undefined;
        }
        await this.processSlice(batch, size);
        this.sliceSinceIdle = true;
        // A long upload never lets the queue run dry: finished batches' files go meanwhile too.
        await this.sweep(false);
        // Let requests in between slices.
        await new Promise((r) => setImmediate(r));
      }
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      this.services.log.error({ err: e }, 'audience matching failed; retrying');
      this.notify(1000);
    }
  }

  /** Deletes finished batches' row files (storage/batch-files.ts): when `now`, else at most every SWEEP_EVERY_MS. */
  private async sweep(now: boolean): Promise<void> {
    if (!now && performance.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = performance.now();
    await this.services.store.audiences.sweepBatchFiles();
  }

  /**
   * A batch whose rows' file is gone (a data folder restored without `localgraph-queue/`, or emptied
   * by hand) can never be applied; left at the head of the queue it would stop matching for every
   * audience. It is retired as done — its session's pending count drops — and said loudly.
   */
  private async retire(e: MissingBatchError): Promise<void> {
    const b = e.batch;
    this.lastError = e.message;
    this.services.log.error(
      { batchId: b.id, audienceId: b.audience_id, sessionId: b.session_id, rows: Number(b.row_count) - Number(b.rows_done) },
      `an upload batch's rows are missing, so it cannot be matched; it is dropped: ${e.message}`,
    );
    await this.services.store.audiences.rows.advance(b.audience_id, {
      batchId: b.id,
      rowsDone: Number(b.row_count),
      finished: true,
      rowsInSlice: Number(b.row_count) - Number(b.rows_done),
      ...(b.session_id ? { session: { adAccountId: b.ad_account_id, sessionId: b.session_id } } : {}),
      matched: 0,
      nowSeconds: this.services.clock.nowSeconds(),
    });
  }

  /**
   * Traffic holds the matcher back unless it has waited MAX_DEFER_MS, and then it takes a small
   * slice every BUSY_SLICE_EVERY_MS. True (and the next look scheduled) when it should wait now.
   */
  private holdBack(now: number): boolean {
    if (!this.busy()) return false;
    this.deferSince ??= now;
    const starving = now - this.deferSince > MAX_DEFER_MS;
    const wait = starving ? this.lastBusySlice + BUSY_SLICE_EVERY_MS - now : 25;
    if (starving && wait <= 0) return false;
    this.notify(Math.max(5, Math.min(wait, BUSY_SLICE_EVERY_MS)));
    return true;
  }

  /** Replace sessions past their 90 minutes without a last batch: commit what arrived, as failed. */
  private async expireReplaceSessions(): Promise<void> {
    const { store, clock, config } = this.services;
    const now = clock.nowSeconds();
    for (const s of await store.audiences.expiredReplaceSessions(now - SESSION_WINDOW_SECONDS)) {
      await store.audiences.updateSession(s.ad_account_id, s.session_id, { committed: 1, closed_at: Number(s.started_at) + SESSION_WINDOW_SECONDS });
      await store.audiences.enqueue({
        audience_id: s.audience_id,
        ad_account_id: s.ad_account_id,
        session_id: s.session_id,
        op: 'commit_replace_failed',
        generation: s.generation,
        columns: '[]',
        row_count: 0,
        rows: Buffer.alloc(0),
        rows_done: 0,
        ready_at_ms: clock.now() + config.matchDelayMs,
        staged_at: now,
        claimed_by: null,
        claimed_at: null,
      });
    }
  }

  private async processSlice(batch: UploadBatch, size: number): Promise<void> {
    const { store, clock } = this.services;
    const rows = store.audiences.rows;
    const audience = batch.audience_id ? await store.audiences.getAudience(batch.audience_id) : undefined;
    const lo = Number(batch.rows_done);
    let hi = Math.min(Number(batch.row_count), lo + size);
    const progress: SliceProgress = {
      batchId: Number(batch.id),
      rowsDone: hi,
      finished: hi >= Number(batch.row_count),
      rowsInSlice: hi - lo,
      session: batch.session_id ? { adAccountId: batch.ad_account_id, sessionId: batch.session_id } : undefined,
      matched: 0,
      nowSeconds: clock.nowSeconds(),
    };
    if (batch.op === 'purge') {
      if (batch.audience_id) await rows.purgeAudience(batch.audience_id, { ...progress, finished: true });
      return;
    }
    if (!audience) {
      // The audience was deleted after this batch was staged: nothing to apply.
      await rows.advance(null, { ...progress, rowsDone: Number(batch.row_count), finished: true, session: undefined });
      return;
    }
    if (batch.op === 'commit_replace' || batch.op === 'commit_replace_failed') {
      await rows.commitReplace(audience.id, Number(batch.generation ?? audience.generation), batch.op === 'commit_replace_failed', { ...progress, finished: true });
      return;
    }
    // Idle, and the store can commit several batches at once: take the ones queued behind this one.
    const together =
      size === IDLE_SLICE && progress.finished && batch.op !== 'remove' && rows.applyAddBatches
        ? await store.audiences.claimFollowing(this.id, batch, clock.now(), IDLE_ROWS_PER_COMMIT)
        : [];
    const t0 = performance.now();
    const parts: Array<{ batch: UploadBatch; prepared: PreparedRow[]; progress: SliceProgress }> = [{ batch, prepared: this.prepare(batch, lo, hi, audience), progress }];
    for (const b of together) {
      const n = Number(b.row_count);
      parts.push({
        batch: b,
        prepared: this.prepare(b, Number(b.rows_done), n, audience),
        progress: { ...progress, batchId: Number(b.id), rowsDone: n, finished: true, rowsInSlice: n - Number(b.rows_done), session: b.session_id ? { adAccountId: b.ad_account_id, sessionId: b.session_id } : undefined },
      });
    }
    const t1 = performance.now();
    const all = parts.flatMap((p) => p.prepared);
    const matches = await matchRows(this.services, all);
    let at = 0;
    const perPart = parts.map((p) => {
      const m = matches.slice(at, at + p.prepared.length);
      at += p.prepared.length;
      p.progress.matched = m.filter((x) => x !== null).length;
      return m;
    });
    const t2 = performance.now();
    if (batch.op === 'remove') await this.applyRemove(audience, parts[0].prepared, perPart[0], progress);
    else await this.applyAdd(audience, parts.map((p, i) => ({ batch: p.batch, prepared: p.prepared, matches: perPart[i], progress: p.progress })));
    const t3 = performance.now();
    hi = lo + all.length;
    this.timings.prepare += t1 - t0;
    this.timings.match += t2 - t1;
    this.timings.apply += t3 - t2;
    this.timings.slices++;
    this.processedRows += hi - lo;
  }

  private prepare(batch: UploadBatch, lo: number, hi: number, audience: CustomAudience): PreparedRow[] {
    const columns = JSON.parse(batch.columns) as number[];
    const order = columnOrder(columns);
    const out: PreparedRow[] = [];
    for (let i = lo; i < hi; i++) out.push(prepareRow(batch.rows, i, columns, order, audience.ad_account_id));
    return out;
  }

  private async applyAdd(
    audience: CustomAudience,
    parts: Array<{ batch: UploadBatch; prepared: PreparedRow[]; matches: Array<{ personId: string; matchType: number } | null>; progress: SliceProgress }>,
  ): Promise<void> {
    const toRows = (prepared: PreparedRow[], matches: Array<{ personId: string; matchType: number } | null>): AddRow[] =>
      prepared.map((r, i) => {
        const m = matches[i];
        return {
          rowHash: r.rowHash,
          keys: r.keys,
          personId: m?.personId ?? null,
          matchType: m?.matchType ?? null,
          matchKeys: m ? [] : r.matchKeys.map((k) => k.bytes),
        };
      });
    const first = parts[0].batch;
    const generation = first.op === 'replace' ? Number(first.generation ?? audience.generation) : Number(audience.generation);
    const rows = this.services.store.audiences.rows;
    if (rows.applyAddBatches) {
      await rows.applyAddBatches(audience.id, generation, parts.map((p) => ({ rows: toRows(p.prepared, p.matches), progress: p.progress })));
    } else {
      for (const p of parts) await rows.applyAdd(audience.id, generation, toRows(p.prepared, p.matches), p.progress);
    }
  }

  private async applyRemove(
    audience: CustomAudience,
    prepared: PreparedRow[],
    matches: Array<{ personId: string; matchType: number } | null>,
    progress: SliceProgress,
  ): Promise<void> {
    const remove: RemoveRow[] = prepared.map((r) => ({ rowHash: r.rowHash, matchKeys: r.matchKeys.map((k) => k.bytes) }));
    const people = matches.filter((m): m is { personId: string; matchType: number } => m !== null).map((m) => m.personId);
    await this.services.store.audiences.rows.applyRemove(audience.id, remove, people, progress);
  }
}
