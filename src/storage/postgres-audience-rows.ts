/**
 * The matcher's bulk operations on PostgreSQL: each slice is a handful of set-based statements
 * over `unnest` arrays instead of one round trip per row (spec/machine-limits.md §5b: with the
 * unique index every bulk method lands near 200 k rows/s; row by row over a socket is ~20 k/s).
 * Hashes travel as hex text and are decoded by the server, which §5b measured faster than pg's own
 * bytea[] encoding.
 *
 * Same results as the SQLite and Kysely stores (a contract test compares them). Every operation
 * that changes an audience's member count first takes a transaction-scoped advisory lock on that
 * audience, so two processes (a queue worker adding rows, another assigning rows to a person who
 * was just created) never both count one person as new.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AudienceTables } from './audiences-schema.js';
import type { AddRow, AudienceRowStore, Pair, PersonKeySet, RemoveRow, SliceProgress, StoredRow } from './audiences-rows.js';
import { KyselyAudienceRows } from './audiences-rows-kysely.js';
import type { Database } from './schema.js';
import { packPairs as pack, unpackHashes } from './audiences-rows.js';

type Db = Kysely<Database & AudienceTables>;
type Tx = Transaction<Database & AudienceTables>;

/** Elements per array parameter: large enough to amortise a round trip, small enough to plan fast. */
const CHUNK = 20_000;

const hex = (b: Buffer): string => b.toString('hex');
const buf = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}



/** Locks audiences for the rest of the transaction, in a fixed order so two lockers cannot deadlock. */
async function lockAudiences(tx: Tx, ids: Iterable<string>): Promise<void> {
  for (const id of [...new Set(ids)].sort()) {
    await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema()), hashtext(${'audience:' + id}))`.execute(tx);
  }
}

/**
 * People's keys are rebuilt by whichever process notices a change first, and sometimes by two at
 * once: one writer at a time keeps their inserts from deadlocking on the key index.
 */
async function lockPersonKeys(tx: Tx): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema()), hashtext('person-keys'))`.execute(tx);
}

export class PostgresAudienceRows implements AudienceRowStore {
  /** The dialect-neutral implementation, for the operations that are not on a hot path. */
  private readonly plain: KyselyAudienceRows;

  constructor(private readonly db: Db) {
    this.plain = new KyselyAudienceRows(db, 'postgres');
  }

