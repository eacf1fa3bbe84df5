import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * A customer-file audience's simulated size (audiences/simulated-size.ts): people it counts as
 * holding on top of its matched rows, and the replace generation they belong to (a replace that
 * commits a newer generation drops them, as it drops older rows). Both default to 0, so existing
 * audiences hold none. One column per statement: SQLite's ALTER TABLE adds one at a time.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('custom_audiences')
    .addColumn('simulated_size', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('custom_audiences')
    .addColumn('simulated_generation', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
