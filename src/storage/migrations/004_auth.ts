import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * What apps and tokens need beyond the core world: who develops an app (debug_token accepts
 * their user tokens), and friendships between test users (`POST /{id}/friends/{other}`).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('app_roles')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('developers'))
    .addPrimaryKeyConstraint('app_roles_pk', ['app_id', 'person_id'])
    .execute();
  await db.schema
    .createTable('friendships')
    // A request goes from one person to another; it is a friendship once the other confirms.
    .addColumn('requester_id', 'text', (c) => c.notNull())
    .addColumn('addressee_id', 'text', (c) => c.notNull())
    .addColumn('confirmed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('friendships_pk', ['requester_id', 'addressee_id'])
    .execute();
  await db.schema.createIndex('friendships_addressee').on('friendships').columns(['addressee_id']).execute();
}
