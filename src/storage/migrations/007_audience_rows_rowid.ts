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
 * 17-digit id is past 2^53, so reads of the column must `CAST(audience_id AS TEXT)`.
 *
 * PostgreSQL keeps its table: it has no clustered tables and its text comparison is not the cost.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql`CREATE TABLE audience_rows_new (
    id INTEGER PRIMARY KEY,
    audience_id INTEGER NOT NULL,
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
}
