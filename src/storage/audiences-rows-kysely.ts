/**
 * The matcher's bulk operations in plain Kysely: the same semantics as the SQLite fast path,
 * dialect-neutral (PostgreSQL, or SQLite inside a Kysely transaction). Row by row inside one
 * transaction per call — correct everywhere, not tuned; the PostgreSQL fast path (unnest/COPY,
 * spec/machine-limits.md §5b) would replace the loops, not the interface.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Dialect } from './dialect.js';
import type { Database } from './schema.js';
import type { AudienceTables } from './audiences-schema.js';
import type { AddRow, AudienceRowStore, Pair, PersonKeySet, RemoveRow, SliceProgress, StoredRow } from './audiences-rows.js';
import { packPairs as pack, unpackHashes } from './audiences-rows.js';

type Db = Kysely<Database & AudienceTables>;
type Tx = Transaction<Database & AudienceTables>;

const CHUNK = 500;



function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** bytea comes back as a Buffer from pg and better-sqlite3 alike; normalise anything else. */
const buf = (v: unknown): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));

export class KyselyAudienceRows implements AudienceRowStore {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  private async memberExists(tx: Tx | Db, personId: string, audienceId: string): Promise<boolean> {
    const r = await tx
      .selectFrom('audience_rows')
      .select('person_id')
      .where('person_id', '=', personId)
      .where('audience_id', '=', audienceId)
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  private async progress(tx: Tx, audienceId: string | null, p: SliceProgress): Promise<void> {
    if (p.finished) await tx.deleteFrom('upload_batches').where('id', '=', p.batchId).execute();
    else await tx.updateTable('upload_batches').set({ rows_done: p.rowsDone }).where('id', '=', p.batchId).execute();
    if (p.session) {
      await tx
        .updateTable('audience_sessions')
        .set((eb) => ({
          rows_pending: sql<number>`case when ${eb.ref('rows_pending')} > ${p.rowsInSlice} then ${eb.ref('rows_pending')} - ${p.rowsInSlice} else 0 end`,
          num_matched: eb('num_matched', '+', p.matched),
        }))
        .where('ad_account_id', '=', p.session.adAccountId)
        .where('session_id', '=', p.session.sessionId)
        .execute();
    }
    if (audienceId && p.finished) {
      const pending = await tx.selectFrom('upload_batches').select('id').where('audience_id', '=', audienceId).limit(1).executeTakeFirst();
      if (!pending) {
        await tx
          .updateTable('custom_audiences')
          .set((eb) => ({ published_count: eb.ref('member_count'), time_content_updated: p.nowSeconds }))
          .where('id', '=', audienceId)
          .where((eb) => eb.or([eb('replace_state', 'is', null), eb('replace_state', '<>', 'running')]))
          .execute();
      }
    }
  }

  private async bump(tx: Tx, audienceId: string, members: number, published: boolean, now?: number): Promise<void> {
    await tx
      .updateTable('custom_audiences')
      .set((eb) => ({
        member_count: eb('member_count', '+', members),
        ...(published ? { published_count: sql<number>`case when ${eb.ref('published_count')} >= 0 then ${eb.ref('published_count')} + ${members} else ${eb.ref('published_count')} end` } : {}),
        ...(now !== undefined ? { time_content_updated: now } : {}),
      }))
      .where('id', '=', audienceId)
      .execute();
  }

  async lookupPersonKeys(keys: Buffer[]): Promise<Array<{ key: Buffer; personId: string; keyType: number }>> {
    const out: Array<{ key: Buffer; personId: string; keyType: number }> = [];
    for (const part of chunks(keys)) {
      const rows = await this.db.selectFrom('person_keys').select(['key_hash', 'person_id', 'key_type']).where('key_hash', 'in', part).execute();
      for (const r of rows) out.push({ key: buf(r.key_hash), personId: r.person_id, keyType: r.key_type });
    }
    return out;
  }

  async personAttrs(personIds: string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const part of chunks(personIds)) {
      const rows = await this.db.selectFrom('person_key_sets').select(['person_id', 'attrs']).where('person_id', 'in', part).execute();
      for (const r of rows) out.set(r.person_id, buf(r.attrs));
    }
    return out;
  }

