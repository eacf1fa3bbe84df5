import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * What the User node's edges read beyond the core world: the person's own content (albums,
 * photos, posts, videos, likes, …, one row per item, kind-tagged), their business memberships,
 * the pages that blocked them, and page-scoped ids. Types live in storage/user-content.ts.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('user_content')
    // The item's Graph id. Liked pages and assigned assets are shared objects that many people
    // list, so an id is unique per person and kind, not globally.
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    // The edge the item belongs to: album, photo, post, video, like, game_item, …
    .addColumn('kind', 'text', (c) => c.notNull())
    // A photo's album; null for top-level items.
    .addColumn('parent_id', 'text')
    // Edge order: lower first (newest first is the fixture's job).
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addPrimaryKeyConstraint('user_content_pk', ['person_id', 'kind', 'id'])
    .execute();
  await db.schema.createIndex('user_content_id').on('user_content').columns(['id']).execute();
  await db.schema.createIndex('user_content_owner').on('user_content').columns(['person_id', 'kind', 'position']).execute();
  await db.schema.createIndex('user_content_parent').on('user_content').columns(['parent_id']).execute();
  await db.schema
    .createTable('business_members')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    // ADMIN | EMPLOYEE (Business Manager roles)
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('EMPLOYEE'))
    // The business-scoped user id (`business_users` items).
    .addColumn('business_user_id', 'text', (c) => c.notNull().unique())
    .addPrimaryKeyConstraint('business_members_pk', ['business_id', 'person_id'])
    .execute();
  await db.schema
    .createTable('page_blocks')
    .addColumn('page_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('blocked_time', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('page_blocks_pk', ['page_id', 'person_id'])
    .execute();
  await db.schema
    .createTable('page_scoped_ids')
    .addColumn('page_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('psid', 'text', (c) => c.notNull().unique())
    .addPrimaryKeyConstraint('page_scoped_ids_pk', ['page_id', 'person_id'])
    .execute();
}
