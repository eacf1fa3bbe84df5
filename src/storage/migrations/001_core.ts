import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The core world: apps, businesses, people and their app-scoped ids, tokens, pages, ad accounts. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('businesses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('apps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('namespace', 'text')
    .addColumn('business_id', 'text')
    .addColumn('default_version', 'text')
    .addColumn('require_appsecret_proof', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('client_token', 'text')
    .addColumn('test_user_limit', 'integer', (c) => c.notNull().defaultTo(2000))
    .addColumn('daily_users', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('people')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text')
    .addColumn('middle_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('email', 'text')
    .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('is_test_user', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('test_user_app_id', 'text')
    .addColumn('test_user_password', 'text')
    .addColumn('is_og_test_user', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('checkpointed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('invisible', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('app_users')
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('asid', 'text', (c) => c.notNull().unique())
    .addColumn('installed', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('granted', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('declined', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('removed', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('app_users_pk', ['app_id', 'person_id'])
    .execute();
  await db.schema
    .createTable('tokens')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text')
    .addColumn('page_id', 'text')
    .addColumn('business_id', 'text')
    .addColumn('scopes', 'text')
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('data_access_expires_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('invalid_reason', 'text')
    .execute();
  await db.schema.createIndex('tokens_person').on('tokens').columns(['person_id', 'app_id']).execute();
  await db.schema
    .createTable('pages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('business_id', 'text')
    .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .createTable('page_roles')
    .addColumn('page_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('tasks', 'text', (c) => c.notNull().defaultTo('[]'))
    .addPrimaryKeyConstraint('page_roles_pk', ['page_id', 'person_id'])
    .execute();
  await db.schema
    .createTable('ad_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('business_id', 'text')
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('USD'))
    .addColumn('account_status', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .createTable('ad_account_users')
    .addColumn('ad_account_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('ADMIN'))
    .addColumn('tasks', 'text', (c) => c.notNull().defaultTo('[]'))
    .addPrimaryKeyConstraint('ad_account_users_pk', ['ad_account_id', 'person_id'])
    .execute();
  await db.schema
    .createTable('objects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
