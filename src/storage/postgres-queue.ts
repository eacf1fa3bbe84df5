/**
 * Claiming staged upload batches on PostgreSQL, where every server process runs a matcher.
 *
 * `FOR UPDATE SKIP LOCKED` lets concurrent claimers pass over a row another is claiming instead
 * of waiting for it or taking it too. Only the oldest remaining batch of each audience can be
 * claimed, so one audience's adds, removes and replace commit still apply in the order they
 * were sent, while different audiences are matched in parallel. A claim is renewed with every
 * slice; one not renewed for `staleMs` (its process died) is taken over, and because each slice
 * commits together with the batch's progress, the new owner resumes exactly where the last
 * committed slice ended.
 */
import { sql, type Kysely } from 'kysely';
import type { AudienceTables, UploadBatchTable } from './audiences-schema.js';
import type { Database } from './schema.js';
import type { Selectable } from 'kysely';

type Db = Kysely<Database & AudienceTables>;

export async function claimNextPostgres(db: Db, worker: string, nowMs: number, staleMs: number): Promise<Selectable<UploadBatchTable> | undefined> {
  const r = await sql<Selectable<UploadBatchTable>>`
    WITH next AS (
      SELECT b.id FROM upload_batches b
      WHERE b.ready_at_ms <= ${nowMs}
        AND (b.claimed_by IS NULL OR b.claimed_by = ${worker} OR b.claimed_at < ${nowMs - staleMs})
        AND NOT EXISTS (SELECT 1 FROM upload_batches e WHERE e.audience_id = b.audience_id AND e.id < b.id)
      ORDER BY b.id
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    UPDATE upload_batches u SET claimed_by = ${worker}, claimed_at = ${nowMs}
    FROM next WHERE u.id = next.id
    RETURNING u.*`.execute(db);
  return r.rows[0];
}
