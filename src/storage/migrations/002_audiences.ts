import { sql, type Kysely } from 'kysely';
import { binaryType, type Dialect } from '../dialect.js';

/**
 * Custom audiences, their upload sessions, the staging queue, stored rows (hashes only) and the
 * people's match keys. Layout follows spec/machine-limits.md: hashes as blobs, the big keyed
 * tables WITHOUT ROWID on SQLite, and an append-only queue so a request never pays for an index
 * on random keys.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const blob = binaryType(dialect);
  // WITHOUT ROWID halves the size of a table keyed by random 32-byte hashes (machine-limits §5a).
  const compact = dialect === 'sqlite' ? sql`without rowid` : sql``;

  await db.schema
    .createTable('custom_audiences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('description', 'text')
    .addColumn('subtype', 'text', (c) => c.notNull())
    .addColumn('customer_file_source', 'text')
    .addColumn('is_value_based', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retention_days', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('subscription_info', 'text')
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('data_source_type', 'text', (c) => c.notNull().defaultTo('UNKNOWN'))
    .addColumn('data_source_sub_type', 'text', (c) => c.notNull().defaultTo('ANYTHING'))
    .addColumn('status_override', 'integer')
    .addColumn('fields_violating', 'text')
    .addColumn('replace_state', 'text')
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('member_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('published_count', 'bigint', (c) => c.notNull().defaultTo(-1))
    .addColumn('removal_floor', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('time_created', 'bigint', (c) => c.notNull())
    .addColumn('time_updated', 'bigint', (c) => c.notNull())
    .addColumn('time_content_updated', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('custom_audiences_account').on('custom_audiences').columns(['ad_account_id', 'time_created']).execute();

  await db.schema
    .createTable('audience_sessions')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('audience_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_batch_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('batch_seqs', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('num_received', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('num_invalid', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('num_matched', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_pending', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('estimated_num_total', 'bigint')
    .addColumn('schema_sig', 'text')
    .addColumn('generation', 'integer')
    .addColumn('committed', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('audience_sessions_pk', ['ad_account_id', 'session_id'])
    .execute();
  await db.schema.createIndex('audience_sessions_audience').on('audience_sessions').columns(['audience_id', 'started_at']).execute();

  await db.schema
    .createTable('upload_batches')
    .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('audience_id', 'text')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer')
    .addColumn('columns', 'text', (c) => c.notNull())
    .addColumn('row_count', 'integer', (c) => c.notNull())
    .addColumn('rows', blob, (c) => c.notNull())
    .addColumn('rows_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ready_at_ms', 'bigint', (c) => c.notNull())
    .addColumn('staged_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'bigint')
    .execute();
  await db.schema.createIndex('upload_batches_audience').on('upload_batches').columns(['audience_id', 'id']).execute();

  await db.schema
    .createTable('audience_rows')
    .addColumn('audience_id', 'text', (c) => c.notNull())
    .addColumn('row_hash', blob, (c) => c.notNull())
    .addColumn('keys', blob, (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('match_type', 'integer')
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('audience_rows_pk', ['audience_id', 'row_hash'])
    .modifyEnd(compact)
    .execute();
  // Only matched rows are indexed by person: removal by person and test-user deletion use it.
  await db.schema
    .createIndex('audience_rows_person')
    .on('audience_rows')
    .columns(['person_id', 'audience_id'])
    .where(sql.ref('person_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('row_match_keys')
    .addColumn('audience_id', 'text', (c) => c.notNull())
    .addColumn('key_hash', blob, (c) => c.notNull())
    .addColumn('row_hash', blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('row_match_keys_pk', ['audience_id', 'key_hash', 'row_hash'])
    .modifyEnd(compact)
    .execute();

  // Unmatched rows' match keys as the matcher writes them: appended in arrival order (cheap), and
  // moved into row_match_keys sorted, in one pass, the first time someone needs to look them up.
  await db.schema
    .createTable('row_match_log')
    .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigserial', (c) => c.primaryKey())
    .addColumn('audience_id', 'text', (c) => c.notNull())
    .addColumn('key_hash', blob, (c) => c.notNull())
    .addColumn('row_hash', blob, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('person_keys')
    .addColumn('key_hash', blob, (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('key_type', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('person_keys_pk', ['key_hash', 'person_id'])
    .modifyEnd(compact)
    .execute();

  await db.schema
    .createTable('person_key_sets')
    .addColumn('person_id', 'text', (c) => c.primaryKey())
    .addColumn('keys', blob, (c) => c.notNull())
    .addColumn('attrs', blob, (c) => c.notNull())
    .addColumn('built_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('person_extern_ids')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('extern_hash', blob, (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('person_extern_ids_pk', ['ad_account_id', 'extern_hash', 'person_id'])
    .execute();
  await db.schema.createIndex('person_extern_ids_person').on('person_extern_ids').columns(['person_id']).execute();
}
