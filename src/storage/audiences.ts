/**
 * The audiences domain's storage: custom audiences, upload sessions and the staging queue, in
 * dialect-neutral Kysely (the request path), plus `rows` — the bulk row and match-key operations
 * the matcher runs, with a raw better-sqlite3 implementation on SQLite and a Kysely one elsewhere.
 */
import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Dialect } from './dialect.js';
import type { Database } from './schema.js';
import type { AudienceSessionTable, AudienceTables, CustomAudienceTable, UploadBatchTable } from './audiences-schema.js';
import { KyselyAudienceRows } from './audiences-rows-kysely.js';
import { limitPageCache, SqliteAudienceRows } from './audiences-rows-sqlite.js';
import { PostgresAudienceRows } from './postgres-audience-rows.js';
import { claimNextPostgres } from './postgres-queue.js';
import type { AudienceRowStore } from './audiences-rows.js';
import { MissingBatchRowsError, SPILL_MIN_BYTES, type BatchFiles } from './batch-files.js';

export type CustomAudience = Selectable<CustomAudienceTable>;
export type AudienceSession = Selectable<AudienceSessionTable>;
export type UploadBatch = Selectable<UploadBatchTable>;
export type NewUploadBatch = Insertable<UploadBatchTable>;

type Db = Kysely<Database & AudienceTables>;

/** The raw SQLite connection behind a Kysely instance, for the bulk paths (set by openStore). */
const RAW = new WeakMap<object, SQLite.Database>();

export function bindSqliteRaw(db: object, raw: SQLite.Database): void {
  RAW.set(db, raw);
  // Before anything reads through it (the people sync's first count scans every person).
  limitPageCache(raw);
}

