/**
 * The matcher's bulk operations on the embedded SQLite store, through the raw better-sqlite3
 * connection: prepared statements run synchronously (about 1 µs of call overhead each instead of
 * Kysely's tens), each apply* is one transaction, and batched lookups go through `json_each`
 * with CROSS JOIN, which forces the JSON as the outer loop — a plain JOIN once picked a plan that
 * re-parsed the JSON per table row and ran for minutes (spec/machine-limits.md §5a).
 */
import type SQLite from 'better-sqlite3';
import type { AddRow, AudienceRowStore, Pair, PersonKeySet, RemoveRow, SliceProgress, StoredRow } from './audiences-rows.js';
import { packPairs as pack, unpackHashes as unpackAll } from './audiences-rows.js';



/** Kysely runs its own transactions on this connection across awaits; never write inside one. */
async function whenIdle(raw: SQLite.Database): Promise<void> {
  for (let i = 0; raw.inTransaction; i++) {
    if (i > 50_000) throw new Error('the SQLite connection stayed inside a transaction for too long');
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * WAL pages a checkpoint may wait for (1 GiB). A matcher commit dirties thousands of random index
 * pages; with the default (1,000 pages) every commit also checkpoints, writing each of those pages a
 * second time, and the same hot pages again at the next commit. Checkpointing once when the queue
 * runs dry (whenQueueEmpty) writes each page once. The WAL file grows meanwhile (about 4 GB of
 * frames are appended per million rows matched, most of them the same pages again).
 */
const WAL_AUTOCHECKPOINT_PAGES = 262_144;
/** SQLite page cache for the connection, KiB. */
const PAGE_CACHE_KIB = 16 * 1024;

/**
 * The connection's page cache, set as soon as the store binds the connection (audiences.ts) and
 * not when the matcher first needs its statements: the people sync counts a million people before
 * the first batch, and with the connection's opening 256 MiB cache that scan filled ~250 MiB of
 * pages which shrinking the cache afterwards gave back to malloc but not to the system (RSS).
 */
export function limitPageCache(raw: SQLite.Database): void {
  raw.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
}

export class SqliteAudienceRows implements AudienceRowStore {
  private stmts: ReturnType<SqliteAudienceRows['prepare']> | undefined;

  constructor(private readonly raw: SQLite.Database) {
    raw.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    // The page cache counts in the server's RSS (under 512 MiB for a million-row audience, issue 5);
    // machine-limits §5a measured inserts no faster with 256 MiB than with 16 MiB.
    limitPageCache(raw);
  }

  /**
   * One matcher transaction. It needs no fsync of its own: everything it writes is derived from
   * the queue, and its batch's progress commits with it, so after a power cut the batch is simply
   * applied again. The next request's commit (synchronous=FULL) syncs the log up to and including
   * it; an acknowledged upload is never behind an unsynced matcher write.
   */
  private tx<T>(fn: () => T): T {
    const prev = this.raw.pragma('synchronous', { simple: true }) as number;
    this.raw.pragma('synchronous = NORMAL');
    try {
      return this.raw.transaction(fn)();
    } finally {
      this.raw.pragma(`synchronous = ${prev}`);
    }
  }

  /** People joining and leaving come from requests and events, not the queue: they sync as usual. */
  private durableTx<T>(fn: () => T): T {
    return this.raw.transaction(fn)();
  }

  async whenQueueEmpty(): Promise<void> {
    await whenIdle(this.raw);
    // TRUNCATE gives the disk back; it only completes when no reader holds an old snapshot.
    this.raw.pragma('wal_checkpoint(TRUNCATE)');
  }

  private get s(): ReturnType<SqliteAudienceRows['prepare']> {
    this.stmts ??= this.prepare();
    return this.stmts;
  }

  private prepare() {
    const db = this.raw;
    return {
      lookupHex: db.prepare(
        'SELECT j.value AS hex, pk.person_id AS personId, pk.key_type AS keyType FROM json_each(?) j CROSS JOIN person_keys pk ON pk.key_hash = unhex(j.value)',
      ),
      attrs: db.prepare('SELECT j.value AS p, s.attrs AS a FROM json_each(?) j CROSS JOIN person_key_sets s ON s.person_id = j.value'),
      memberExists: db.prepare('SELECT 1 FROM audience_rows INDEXED BY audience_rows_person WHERE person_id = ? AND audience_id = ? LIMIT 1').pluck(),
      insertRow: db.prepare(
        'INSERT OR IGNORE INTO audience_rows (audience_id, row_hash, keys, person_id, match_type, generation, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      setGeneration: db.prepare('UPDATE audience_rows SET generation = ? WHERE audience_id = ? AND row_hash = ?'),
      insertMatchKey: db.prepare('INSERT OR IGNORE INTO row_match_keys (audience_id, key_hash, row_hash) VALUES (?, ?, ?)'),
      // An unmatched row's match keys, packed, by the row's id (ids never repeat: migration 007).
      pendRow: db.prepare('INSERT INTO row_match_pending (row_id, keys) VALUES (?, ?)'),
      logPending: db.prepare('SELECT 1 FROM row_match_pending LIMIT 1').pluck(),
      // Each pending blob unpacked into its 32-byte keys (a row has at most 16), sorted like the
      // index so the move appends instead of splitting pages at random; entries of rows that were
      // removed or matched since are left behind.
      flushLog: db.prepare(
        `INSERT OR IGNORE INTO row_match_keys (audience_id, key_hash, row_hash)
         SELECT CAST(r.audience_id AS TEXT), substr(p.keys, n.i * 32 + 1, 32), r.row_hash
         FROM row_match_pending p
         CROSS JOIN audience_rows r ON r.id = p.row_id
         CROSS JOIN (WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 15) SELECT i FROM n) n
         WHERE r.person_id IS NULL AND n.i * 32 < length(p.keys)
         ORDER BY 1, 2, 3`,
      ),
      clearLog: db.prepare('DELETE FROM row_match_pending'),
      // Before the audience's rows go: afterwards nothing would tell its entries apart.
      purgeLog: db.prepare('DELETE FROM row_match_pending WHERE row_id IN (SELECT id FROM audience_rows WHERE audience_id = ?)'),
      // The waiting keys of the rows a committed replace is about to drop (before they go, as purgeLog).
      dropReplacedLog: db.prepare('DELETE FROM row_match_pending WHERE row_id IN (SELECT id FROM audience_rows WHERE audience_id = ? AND generation < ?)'),
      deleteMatchKey: db.prepare('DELETE FROM row_match_keys WHERE audience_id = ? AND key_hash = ? AND row_hash = ?'),
      // Without INDEXED BY the planner prefers the primary key's audience_id prefix and scans the audience.
      deleteByPerson: db.prepare('DELETE FROM audience_rows INDEXED BY audience_rows_person WHERE person_id = ? AND audience_id = ?'),
      deleteByHash: db.prepare('DELETE FROM audience_rows WHERE audience_id = ? AND row_hash = ? RETURNING person_id'),
      bumpMembers: db.prepare('UPDATE custom_audiences SET member_count = member_count + ?, time_content_updated = ? WHERE id = ?'),
      bumpBoth: db.prepare(
        'UPDATE custom_audiences SET member_count = member_count + ?, published_count = CASE WHEN published_count >= 0 THEN published_count + ? ELSE published_count END WHERE id = ?',
      ),
      deleteBatch: db.prepare('DELETE FROM upload_batches WHERE id = ?'),
      batchDone: db.prepare('UPDATE upload_batches SET rows_done = ? WHERE id = ?'),
      sessionProgress: db.prepare(
        'UPDATE audience_sessions SET rows_pending = MAX(0, rows_pending - ?), num_matched = num_matched + ? WHERE ad_account_id = ? AND session_id = ?',
      ),
      pendingFor: db.prepare('SELECT 1 FROM upload_batches WHERE audience_id = ? LIMIT 1').pluck(),
      publish: db.prepare(
        "UPDATE custom_audiences SET published_count = member_count, time_content_updated = ? WHERE id = ? AND (replace_state IS NULL OR replace_state <> 'running')",
      ),
      dropOldGenerations: db.prepare('DELETE FROM audience_rows WHERE audience_id = ? AND generation < ?'),
      dropOrphanKeys: db.prepare(
        'DELETE FROM row_match_keys WHERE audience_id = ? AND NOT EXISTS (SELECT 1 FROM audience_rows r WHERE r.audience_id = row_match_keys.audience_id AND r.row_hash = row_match_keys.row_hash)',
      ),
      countMembers: db.prepare('SELECT COUNT(DISTINCT person_id) FROM audience_rows WHERE audience_id = ? AND person_id IS NOT NULL').pluck(),
      finishReplace: db.prepare(
        'UPDATE custom_audiences SET member_count = ?, published_count = ?, replace_state = ?, time_content_updated = ? WHERE id = ?',
      ),
      purgeRows: db.prepare('DELETE FROM audience_rows WHERE audience_id = ?'),
      purgeKeys: db.prepare('DELETE FROM row_match_keys WHERE audience_id = ?'),
      purgeSessions: db.prepare('DELETE FROM audience_sessions WHERE audience_id = ?'),
      purgeBatches: db.prepare('DELETE FROM upload_batches WHERE audience_id = ?'),
      purgeAudience: db.prepare('DELETE FROM custom_audiences WHERE id = ?'),
      getKeySet: db.prepare('SELECT keys FROM person_key_sets WHERE person_id = ?').pluck(),
      deletePersonKey: db.prepare('DELETE FROM person_keys WHERE key_hash = ? AND person_id = ?'),
      insertPersonKey: db.prepare('INSERT OR IGNORE INTO person_keys (key_hash, person_id, key_type) VALUES (?, ?, ?)'),
      upsertKeySet: db.prepare(
        'INSERT INTO person_key_sets (person_id, keys, attrs, built_at) VALUES (?, ?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET keys = excluded.keys, attrs = excluded.attrs, built_at = excluded.built_at',
      ),
      deleteKeySet: db.prepare('DELETE FROM person_key_sets WHERE person_id = ?'),
      unmatchedWithKeys: db.prepare(
        'SELECT m.audience_id AS a, m.row_hash AS h, r.keys AS k FROM json_each(?) j CROSS JOIN custom_audiences c CROSS JOIN row_match_keys m ON m.audience_id = c.id AND m.key_hash = unhex(j.value) CROSS JOIN audience_rows r ON r.audience_id = m.audience_id AND r.row_hash = m.row_hash WHERE c.deleted = 0 AND r.person_id IS NULL',
      ),
      // audience_id is stored as an integer (migration 007) and a 17-digit id is past 2^53.
      rowsOfPerson: db.prepare(
        'SELECT CAST(audience_id AS TEXT) AS a, row_hash AS h, keys AS k FROM audience_rows INDEXED BY audience_rows_person WHERE person_id = ?',
      ),
      assign: db.prepare('UPDATE audience_rows SET person_id = ?, match_type = ? WHERE audience_id = ? AND row_hash = ? AND person_id IS NULL'),
      unassign: db.prepare('UPDATE audience_rows SET person_id = NULL, match_type = NULL WHERE audience_id = ? AND row_hash = ?'),
    };
  }

  private progress(audienceId: string | null, p: SliceProgress): void {
    const s = this.s;
    if (p.finished) s.deleteBatch.run(p.batchId);
    else s.batchDone.run(p.rowsDone, p.batchId);
    if (p.session) s.sessionProgress.run(p.rowsInSlice, p.matched, p.session.adAccountId, p.session.sessionId);
    if (audienceId && p.finished && !s.pendingFor.get(audienceId)) s.publish.run(p.nowSeconds, audienceId);
  }

  async lookupPersonKeys(keys: Buffer[]): Promise<Array<{ key: Buffer; personId: string; keyType: number }>> {
    const found = await this.lookupPersonKeysHex(keys.map((k) => k.toString('hex')));
    return found.map((r) => ({ key: Buffer.from(r.hex, 'hex'), personId: r.personId, keyType: r.keyType }));
  }

  async lookupPersonKeysHex(hexes: string[]): Promise<Array<{ hex: string; personId: string; keyType: number }>> {
    if (hexes.length === 0) return [];
    // In key order the probes walk person_keys' B-tree forwards, and keys sharing a page read it
    // once: ~30 % less per probe than in arrival order with the 16 MiB cache (docs/performance.md).
    // Named as the caller wants them: no second object per row found.
    return this.s.lookupHex.all(JSON.stringify(hexes.slice().sort())) as Array<{ hex: string; personId: string; keyType: number }>;
  }

  async personAttrs(personIds: string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    if (personIds.length === 0) return out;
    for (const r of this.s.attrs.all(JSON.stringify(personIds)) as Array<{ p: string; a: Buffer }>) out.set(r.p, r.a);
    return out;
  }

  /** One add batch's rows, inside the caller's transaction. */
  private addRows(audienceId: string, generation: number, rows: AddRow[], now: number): { newRows: number; newMembers: number } {
    const s = this.s;
    let newRows = 0;
    let newMembers = 0;
    const seen = new Set<string>();
    for (const r of rows) {
      let wasMember = false;
      if (r.personId) wasMember = seen.has(r.personId) || s.memberExists.get(r.personId, audienceId) !== undefined;
      const ins = s.insertRow.run(audienceId, r.rowHash, r.keys, r.personId, r.matchType, generation, now);
      if (ins.changes === 0) {
        if (generation > 0) s.setGeneration.run(generation, audienceId, r.rowHash);
        continue;
      }
      newRows++;
      if (r.personId) {
        if (!wasMember) newMembers++;
        seen.add(r.personId);
      } else {
        // Appended, not indexed: most uploads never need the reverse lookup (see flushLog).
        if (r.matchKeys.length > 0) s.pendRow.run(ins.lastInsertRowid, r.matchKeys.length === 1 ? r.matchKeys[0] : Buffer.concat(r.matchKeys));
      }
    }
    if (newMembers > 0 || newRows > 0) s.bumpMembers.run(newMembers, now, audienceId);
    return { newRows, newMembers };
  }

  async applyAdd(audienceId: string, generation: number, rows: AddRow[], progress: SliceProgress): Promise<{ newRows: number; newMembers: number }> {
    return this.applyAddBatches(audienceId, generation, [{ rows, progress }]);
  }

  async applyAddBatches(audienceId: string, generation: number, parts: Array<{ rows: AddRow[]; progress: SliceProgress }>): Promise<{ newRows: number; newMembers: number }> {
    await whenIdle(this.raw);
    return this.tx(() => {
      let newRows = 0;
      let newMembers = 0;
      for (const part of parts) {
        const r = this.addRows(audienceId, generation, part.rows, part.progress.nowSeconds);
        newRows += r.newRows;
        newMembers += r.newMembers;
        this.progress(audienceId, part.progress);
      }
      return { newRows, newMembers };
    });
  }

  async applyRemove(audienceId: string, rows: RemoveRow[], personIds: string[], progress: SliceProgress): Promise<{ removedRows: number; removedMembers: number }> {
    await whenIdle(this.raw);
    const s = this.s;
    return this.tx(() => {
      let removedRows = 0;
      let removedMembers = 0;
      for (const p of new Set(personIds)) {
        const n = s.deleteByPerson.run(p, audienceId).changes;
        if (n > 0) {
          removedRows += n;
          removedMembers++;
        }
      }
      for (const r of rows) {
        const gone = s.deleteByHash.get(audienceId, r.rowHash) as { person_id: string | null } | undefined;
        if (!gone) continue;
        removedRows++;
        if (gone.person_id) {
          if (s.memberExists.get(gone.person_id, audienceId) === undefined) removedMembers++;
        } else {
          for (const k of r.matchKeys) s.deleteMatchKey.run(audienceId, k, r.rowHash);
        }
      }
      if (removedMembers > 0 || removedRows > 0) s.bumpMembers.run(-removedMembers, progress.nowSeconds, audienceId);
      this.progress(audienceId, progress);
      return { removedRows, removedMembers };
    });
  }

  async commitReplace(audienceId: string, generation: number, failed: boolean, progress: SliceProgress): Promise<{ removedRows: number; members: number }> {
    await whenIdle(this.raw);
    const s = this.s;
    return this.tx(() => {
      s.dropReplacedLog.run(audienceId, generation);
      const removedRows = s.dropOldGenerations.run(audienceId, generation).changes;
      s.dropOrphanKeys.run(audienceId);
      const members = Number(s.countMembers.get(audienceId) ?? 0);
      s.finishReplace.run(members, members, failed ? 'failed' : null, progress.nowSeconds, audienceId);
      this.progress(audienceId, progress);
      return { removedRows, members };
    });
  }

  async purgeAudience(audienceId: string, progress: SliceProgress): Promise<void> {
    await whenIdle(this.raw);
    const s = this.s;
    this.tx(() => {
      s.purgeLog.run(audienceId);
      s.purgeRows.run(audienceId);
      s.purgeKeys.run(audienceId);
      s.purgeSessions.run(audienceId);
      s.purgeBatches.run(audienceId);
      s.purgeAudience.run(audienceId);
      s.deleteBatch.run(progress.batchId);
    });
  }

  async advance(audienceId: string | null, progress: SliceProgress): Promise<void> {
    await whenIdle(this.raw);
    this.tx(() => this.progress(audienceId, progress));
  }

  async replacePersonKeys(sets: PersonKeySet[], nowSeconds: number): Promise<void> {
    await whenIdle(this.raw);
    const s = this.s;
    this.durableTx(() => {
      for (const set of sets) {
        const old = s.getKeySet.get(set.personId) as Buffer | undefined;
        if (old) for (const h of unpackHashes(old)) s.deletePersonKey.run(h, set.personId);
        for (const k of set.keys) s.insertPersonKey.run(k.hash, set.personId, k.type);
        s.upsertKeySet.run(set.personId, pack(set.keys), pack(set.attrs), nowSeconds);
      }
    });
  }

  async deletePersonKeys(personIds: string[]): Promise<void> {
    await whenIdle(this.raw);
    const s = this.s;
    this.durableTx(() => {
      for (const id of personIds) {
        const old = s.getKeySet.get(id) as Buffer | undefined;
        if (old) for (const h of unpackHashes(old)) s.deletePersonKey.run(h, id);
        s.deleteKeySet.run(id);
      }
    });
  }

  async unmatchedRowsWithKeys(keys: Buffer[]): Promise<StoredRow[]> {
    if (keys.length === 0) return [];
    if (this.s.logPending.get() !== undefined) {
      await whenIdle(this.raw);
      this.durableTx(() => {
        this.s.flushLog.run();
        this.s.clearLog.run();
      });
    }
    const rows = this.s.unmatchedWithKeys.all(JSON.stringify(keys.map((k) => k.toString('hex')))) as Array<{ a: string; h: Buffer; k: Buffer }>;
    const seen = new Set<string>();
    const out: StoredRow[] = [];
    for (const r of rows) {
      const id = r.a + ':' + r.h.toString('hex');
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ audienceId: r.a, rowHash: r.h, keys: r.k });
    }
    return out;
  }

  async rowsOfPerson(personId: string): Promise<StoredRow[]> {
    return (this.s.rowsOfPerson.all(personId) as Array<{ a: string; h: Buffer; k: Buffer }>).map((r) => ({ audienceId: r.a, rowHash: r.h, keys: r.k }));
  }

  async assignRows(
    entries: Array<{ audienceId: string; rowHash: Buffer; personId: string; matchType: number; matchKeys: Buffer[] }>,
  ): Promise<Map<string, number>> {
    await whenIdle(this.raw);
    const s = this.s;
    return this.durableTx(() => {
      const delta = new Map<string, number>();
      for (const e of entries) {
        const wasMember = s.memberExists.get(e.personId, e.audienceId) !== undefined;
        if (s.assign.run(e.personId, e.matchType, e.audienceId, e.rowHash).changes === 0) continue;
        for (const k of e.matchKeys) s.deleteMatchKey.run(e.audienceId, k, e.rowHash);
        if (!wasMember) delta.set(e.audienceId, (delta.get(e.audienceId) ?? 0) + 1);
      }
      for (const [a, d] of delta) s.bumpBoth.run(d, d, a);
      return delta;
    });
  }

  async unassignPerson(_personId: string, rows: Array<{ audienceId: string; rowHash: Buffer; matchKeys: Buffer[] }>): Promise<Map<string, number>> {
    await whenIdle(this.raw);
    const s = this.s;
    return this.durableTx(() => {
      const delta = new Map<string, number>();
      for (const r of rows) {
        if (s.unassign.run(r.audienceId, r.rowHash).changes === 0) continue;
        for (const k of r.matchKeys) s.insertMatchKey.run(r.audienceId, k, r.rowHash);
        delta.set(r.audienceId, -1);
      }
      for (const [a, d] of delta) s.bumpBoth.run(d, d, a);
      return delta;
    });
  }
}

/** Views, not copies: every caller here drops them before the row buffer is reused. */
const unpackHashes = (buf: Buffer): Buffer[] => unpackAll(buf, false);
