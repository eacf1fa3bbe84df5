import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * A staged batch's packed rows may live in a file beside a file-backed SQLite store
 * (storage/batch-files.ts); `rows_file` names it, and `rows` is then empty.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('upload_batches').addColumn('rows_file', 'text').execute();
}