  async applyAdd(audienceId: string, generation: number, rows: AddRow[], progress: SliceProgress): Promise<{ newRows: number; newMembers: number }> {
    return this.db.transaction().execute(async (tx) => {
      let newRows = 0;
      let newMembers = 0;
      const seen = new Set<string>();
      for (const r of rows) {
        const wasMember = r.personId ? seen.has(r.personId) || (await this.memberExists(tx, r.personId, audienceId)) : false;
        const res = await tx
          .insertInto('audience_rows')
          .values({
            audience_id: audienceId,
            row_hash: r.rowHash,
            keys: r.keys,
            person_id: r.personId,
            match_type: r.matchType,
            generation,
            added_at: progress.nowSeconds,
          })
          .onConflict((oc) => oc.columns(['audience_id', 'row_hash']).doNothing())
          .executeTakeFirst();
        if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) {
          if (generation > 0) {
            await tx.updateTable('audience_rows').set({ generation }).where('audience_id', '=', audienceId).where('row_hash', '=', r.rowHash).execute();
          }
          continue;
        }
        newRows++;
        if (r.personId) {
          if (!wasMember) newMembers++;
          seen.add(r.personId);
        } else {
          for (const k of r.matchKeys) {
            await tx
              .insertInto('row_match_keys')
              .values({ audience_id: audienceId, key_hash: k, row_hash: r.rowHash })
              .onConflict((oc) => oc.doNothing())
              .execute();
          }
        }
      }
      if (newRows > 0) await this.bump(tx, audienceId, newMembers, false, progress.nowSeconds);
      await this.progress(tx, audienceId, progress);
      return { newRows, newMembers };
    });
  }

  async applyRemove(audienceId: string, rows: RemoveRow[], personIds: string[], progress: SliceProgress): Promise<{ removedRows: number; removedMembers: number }> {
    return this.db.transaction().execute(async (tx) => {
      let removedRows = 0;
      let removedMembers = 0;
      for (const p of new Set(personIds)) {
        const res = await tx.deleteFrom('audience_rows').where('person_id', '=', p).where('audience_id', '=', audienceId).executeTakeFirst();
        const n = Number(res.numDeletedRows);
        if (n > 0) {
          removedRows += n;
          removedMembers++;
        }
      }
      for (const r of rows) {
        const gone = await tx
          .deleteFrom('audience_rows')
          .where('audience_id', '=', audienceId)
          .where('row_hash', '=', r.rowHash)
          .returning('person_id')
          .executeTakeFirst();
        if (!gone) continue;
        removedRows++;
        if (gone.person_id) {
          if (!(await this.memberExists(tx, gone.person_id, audienceId))) removedMembers++;
        } else {
          for (const k of r.matchKeys) {
            await tx.deleteFrom('row_match_keys').where('audience_id', '=', audienceId).where('key_hash', '=', k).where('row_hash', '=', r.rowHash).execute();
          }
        }
      }
      if (removedRows > 0) await this.bump(tx, audienceId, -removedMembers, false, progress.nowSeconds);
      await this.progress(tx, audienceId, progress);
      return { removedRows, removedMembers };
    });
  }

  async commitReplace(audienceId: string, generation: number, failed: boolean, progress: SliceProgress): Promise<{ removedRows: number; members: number }> {
    return this.db.transaction().execute(async (tx) => {
      const res = await tx.deleteFrom('audience_rows').where('audience_id', '=', audienceId).where('generation', '<', generation).executeTakeFirst();
      await tx
        .deleteFrom('row_match_keys')
        .where('audience_id', '=', audienceId)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('audience_rows as r')
                .select('r.row_hash')
                .whereRef('r.audience_id', '=', 'row_match_keys.audience_id')
                .whereRef('r.row_hash', '=', 'row_match_keys.row_hash'),
            ),
          ),
        )
        .execute();
      const c = await tx
        .selectFrom('audience_rows')
        .select((eb) => eb.fn.count<number>('person_id').distinct().as('n'))
        .where('audience_id', '=', audienceId)
        .where('person_id', 'is not', null)
        .executeTakeFirst();
      const members = Number(c?.n ?? 0);
      await tx
        .updateTable('custom_audiences')
        .set({ member_count: members, published_count: members, replace_state: failed ? 'failed' : null, time_content_updated: progress.nowSeconds })
        .where('id', '=', audienceId)
        .execute();
      await this.progress(tx, audienceId, progress);
      return { removedRows: Number(res.numDeletedRows), members };
    });
  }

  async purgeAudience(audienceId: string, progress: SliceProgress): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('audience_rows').where('audience_id', '=', audienceId).execute();
      await tx.deleteFrom('row_match_keys').where('audience_id', '=', audienceId).execute();
      await tx.deleteFrom('audience_sessions').where('audience_id', '=', audienceId).execute();
      await tx.deleteFrom('upload_batches').where('audience_id', '=', audienceId).execute();
      await tx.deleteFrom('custom_audiences').where('id', '=', audienceId).execute();
      await tx.deleteFrom('upload_batches').where('id', '=', progress.batchId).execute();
    });
  }

  async advance(audienceId: string | null, progress: SliceProgress): Promise<void> {
    await this.db.transaction().execute((tx) => this.progress(tx, audienceId, progress));
  }

  private async dropKeys(tx: Tx, personId: string): Promise<void> {
    const old = await tx.selectFrom('person_key_sets').select('keys').where('person_id', '=', personId).executeTakeFirst();
    if (!old) return;
    for (const part of chunks(unpackHashes(buf(old.keys)))) {
      await tx.deleteFrom('person_keys').where('person_id', '=', personId).where('key_hash', 'in', part).execute();
    }
  }

  async replacePersonKeys(sets: PersonKeySet[], nowSeconds: number): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const s of sets) {
        await this.dropKeys(tx, s.personId);
        for (const k of s.keys) {
          await tx.insertInto('person_keys').values({ key_hash: k.hash, person_id: s.personId, key_type: k.type }).onConflict((oc) => oc.doNothing()).execute();
        }
        await tx
          .insertInto('person_key_sets')
          .values({ person_id: s.personId, keys: pack(s.keys), attrs: pack(s.attrs), built_at: nowSeconds })
          .onConflict((oc) => oc.column('person_id').doUpdateSet({ keys: pack(s.keys), attrs: pack(s.attrs), built_at: nowSeconds }))
          .execute();
      }
    });
  }

  async deletePersonKeys(personIds: string[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const id of personIds) {
        await this.dropKeys(tx, id);
        await tx.deleteFrom('person_key_sets').where('person_id', '=', id).execute();
      }
    });
  }

  async unmatchedRowsWithKeys(keys: Buffer[]): Promise<StoredRow[]> {
    const out: StoredRow[] = [];
    const seen = new Set<string>();
    for (const part of chunks(keys)) {
      const rows = await this.db
        .selectFrom('row_match_keys as m')
        .innerJoin('custom_audiences as c', 'c.id', 'm.audience_id')
        .innerJoin('audience_rows as r', (j) => j.onRef('r.audience_id', '=', 'm.audience_id').onRef('r.row_hash', '=', 'm.row_hash'))
        .select(['m.audience_id', 'm.row_hash', 'r.keys'])
        .where('c.deleted', '=', 0)
        .where('m.key_hash', 'in', part)
        .execute();
      for (const r of rows) {
        const id = r.audience_id + ':' + buf(r.row_hash).toString('hex');
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ audienceId: r.audience_id, rowHash: buf(r.row_hash), keys: buf(r.keys) });
      }
    }
    return out;
  }

  async rowsOfPerson(personId: string): Promise<StoredRow[]> {
    // On SQLite the column holds integers (migration 007), and a 17-digit id is past 2^53.
    const rows = await this.db
      .selectFrom('audience_rows')
      .select([sql<string>`cast(audience_id as text)`.as('audience_id'), 'row_hash', 'keys'])
      .where('person_id', '=', personId)
      .execute();
    return rows.map((r) => ({ audienceId: r.audience_id, rowHash: buf(r.row_hash), keys: buf(r.keys) }));
  }

  async assignRows(
    entries: Array<{ audienceId: string; rowHash: Buffer; personId: string; matchType: number; matchKeys: Buffer[] }>,
  ): Promise<Map<string, number>> {
    return this.db.transaction().execute(async (tx) => {
      const delta = new Map<string, number>();
      for (const e of entries) {
        const wasMember = await this.memberExists(tx, e.personId, e.audienceId);
        const res = await tx
          .updateTable('audience_rows')
          .set({ person_id: e.personId, match_type: e.matchType })
          .where('audience_id', '=', e.audienceId)
          .where('row_hash', '=', e.rowHash)
          .where('person_id', 'is', null)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) continue;
        for (const k of e.matchKeys) {
          await tx.deleteFrom('row_match_keys').where('audience_id', '=', e.audienceId).where('key_hash', '=', k).where('row_hash', '=', e.rowHash).execute();
        }
        if (!wasMember) delta.set(e.audienceId, (delta.get(e.audienceId) ?? 0) + 1);
      }
      for (const [a, d] of delta) await this.bump(tx, a, d, true);
      return delta;
    });
  }

  async unassignPerson(_personId: string, rows: Array<{ audienceId: string; rowHash: Buffer; matchKeys: Buffer[] }>): Promise<Map<string, number>> {
    return this.db.transaction().execute(async (tx) => {
      const delta = new Map<string, number>();
      for (const r of rows) {
        const res = await tx
          .updateTable('audience_rows')
          .set({ person_id: null, match_type: null })
          .where('audience_id', '=', r.audienceId)
          .where('row_hash', '=', r.rowHash)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 0) continue;
        for (const k of r.matchKeys) {
          await tx
            .insertInto('row_match_keys')
            .values({ audience_id: r.audienceId, key_hash: k, row_hash: r.rowHash })
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        delta.set(r.audienceId, -1);
      }
      for (const [a, d] of delta) await this.bump(tx, a, d, true);
      return delta;
    });
  }

  /** Kept for symmetry with the SQLite store's constructor; the dialect matters for future fast paths. */
  get engine(): Dialect {
    return this.dialect;
  }
}
