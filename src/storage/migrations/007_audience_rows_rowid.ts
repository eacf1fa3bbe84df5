import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * SQLite only: `audience_rows` becomes an ordinary rowid table, appended in arrival order, with its
 * identity (audience_id, row_hash) in a unique index of its own, and `audience_id` stored as an
 * integer. The matcher inserts rows in the random order of their hashes; as a WITHOUT ROWID table
 * each ~200-byte row landed on a random page of a table several times the page cache, so a commit
 * dirtied most of the table. Now the random inserts go to index entries of ~45 bytes (an 8-byte
 * integer instead of 17 characters of text), and the rows themselves to the end of the table.
 * Measured on the matcher's insert pattern, a million rows: 26.0 s -> 13.7 s (docs/performance.md).
 *
 * Audience ids are numeric strings: the column's INTEGER affinity stores them as integers, turns
 * a bound string back into the integer when comparing, and keeps any non-numeric id as text. A
 * 17-digit id is past 2^53, so reads of the column must `CAST(audience_id AS TEXT)`. That is
 * lossless for the ids the server makes and fixtures may give (no leading zero, at most 2^63 - 1:
 * fixture-section.ts checks); "0123" would come back as "123", and a 20-digit id as a float. A
 * store that already holds such an audience (an older fixture allowed them) keeps the column TEXT.
 *
 * The ids never repeat (AUTOINCREMENT), so `row_match_pending` can name rows by id: the match keys
 * of a row that matched nobody wait there, packed in one blob per row (about 70 bytes), until a new
 * person makes someone look them up and they move into `row_match_keys`. `row_match_log` held one
 * row per key (audience id, key and row hash: about 95 bytes each, two or more per row); its
 * entries move over here, and SQLite no longer writes it. On the matcher's insert pattern this
 * shrank the file by ~50 MB per million rows (355 -> 303 MB) and the checkpoint from ~0.55 to
 * ~0.35 s; the matcher's own time moved within the noise.
 *
 * PostgreSQL keeps its tables: it has no clustered tables and its text comparison is not the cost.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  // An id the integer would not give back exactly (a leading zero, beyond 64 bits) keeps the text.
  const odd = await sql<{ n: number }>`SELECT count(*) AS n FROM custom_audiences
    WHERE id GLOB '*[^0-9]*' = 0 AND (id GLOB '0*' OR length(id) > 19 OR (length(id) = 19 AND id > '9223372036854775807'))`.execute(db);
  const idType = Number(odd.rows[0]?.n ?? 0) > 0 ? sql.raw('TEXT') : sql.raw('INTEGER');
  await sql`CREATE TABLE audience_rows_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    audience_id ${idType} NOT NULL,
    row_hash BLOB NOT NULL,
    keys BLOB NOT NULL,
    person_id TEXT,
    match_type INTEGER,
    generation INTEGER NOT NULL DEFAULT 0,
    added_at INTEGER NOT NULL
  )`.execute(db);
  await sql`INSERT INTO audience_rows_new (audience_id, row_hash, keys, person_id, match_type, generation, added_at)
    SELECT audience_id, row_hash, keys, person_id, match_type, generation, added_at FROM audience_rows`.execute(db);
  await sql`DROP TABLE audience_rows`.execute(db);
  await sql`ALTER TABLE audience_rows_new RENAME TO audience_rows`.execute(db);
  await sql`CREATE UNIQUE INDEX audience_rows_identity ON audience_rows (audience_id, row_hash)`.execute(db);
  // As in 002: only matched rows are indexed by person.
  await sql`CREATE INDEX audience_rows_person ON audience_rows (person_id, audience_id) WHERE person_id IS NOT NULL`.execute(db);

  // Appended only; read whole, in one pass, when moved into row_match_keys.
  await sql`CREATE TABLE row_match_pending (row_id INTEGER NOT NULL, keys BLOB NOT NULL)`.execute(db);
  await sql`INSERT INTO row_match_pending (row_id, keys)
    SELECT r.id, l.key_hash FROM row_match_log l CROSS JOIN audience_rows r ON r.audience_id = l.audience_id AND r.row_hash = l.row_hash
    WHERE r.person_id IS NULL`.execute(db);
  await sql`DELETE FROM row_match_log`.execute(db);
}