  /**
   * One transaction, run again if PostgreSQL picked it as a deadlock victim or a serialization
   * failure (40P01, 40001): every operation here is a whole slice, so a rerun is exact.
   */
  private async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(fn);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (attempt >= 4 || (code !== '40P01' && code !== '40001')) throw e;
        await new Promise((r) => setTimeout(r, 5 * attempt));
      }
    }
  }

  // ---- bookkeeping shared by every slice (same rules as the other stores) ----

  /**
   * The batch's progress and its session's counts. Row locks are always taken in the order the
   * request path takes them (session, then audience: AudienceRepo.stage), so an upload and a
   * slice never wait for each other in a cycle: this runs before any audience update.
   */
  private async progress(tx: Tx, p: SliceProgress): Promise<void> {
    if (p.finished) await sql`DELETE FROM upload_batches WHERE id = ${p.batchId}`.execute(tx);
    else await sql`UPDATE upload_batches SET rows_done = ${p.rowsDone} WHERE id = ${p.batchId}`.execute(tx);
    if (p.session) {
      // The upload path writes a session's counters as increments (AudienceRepo.stage), so this
      // update is no longer lost to it; the lock of the same name (audiences/upload.ts, through
      // Store.locks) still orders a slice after an upload's bookkeeping of the same session.
      const lockName = `audience-session:${p.session.adAccountId}:${p.session.sessionId}`;
      await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema()), hashtext(${lockName}))`.execute(tx);
      await sql`UPDATE audience_sessions
        SET rows_pending = GREATEST(0, rows_pending - ${p.rowsInSlice}), num_matched = num_matched + ${p.matched}
        WHERE ad_account_id = ${p.session.adAccountId} AND session_id = ${p.session.sessionId}`.execute(tx);
    }
  }

  /** The count clients see follows the stored one once the audience's queue is empty. */
  private async publish(tx: Tx, audienceId: string | null, p: SliceProgress): Promise<void> {
    if (audienceId && p.finished) {
      await sql`UPDATE custom_audiences SET published_count = member_count, time_content_updated = ${p.nowSeconds}
        WHERE id = ${audienceId} AND (replace_state IS NULL OR replace_state <> 'running')
          AND NOT EXISTS (SELECT 1 FROM upload_batches WHERE audience_id = ${audienceId})`.execute(tx);
    }
  }

  private async bumpMembers(tx: Tx, audienceId: string, members: number, now: number): Promise<void> {
    await sql`UPDATE custom_audiences SET member_count = member_count + ${members}, time_content_updated = ${now} WHERE id = ${audienceId}`.execute(tx);
  }

  private async bumpBoth(tx: Tx, audienceId: string, d: number): Promise<void> {
    await sql`UPDATE custom_audiences SET member_count = member_count + ${d},
      published_count = CASE WHEN published_count >= 0 THEN published_count + ${d} ELSE published_count END
      WHERE id = ${audienceId}`.execute(tx);
  }

  // ---- lookups ----

  async lookupPersonKeys(keys: Buffer[]): Promise<Array<{ key: Buffer; personId: string; keyType: number }>> {
    const out: Array<{ key: Buffer; personId: string; keyType: number }> = [];
    for (const part of chunks(keys)) {
      // One index probe per key; for lookups `= ANY(bytea[])` measured faster than decoding hex
      // in SQL (the other way round from inserts, spec/machine-limits.md §5b).
      const r = await sql<{ key_hash: Buffer; person_id: string; key_type: number }>`
        SELECT key_hash, person_id, key_type FROM person_keys WHERE key_hash = ANY(${part}::bytea[])`.execute(this.db);
      for (const row of r.rows) out.push({ key: buf(row.key_hash), personId: row.person_id, keyType: row.key_type });
    }
    return out;
  }

  personAttrs(personIds: string[]): Promise<Map<string, Buffer>> {
    return this.plain.personAttrs(personIds);
  }

  // ---- the hot path: one slice of an upload ----

  async applyAdd(audienceId: string, generation: number, rows: AddRow[], progress: SliceProgress): Promise<{ newRows: number; newMembers: number }> {
    return this.applyAddBatches(audienceId, generation, [{ rows, progress }]);
  }

  /** Consecutive add batches of one audience in one transaction (fewer commits), each with its own progress. */
  async applyAddBatches(audienceId: string, generation: number, parts: Array<{ rows: AddRow[]; progress: SliceProgress }>): Promise<{ newRows: number; newMembers: number }> {
    return this.tx(async (tx) => {
      await lockAudiences(tx, [audienceId]);
      // A 10,000-row slice's CTEs (a few MB) would otherwise spill to temporary files.
      await sql`SET LOCAL work_mem = '32MB'`.execute(tx);
      let newRows = 0;
      let newMembers = 0;
      for (const part of parts) {
        const r = await this.addPart(tx, audienceId, generation, part.rows, part.progress);
        newRows += r.newRows;
        newMembers += r.newMembers;
      }
      return { newRows, newMembers };
    });
  }

  private async addPart(tx: Tx, audienceId: string, generation: number, rows: AddRow[], progress: SliceProgress): Promise<{ newRows: number; newMembers: number }> {
    {
      let newRows = 0;
      let newMembers = 0;
      // Members counted in earlier chunks of this slice are already stored, so the NOT EXISTS
      // below sees them: the count stays "distinct people new to the audience" across chunks.
      for (const part of chunks(rows)) {
        const mkHash: string[] = [];
        const mkKey: string[] = [];
        for (const r of part) {
          if (r.personId) continue;
          for (const k of r.matchKeys) {
            mkHash.push(hex(r.rowHash));
            mkKey.push(hex(k));
          }
        }
        const res = await sql<{ new_rows: number; new_members: number }>`
          WITH input AS (
            SELECT decode(h, 'hex') AS row_hash, decode(k, 'hex') AS keys, p AS person_id, t AS match_type, ord
            FROM unnest(${part.map((r) => hex(r.rowHash))}::text[], ${part.map((r) => hex(r.keys))}::text[],
                        ${part.map((r) => r.personId)}::text[], ${part.map((r) => r.matchType)}::int[])
                 WITH ORDINALITY AS u(h, k, p, t, ord)
          ),
          members_before AS (
            -- LATERAL … LIMIT 1: one probe of the person index per person. As an EXISTS the planner
            -- may hash-join the audience's whole row set, which grows with every slice.
            SELECT i.person_id
            FROM (SELECT DISTINCT person_id FROM input WHERE person_id IS NOT NULL) AS i
            CROSS JOIN LATERAL (SELECT 1 FROM audience_rows r WHERE r.person_id = i.person_id AND r.audience_id = ${audienceId} LIMIT 1) AS hit
          ),
          ins AS (
            INSERT INTO audience_rows (audience_id, row_hash, keys, person_id, match_type, generation, added_at)
            SELECT DISTINCT ON (row_hash) ${audienceId}, row_hash, keys, person_id, match_type, ${generation}, ${progress.nowSeconds}
            FROM input ORDER BY row_hash, ord
            ON CONFLICT (audience_id, row_hash) DO NOTHING
            RETURNING row_hash, person_id
          ),
          mk AS (
            -- Appended to the log, not the keyed index: most uploads never need the reverse lookup,
            -- and an append costs a fraction of a random-key index insert (see flushMatchLog).
            INSERT INTO row_match_log (audience_id, key_hash, row_hash)
            SELECT ${audienceId}, decode(m.k, 'hex'), ins.row_hash
            FROM unnest(${mkHash}::text[], ${mkKey}::text[]) AS m(h, k)
            JOIN ins ON ins.row_hash = decode(m.h, 'hex') AND ins.person_id IS NULL
            RETURNING 1
          )
          SELECT (SELECT count(*) FROM ins)::int AS new_rows,
                 (SELECT count(DISTINCT person_id) FROM ins
                   WHERE person_id IS NOT NULL AND person_id NOT IN (SELECT person_id FROM members_before))::int AS new_members,
                 (SELECT count(*) FROM mk)::int AS match_keys`.execute(tx);
        newRows += res.rows[0]?.new_rows ?? 0;
        newMembers += res.rows[0]?.new_members ?? 0;
        // A row uploaded again during a replace joins the replace's generation (it must survive the commit).
        if (generation > 0) {
          await sql`UPDATE audience_rows SET generation = ${generation}
            WHERE audience_id = ${audienceId} AND generation <> ${generation}
              AND row_hash IN (SELECT decode(h, 'hex') FROM unnest(${part.map((r) => hex(r.rowHash))}::text[]) AS u(h))`.execute(tx);
        }
      }
      await this.progress(tx, progress);
      if (newRows > 0) await this.bumpMembers(tx, audienceId, newMembers, progress.nowSeconds);
      await this.publish(tx, audienceId, progress);
      return { newRows, newMembers };
    }
  }

  async applyRemove(audienceId: string, rows: RemoveRow[], personIds: string[], progress: SliceProgress): Promise<{ removedRows: number; removedMembers: number }> {
    return this.tx(async (tx) => {
      await lockAudiences(tx, [audienceId]);
      let removedRows = 0;
      let removedMembers = 0;
      const people = [...new Set(personIds)];
      for (const part of chunks(people)) {
        const r = await sql<{ rows: number; people: number }>`
          WITH gone AS (
            DELETE FROM audience_rows WHERE audience_id = ${audienceId} AND person_id = ANY(${part}::text[]) RETURNING person_id
          )
          SELECT count(*)::int AS rows, count(DISTINCT person_id)::int AS people FROM gone`.execute(tx);
        removedRows += r.rows[0]?.rows ?? 0;
        removedMembers += r.rows[0]?.people ?? 0;
      }
      for (const part of chunks(rows)) {
        const gone = await sql<{ row_hash: Buffer; person_id: string | null }>`
          DELETE FROM audience_rows
          WHERE audience_id = ${audienceId}
            AND row_hash IN (SELECT decode(h, 'hex') FROM unnest(${part.map((r) => hex(r.rowHash))}::text[]) AS u(h))
          RETURNING row_hash, person_id`.execute(tx);
        removedRows += gone.rows.length;
        const touched = [...new Set(gone.rows.map((g) => g.person_id).filter((p): p is string => p !== null))];
        if (touched.length > 0) {
          const left = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM unnest(${touched}::text[]) AS u(p)
            LEFT JOIN LATERAL (SELECT 1 AS one FROM audience_rows r WHERE r.person_id = u.p AND r.audience_id = ${audienceId} LIMIT 1) AS hit ON true
            WHERE hit.one IS NULL`.execute(tx);
          removedMembers += left.rows[0]?.n ?? 0;
        }
        // Unmatched rows that went take their match-key index entries with them.
        const unmatchedGone = new Set(gone.rows.filter((g) => g.person_id === null).map((g) => hex(buf(g.row_hash))));
        const mkHash: string[] = [];
        const mkKey: string[] = [];
        for (const r of part) {
          const h = hex(r.rowHash);
          if (!unmatchedGone.has(h)) continue;
          for (const k of r.matchKeys) {
            mkHash.push(h);
            mkKey.push(hex(k));
          }
        }
        if (mkHash.length > 0) {
          await sql`DELETE FROM row_match_keys m
            USING unnest(${mkHash}::text[], ${mkKey}::text[]) AS d(h, k)
            WHERE m.audience_id = ${audienceId} AND m.key_hash = decode(d.k, 'hex') AND m.row_hash = decode(d.h, 'hex')`.execute(tx);
        }
      }
      await this.progress(tx, progress);
      if (removedRows > 0) await this.bumpMembers(tx, audienceId, -removedMembers, progress.nowSeconds);
      await this.publish(tx, audienceId, progress);
      return { removedRows, removedMembers };
    });
  }

  async commitReplace(audienceId: string, generation: number, failed: boolean, progress: SliceProgress): Promise<{ removedRows: number; members: number }> {
    return this.tx(async (tx) => {
      await lockAudiences(tx, [audienceId]);
      const del = await sql`DELETE FROM audience_rows WHERE audience_id = ${audienceId} AND generation < ${generation}`.execute(tx);
      await sql`DELETE FROM row_match_keys m WHERE m.audience_id = ${audienceId}
        AND NOT EXISTS (SELECT 1 FROM audience_rows r WHERE r.audience_id = m.audience_id AND r.row_hash = m.row_hash)`.execute(tx);
      await sql`DELETE FROM row_match_log m WHERE m.audience_id = ${audienceId}
        AND NOT EXISTS (SELECT 1 FROM audience_rows r WHERE r.audience_id = m.audience_id AND r.row_hash = m.row_hash)`.execute(tx);
      const c = await sql<{ n: number }>`SELECT count(DISTINCT person_id)::int AS n FROM audience_rows
        WHERE audience_id = ${audienceId} AND person_id IS NOT NULL`.execute(tx);
      const members = c.rows[0]?.n ?? 0;
      await this.progress(tx, progress);
      await sql`UPDATE custom_audiences SET member_count = ${members}, published_count = ${members},
        replace_state = ${failed ? 'failed' : null}, time_content_updated = ${progress.nowSeconds} WHERE id = ${audienceId}`.execute(tx);
      await this.publish(tx, audienceId, progress);
      return { removedRows: Number(del.numAffectedRows ?? 0), members };
    });
  }

  async purgeAudience(audienceId: string, progress: SliceProgress): Promise<void> {
    await this.tx(async (tx) => {
      await lockAudiences(tx, [audienceId]);
      for (const t of ['audience_rows', 'row_match_keys', 'row_match_log', 'audience_sessions', 'upload_batches']) {
        await sql`DELETE FROM ${sql.table(t)} WHERE audience_id = ${audienceId}`.execute(tx);
      }
      await sql`DELETE FROM custom_audiences WHERE id = ${audienceId}`.execute(tx);
      await sql`DELETE FROM upload_batches WHERE id = ${progress.batchId}`.execute(tx);
    });
  }

  async advance(audienceId: string | null, progress: SliceProgress): Promise<void> {
    await this.tx(async (tx) => {
      await this.progress(tx, progress);
      await this.publish(tx, audienceId, progress);
    });
  }

  // ---- people's match keys ----

  async replacePersonKeys(sets: PersonKeySet[], nowSeconds: number): Promise<void> {
    // A person listed twice ends with the last set, as applying the list in order would.
    const last = new Map<string, PersonKeySet>();
    for (const s of sets) last.set(s.personId, s);
    const unique = [...last.values()];
    await this.tx(async (tx) => {
      await lockPersonKeys(tx);
      for (const part of chunks(unique, 5000)) {
        const ids = part.map((s) => s.personId);
        await this.dropKeys(tx, ids);
        const kHash: string[] = [];
        const kPerson: string[] = [];
        const kType: number[] = [];
        for (const s of part) {
          for (const k of s.keys) {
            kHash.push(hex(k.hash));
            kPerson.push(s.personId);
            kType.push(k.type);
          }
        }
        for (let i = 0; i < kHash.length; i += CHUNK) {
          await sql`INSERT INTO person_keys (key_hash, person_id, key_type)
            SELECT decode(h, 'hex'), p, t FROM unnest(${kHash.slice(i, i + CHUNK)}::text[], ${kPerson.slice(i, i + CHUNK)}::text[], ${kType.slice(i, i + CHUNK)}::int[]) AS u(h, p, t)
            ON CONFLICT DO NOTHING`.execute(tx);
        }
        await sql`INSERT INTO person_key_sets (person_id, keys, attrs, built_at)
          SELECT p, decode(k, 'hex'), decode(a, 'hex'), ${nowSeconds}
          FROM unnest(${ids}::text[], ${part.map((s) => hex(pack(s.keys)))}::text[], ${part.map((s) => hex(pack(s.attrs)))}::text[]) AS u(p, k, a)
          ON CONFLICT (person_id) DO UPDATE SET keys = excluded.keys, attrs = excluded.attrs, built_at = excluded.built_at`.execute(tx);
      }
    });
  }

  async deletePersonKeys(personIds: string[]): Promise<void> {
    await this.tx(async (tx) => {
      await lockPersonKeys(tx);
      for (const part of chunks([...new Set(personIds)], 5000)) {
        await this.dropKeys(tx, part);
        await sql`DELETE FROM person_key_sets WHERE person_id = ANY(${part}::text[])`.execute(tx);
      }
    });
  }

  /** Removes the stored keys of these people (found through their key sets: person_keys is keyed by hash). */
  private async dropKeys(tx: Tx, personIds: string[]): Promise<void> {
    const old = await sql<{ person_id: string; keys: Buffer }>`SELECT person_id, keys FROM person_key_sets WHERE person_id = ANY(${personIds}::text[])`.execute(tx);
    const dHash: string[] = [];
    const dPerson: string[] = [];
    for (const r of old.rows) {
      for (const h of unpackHashes(buf(r.keys))) {
        dHash.push(hex(h));
        dPerson.push(r.person_id);
      }
    }
    for (let i = 0; i < dHash.length; i += CHUNK) {
      await sql`DELETE FROM person_keys pk USING unnest(${dHash.slice(i, i + CHUNK)}::text[], ${dPerson.slice(i, i + CHUNK)}::text[]) AS d(h, p)
        WHERE pk.key_hash = decode(d.h, 'hex') AND pk.person_id = d.p`.execute(tx);
    }
  }

  // ---- people created or deleted after rows were uploaded ----

  /**
   * Moves logged match keys into the keyed index, sorted (appends to the index instead of random
   * page splits), keeping only those of rows that still exist unmatched. One mover at a time; a
   * slice logging new keys meanwhile is not blocked, and its keys wait for the next move.
   */
  private async flushMatchLog(): Promise<void> {
    const pending = await sql`SELECT 1 FROM row_match_log LIMIT 1`.execute(this.db);
    if (pending.rows.length === 0) return;
    await this.tx(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(current_schema()), hashtext('match-log'))`.execute(tx);
      await sql`WITH moved AS (DELETE FROM row_match_log RETURNING audience_id, key_hash, row_hash)
        INSERT INTO row_match_keys (audience_id, key_hash, row_hash)
        SELECT DISTINCT m.audience_id, m.key_hash, m.row_hash FROM moved m
        JOIN audience_rows r ON r.audience_id = m.audience_id AND r.row_hash = m.row_hash AND r.person_id IS NULL
        ORDER BY 1, 2, 3
        ON CONFLICT DO NOTHING`.execute(tx);
    });
  }

  async unmatchedRowsWithKeys(keys: Buffer[]): Promise<StoredRow[]> {
    if (keys.length > 0) await this.flushMatchLog();
    const out: StoredRow[] = [];
    const seen = new Set<string>();
    for (const part of chunks(keys)) {
      const r = await sql<{ audience_id: string; row_hash: Buffer; keys: Buffer }>`
        SELECT m.audience_id, m.row_hash, r.keys
        FROM custom_audiences c
        CROSS JOIN (SELECT DISTINCT k FROM unnest(${part}::bytea[]) AS u(k)) AS q
        -- The match-key index leads with the audience: probe (audience, key) pairs, as SQLite does.
        JOIN LATERAL (SELECT mk.audience_id, mk.row_hash FROM row_match_keys mk WHERE mk.audience_id = c.id AND mk.key_hash = q.k) AS m ON true
        JOIN audience_rows r ON r.audience_id = m.audience_id AND r.row_hash = m.row_hash AND r.person_id IS NULL
        WHERE c.deleted = 0`.execute(this.db);
      for (const row of r.rows) {
        const id = row.audience_id + ':' + hex(buf(row.row_hash));
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ audienceId: row.audience_id, rowHash: buf(row.row_hash), keys: buf(row.keys) });
      }
    }
    return out;
  }

  rowsOfPerson(personId: string): Promise<StoredRow[]> {
    return this.plain.rowsOfPerson(personId);
  }

  async assignRows(
    entries: Array<{ audienceId: string; rowHash: Buffer; personId: string; matchType: number; matchKeys: Buffer[] }>,
  ): Promise<Map<string, number>> {
    return this.tx(async (tx) => {
      await lockAudiences(
        tx,
        entries.map((e) => e.audienceId),
      );
      const delta = new Map<string, number>();
      for (const e of entries) {
        const member = await sql`SELECT 1 FROM audience_rows WHERE audience_id = ${e.audienceId} AND person_id = ${e.personId} LIMIT 1`.execute(tx);
        const upd = await sql`UPDATE audience_rows SET person_id = ${e.personId}, match_type = ${e.matchType}
          WHERE audience_id = ${e.audienceId} AND row_hash = ${e.rowHash} AND person_id IS NULL`.execute(tx);
        if (Number(upd.numAffectedRows ?? 0) === 0) continue;
        if (e.matchKeys.length > 0) {
          await sql`DELETE FROM row_match_keys WHERE audience_id = ${e.audienceId} AND row_hash = ${e.rowHash}
            AND key_hash IN (SELECT decode(k, 'hex') FROM unnest(${e.matchKeys.map(hex)}::text[]) AS u(k))`.execute(tx);
        }
        if (member.rows.length === 0) delta.set(e.audienceId, (delta.get(e.audienceId) ?? 0) + 1);
      }
      for (const [a, d] of delta) await this.bumpBoth(tx, a, d);
      return delta;
    });
  }

  async unassignPerson(personId: string, rows: Array<{ audienceId: string; rowHash: Buffer; matchKeys: Buffer[] }>): Promise<Map<string, number>> {
    return this.tx(async (tx) => {
      await lockAudiences(
        tx,
        rows.map((r) => r.audienceId),
      );
      const delta = new Map<string, number>();
      for (const r of rows) {
        // Only rows still this person's: two processes handling one deletion must not both count it.
        const upd = await sql`UPDATE audience_rows SET person_id = NULL, match_type = NULL
          WHERE audience_id = ${r.audienceId} AND row_hash = ${r.rowHash} AND person_id = ${personId}`.execute(tx);
        if (Number(upd.numAffectedRows ?? 0) === 0) continue;
        if (r.matchKeys.length > 0) {
          await sql`INSERT INTO row_match_keys (audience_id, key_hash, row_hash)
            SELECT ${r.audienceId}, decode(k, 'hex'), ${r.rowHash} FROM unnest(${r.matchKeys.map(hex)}::text[]) AS u(k)
            ON CONFLICT DO NOTHING`.execute(tx);
        }
        // Same rule as the other stores: a person leaves each audience they were in once.
        delta.set(r.audienceId, -1);
      }
      for (const [a, d] of delta) await this.bumpBoth(tx, a, d);
      return delta;
    });
  }
}