/** The batch whose rows' file is missing (MissingBatchRowsError), for the matcher to retire. */
export class MissingBatchError extends MissingBatchRowsError {
  constructor(
    message: string,
    readonly batch: UploadBatch,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class AudienceRepo {
  private readonly db: Db;
  private rowStore: AudienceRowStore | undefined;

  constructor(
    db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly batchFiles?: BatchFiles,
  ) {
    this.db = db as unknown as Db;
  }

  /** Bulk row operations: raw SQLite when this store has the connection, Kysely otherwise. */
  get rows(): AudienceRowStore {
    if (!this.rowStore) {
      const raw = this.dialect === 'sqlite' ? RAW.get(this.db) : undefined;
      this.rowStore = raw
        ? new SqliteAudienceRows(raw)
        : this.dialect === 'postgres'
          ? new PostgresAudienceRows(this.db)
          : new KyselyAudienceRows(this.db, this.dialect);
    }
    return this.rowStore;
  }

  // ---- audiences ----
  async insertAudience(a: Insertable<CustomAudienceTable>): Promise<void> {
    await this.db.insertInto('custom_audiences').values(a).execute();
  }

  getAudience(id: string): Promise<CustomAudience | undefined> {
    return this.db.selectFrom('custom_audiences').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
  }

  /** Newest first, as the real list answers. */
  listAudiences(adAccountId: string): Promise<CustomAudience[]> {
    return this.db
      .selectFrom('custom_audiences')
      .selectAll()
      .where('ad_account_id', '=', adAccountId)
      .where('deleted', '=', 0)
      .orderBy('time_created', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  listAllAudiences(): Promise<CustomAudience[]> {
    return this.db.selectFrom('custom_audiences').selectAll().where('deleted', '=', 0).orderBy('ad_account_id').orderBy('time_created').execute();
  }

  async countAudiences(adAccountId: string, subtype: string): Promise<number> {
    const r = await this.db
      .selectFrom('custom_audiences')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('ad_account_id', '=', adAccountId)
      .where('subtype', '=', subtype)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  findByName(adAccountId: string, name: string): Promise<CustomAudience | undefined> {
    return this.db
      .selectFrom('custom_audiences')
      .selectAll()
      .where('ad_account_id', '=', adAccountId)
      .where('name', '=', name)
      .where('deleted', '=', 0)
      .orderBy('time_created')
      .executeTakeFirst();
  }

  async updateAudience(id: string, patch: Updateable<CustomAudienceTable>): Promise<void> {
    await this.db.updateTable('custom_audiences').set(patch).where('id', '=', id).execute();
  }

  // ---- sessions ----
  getSession(adAccountId: string, sessionId: string): Promise<AudienceSession | undefined> {
    return this.db
      .selectFrom('audience_sessions')
      .selectAll()
      .where('ad_account_id', '=', adAccountId)
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
  }

  listSessions(audienceId: string): Promise<AudienceSession[]> {
    return this.db
      .selectFrom('audience_sessions')
      .selectAll()
      .where('audience_id', '=', audienceId)
      .orderBy('started_at', 'desc')
      .orderBy('session_id', 'desc')
      .execute();
  }

  /** Replace sessions whose 90-minute window ended without a last batch: their commit is due. */
  expiredReplaceSessions(startedBefore: number): Promise<AudienceSession[]> {
    return this.db
      .selectFrom('audience_sessions')
      .selectAll()
      .where('kind', '=', 'replace')
      .where('committed', '=', 0)
      .where('started_at', '<=', startedBefore)
      .execute();
  }

  async updateSession(adAccountId: string, sessionId: string, patch: Updateable<AudienceSessionTable>): Promise<void> {
    await this.db
      .updateTable('audience_sessions')
      .set(patch)
      .where('ad_account_id', '=', adAccountId)
      .where('session_id', '=', sessionId)
      .execute();
  }

  /**
   * Durably records one accepted batch: the session's bookkeeping, the staged rows (if any), and
   * the audience's timestamps, in one transaction — the request answers only after it commits.
   *
   * An existing session's counters are written as increments (`added`), never as the totals in
   * `row`: the caller read the session before this call, and a matcher slice committing in between
   * (it lowers `rows_pending` and raises `num_matched` relatively, on the same SQLite connection
   * between two awaits, or from another process on PostgreSQL) would otherwise be overwritten by
   * the values read before. The session's other columns (batch_seqs, closed_at, …) are only
   * written by the request path, under the session lock.
   */
  async stage(input: {
    session: { row: Insertable<AudienceSessionTable>; exists: boolean; added: { received: number; invalid: number; staged: number } };
    batches: NewUploadBatch[];
    audience?: { id: string; patch: Updateable<CustomAudienceTable> };
  }): Promise<void> {
    await this.withSpilled(input.batches, (batches) =>
      this.db.transaction().execute(async (trx) => {
        await this.stageIn(trx, input.session, batches, input.audience);
      }),
    );
  }

  /**
   * Runs `record` with the batches as they are to be recorded: large batches' rows go to files
   * first (batch-files.ts), synced before the write naming them commits; the files are the queue's
   * once it has, and deleted if it fails. Elsewhere (PostgreSQL, in-memory SQLite) rows stay inline.
   */
  private async withSpilled(batches: NewUploadBatch[], record: (batches: NewUploadBatch[]) => Promise<unknown>): Promise<void> {
    const files = this.batchFiles;
    // Inside a caller's transaction (a fixture load) a file's syncs would hold the connection: inline.
    if (!files || this.db.isTransaction) {
      await record(batches);
      return;
    }
    const written: string[] = [];
    try {
      const out: NewUploadBatch[] = [];
      for (const b of batches) {
        if (b.rows.length < SPILL_MIN_BYTES) {
          out.push(b);
          continue;
        }
        const name = await files.write(b.rows);
        written.push(name);
        out.push({ ...b, rows: Buffer.alloc(0), rows_file: name });
      }
      await record(out);
    } catch (e) {
      for (const f of written) files.discard(f);
      throw e;
    }
    for (const f of written) files.settle(f);
  }

  /** A claimed batch with its rows, wherever they are kept; MissingBatchRowsError (with the batch) if its file is gone. */
  private withRows(b: UploadBatch): UploadBatch {
    if (!b.rows_file || !this.batchFiles) return b;
    try {
      return { ...b, rows: this.batchFiles.read(b.rows_file) };
    } catch (e) {
      if (e instanceof MissingBatchRowsError) throw new MissingBatchError(e.message, b, { cause: e });
      throw e;
    }
  }

  /**
   * Deletes batch files no queue row names any more (the matcher finished their batch, the
   * audience was deleted, the store was reset, or a crash came between a file and its row).
   */
  async sweepBatchFiles(): Promise<number> {
    if (!this.batchFiles) return 0;
    // Listed before the query: a file written after the list is not considered at all.
    const listed = this.batchFiles.list();
    if (listed.length === 0) return 0;
    const named = await this.db.selectFrom('upload_batches').select('rows_file').where('rows_file', 'is not', null).execute();
    return this.batchFiles.sweep(listed, new Set(named.map((r) => r.rows_file as string)));
  }

  private async stageIn(
    trx: Kysely<Database & AudienceTables>,
    session: { row: Insertable<AudienceSessionTable>; exists: boolean; added: { received: number; invalid: number; staged: number } },
    batches: NewUploadBatch[],
    audience: { id: string; patch: Updateable<CustomAudienceTable> } | undefined,
  ): Promise<void> {
    const s = session.row;
    if (session.exists) {
      // The counters leave `rest`: num_matched belongs to the matcher, the other three are bumped.
      const { ad_account_id, session_id, num_received: _r, num_invalid: _i, num_matched: _m, rows_pending: _p, ...rest } = s;
      const add = session.added;
      await trx
        .updateTable('audience_sessions')
        .set((eb) => ({
          ...rest,
          num_received: eb('num_received', '+', add.received),
          num_invalid: eb('num_invalid', '+', add.invalid),
          rows_pending: eb('rows_pending', '+', add.staged),
        }))
        .where('ad_account_id', '=', ad_account_id)
        .where('session_id', '=', session_id)
        .execute();
    } else {
      await trx.insertInto('audience_sessions').values(s).execute();
    }
    for (const b of batches) await trx.insertInto('upload_batches').values(b).execute();
    if (audience) await trx.updateTable('custom_audiences').set(audience.patch).where('id', '=', audience.id).execute();
  }

  async enqueue(b: NewUploadBatch): Promise<void> {
    await this.withSpilled([b], (batches) => this.db.insertInto('upload_batches').values(batches[0]!).execute());
  }

  // ---- the queue ----
  async hasPending(audienceId: string): Promise<boolean> {
    const r = await this.db.selectFrom('upload_batches').select('id').where('audience_id', '=', audienceId).limit(1).executeTakeFirst();
    return r !== undefined;
  }

  /** Audiences with anything queued. Read it before the audiences: a batch that finishes in between then shows as done with its count. */
  async pendingAudiences(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('upload_batches').select('audience_id').distinct().execute();
    return new Set(rows.map((r) => r.audience_id).filter((x): x is string => x !== null));
  }

  async pendingCount(audienceId?: string): Promise<{ batches: number; rows: number }> {
    let q = this.db.selectFrom('upload_batches').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>(eb.ref('row_count')).as('r')]);
    if (audienceId) q = q.where('audience_id', '=', audienceId);
    const r = await q.executeTakeFirst();
    return { batches: Number(r?.n ?? 0), rows: Number(r?.r ?? 0) };
  }

  /**
   * Claims the oldest ready batch for `worker` (batches are processed in arrival order, which
   * keeps an audience's adds, removes and replace commit in the order they were sent). A batch
   * claimed by a worker that stopped answering for `staleMs` can be taken over. On PostgreSQL with
   * several processes this becomes `… FOR UPDATE SKIP LOCKED` on the same columns.
   */
  async claimNext(worker: string, nowMs: number, staleMs: number): Promise<UploadBatch | undefined> {
    // Several processes, one matcher each: SKIP LOCKED, head batch of each audience (postgres-queue.ts).
    if (this.dialect === 'postgres') return claimNextPostgres(this.db, worker, nowMs, staleMs);
    return this.db.transaction().execute(async (trx) => {
      const next = await trx
        .selectFrom('upload_batches')
        .selectAll()
        .where('ready_at_ms', '<=', nowMs)
        .where((eb) => eb.or([eb('claimed_by', 'is', null), eb('claimed_by', '=', worker), eb('claimed_at', '<', nowMs - staleMs)]))
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!next) return undefined;
      await trx.updateTable('upload_batches').set({ claimed_by: worker, claimed_at: nowMs }).where('id', '=', next.id).execute();
      return this.withRows({ ...next, claimed_by: worker, claimed_at: nowMs });
    });
  }

  /**
   * Claims the batches that follow `after` in its audience's queue while they are ready and do the
   * same operation, up to `maxRows` rows in all, so the matcher can apply them in one transaction.
   * Order is kept: it stops at the first batch of another kind.
   */
  async claimFollowing(worker: string, after: UploadBatch, nowMs: number, maxRows: number): Promise<UploadBatch[]> {
    if (!after.audience_id) return [];
    // The heads first, without their rows: 50 staged batches are 60 MB of blobs.
    const next = await this.db
      .selectFrom('upload_batches')
      .select(['id', 'op', 'generation', 'ready_at_ms', 'claimed_by', 'row_count'])
      .where('audience_id', '=', after.audience_id)
      .where('id', '>', after.id)
      .orderBy('id')
      .limit(50)
      .execute();
    const chosen: number[] = [];
    let rows = Number(after.row_count) - Number(after.rows_done);
    for (const b of next) {
      if (b.op !== after.op || b.generation !== after.generation || Number(b.ready_at_ms) > nowMs) break;
      if (b.claimed_by !== null && b.claimed_by !== worker) break;
      if (rows + Number(b.row_count) > maxRows) break;
      rows += Number(b.row_count);
      chosen.push(b.id);
    }
    if (chosen.length === 0) return [];
    await this.db.updateTable('upload_batches').set({ claimed_by: worker, claimed_at: nowMs }).where('id', 'in', chosen).execute();
    const claimed = await this.db.selectFrom('upload_batches').selectAll().where('id', 'in', chosen).orderBy('id').execute();
    const out: UploadBatch[] = [];
    for (const b of claimed) {
      try {
        out.push(this.withRows(b));
      } catch (e) {
        // Claimed by this worker: claimNext takes it next and reports it.
        if (e instanceof MissingBatchRowsError) break;
        throw e;
      }
    }
    return out;
  }

  async nextReadyAt(): Promise<number | undefined> {
    const r = await this.db.selectFrom('upload_batches').select('ready_at_ms').orderBy('ready_at_ms').limit(1).executeTakeFirst();
    return r ? Number(r.ready_at_ms) : undefined;
  }

  /** Live people with no key set yet, and key sets of people who are gone (both need a sync). */
  async personKeyDrift(): Promise<{ missing: string[]; stale: string[] }> {
    const missing = await this.db
      .selectFrom('people')
      .leftJoin('person_key_sets', 'person_key_sets.person_id', 'people.id')
      .select('people.id')
      .where('people.deleted', '=', 0)
      .where('person_key_sets.person_id', 'is', null)
      .execute();
    const stale = await this.db
      .selectFrom('person_key_sets')
      .leftJoin('people', 'people.id', 'person_key_sets.person_id')
      .select('person_key_sets.person_id')
      .where((eb) => eb.or([eb('people.id', 'is', null), eb('people.deleted', '=', 1)]))
      .execute();
    return { missing: missing.map((r) => r.id), stale: stale.map((r) => r.person_id) };
  }

  /**
   * A cheap fingerprint of the people and key-set tables: when it is unchanged since the last
   * sync, nobody was added behind the events' back. SQLite: the largest rowids (O(log n)); new
   * people raise the first, a cleared store drops the second. Elsewhere: the counts.
   */
  async peopleSignature(): Promise<string> {
    if (this.dialect === 'sqlite') {
      const r = await sql<{ p: number | null; k: number | null }>`select (select max(rowid) from people) as p, (select max(rowid) from person_key_sets) as k`.execute(this.db);
      const row = r.rows[0];
      return `${row?.p ?? 0}:${row?.k ?? 0}`;
    }
    const c = await this.countPeopleAndKeySets();
    return `${c.people}:${c.keySets}`;
  }

  /**
   * What these people's match keys are derived from, for those still live: one query each for the
   * people, their app-scoped ids and their extern ids, whatever their number (audiences/people-sync.ts).
   */
  async identitySources(personIds: string[]): Promise<{
    people: Array<{ id: string; email: string | null; first_name: string | null; last_name: string | null; profile: string }>;
    appUsers: Array<{ person_id: string; asid: string }>;
    externIds: Array<{ person_id: string; ad_account_id: string; extern_hash: Buffer }>;
  }> {
    if (personIds.length === 0) return { people: [], appUsers: [], externIds: [] };
    const people = await this.db
      .selectFrom('people')
      .select(['id', 'email', 'first_name', 'last_name', 'profile'])
      .where('id', 'in', personIds)
      .where('deleted', '=', 0)
      .execute();
    if (people.length === 0) return { people, appUsers: [], externIds: [] };
    const live = people.map((p) => p.id);
    const appUsers = await this.db.selectFrom('app_users').select(['person_id', 'asid']).where('person_id', 'in', live).orderBy('person_id').orderBy('app_id').execute();
    const externIds = (await this.db.selectFrom('person_extern_ids').select(['person_id', 'ad_account_id', 'extern_hash']).where('person_id', 'in', live).execute()).map((e) => ({
      ...e,
      extern_hash: Buffer.isBuffer(e.extern_hash) ? e.extern_hash : Buffer.from(e.extern_hash),
    }));
    return { people, appUsers, externIds };
  }

  /** These people's stored match keys (packed pairs of their key sets). */
  async keySetsOf(personIds: string[]): Promise<Buffer[]> {
    if (personIds.length === 0) return [];
    const sets = await this.db.selectFrom('person_key_sets').select('keys').where('person_id', 'in', personIds).execute();
    return sets.map((s) => Buffer.from(s.keys));
  }

  async countPeopleAndKeySets(): Promise<{ people: number; keySets: number }> {
    const p = await this.db.selectFrom('people').select((eb) => eb.fn.countAll<number>().as('n')).where('deleted', '=', 0).executeTakeFirst();
    const k = await this.db.selectFrom('person_key_sets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return { people: Number(p?.n ?? 0), keySets: Number(k?.n ?? 0) };
  }

  // ---- extern ids ----
  async addExternId(adAccountId: string, externHash: Buffer, personId: string): Promise<void> {
    await this.db
      .insertInto('person_extern_ids')
      .values({ ad_account_id: adAccountId, extern_hash: externHash, person_id: personId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  externIdsOf(personId: string): Promise<Array<{ ad_account_id: string; extern_hash: Buffer }>> {
    return this.db.selectFrom('person_extern_ids').select(['ad_account_id', 'extern_hash']).where('person_id', '=', personId).execute();
  }

  listExternIds(): Promise<Array<{ ad_account_id: string; extern_hash: Buffer; person_id: string }>> {
    return this.db.selectFrom('person_extern_ids').selectAll().orderBy('person_id').execute();
  }

  // ---- reads for the control surface ----
  async rowCounts(audienceId: string): Promise<{ rows: number; matched: number }> {
    const r = await this.db
      .selectFrom('audience_rows')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('person_id').as('m')])
      .where('audience_id', '=', audienceId)
      .executeTakeFirst();
    return { rows: Number(r?.n ?? 0), matched: Number(r?.m ?? 0) };
  }

  /** Stored rows in row-hash order, from `after` (a row hash, hex), for paging the matches view. */
  async pageRows(audienceId: string, limit: number, after?: Buffer): Promise<Array<{ row_hash: Buffer; keys: Buffer; person_id: string | null; match_type: number | null }>> {
    let q = this.db.selectFrom('audience_rows').select(['row_hash', 'keys', 'person_id', 'match_type']).where('audience_id', '=', audienceId);
    if (after) q = q.where('row_hash', '>', after);
    return q.orderBy('row_hash').limit(limit).execute();
  }
}
