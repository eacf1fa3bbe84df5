/**
 * The core world in domain terms: apps, businesses, people and their app-scoped ids, tokens,
 * pages and ad accounts. Everything outside storage/ reaches these tables only through here.
 */
import type { Kysely, Insertable, Selectable, Updateable } from 'kysely';
import type {
  AdAccountTable,
  AdAccountUserTable,
  AppTable,
  AppUserTable,
  BusinessTable,
  Database,
  PageRoleTable,
  PageTable,
  PersonTable,
  TokenTable,
} from './schema.js';

export type App = Selectable<AppTable>;
export type Business = Selectable<BusinessTable>;
export type Person = Selectable<PersonTable>;
export type AppUser = Selectable<AppUserTable>;
export type Token = Selectable<TokenTable>;
export type Page = Selectable<PageTable>;
export type PageRole = Selectable<PageRoleTable>;
export type AdAccount = Selectable<AdAccountTable>;
export type AdAccountUser = Selectable<AdAccountUserTable>;

export class WorldRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * One page of live people's ids: the next `size` after `after`, in the primary key's own order
   * (keyset paging, so the query walks the index — `ORDER BY id COLLATE "C"` could not, on
   * PostgreSQL). Returned unexecuted so a test can EXPLAIN it.
   */
  livePeoplePage(size: number, after: string | undefined) {
    let q = this.db.selectFrom('people').select('id').where('deleted', '=', 0);
    if (after !== undefined) q = q.where('id', '>', after);
    return q.orderBy('id').limit(size);
  }

  // ---- the id registry ----
  async typeOf(id: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('objects').select('type').where('id', '=', id).executeTakeFirst();
    return row?.type;
  }
  async register(id: string, type: string): Promise<void> {
    await this.db.insertInto('objects').values({ id, type }).onConflict((oc) => oc.column('id').doUpdateSet({ type })).execute();
  }
  async unregister(id: string): Promise<void> {
    await this.db.deleteFrom('objects').where('id', '=', id).execute();
  }

  // ---- businesses and apps ----
  async insertBusiness(b: Insertable<BusinessTable>): Promise<void> {
    await this.db.insertInto('businesses').values(b).execute();
    await this.register(b.id, 'business');
  }
  getBusiness(id: string): Promise<Business | undefined> {
    return this.db.selectFrom('businesses').selectAll().where('id', '=', id).executeTakeFirst();
  }
  listBusinesses(): Promise<Business[]> {
    return this.db.selectFrom('businesses').selectAll().orderBy('id').execute();
  }
  async insertApp(a: Insertable<AppTable>): Promise<void> {
    await this.db.insertInto('apps').values(a).execute();
    await this.register(a.id, 'application');
  }
  getApp(id: string): Promise<App | undefined> {
    return this.db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
  }
  listApps(): Promise<App[]> {
    return this.db.selectFrom('apps').selectAll().orderBy('id').execute();
  }
  async updateApp(id: string, patch: Updateable<AppTable>): Promise<void> {
    await this.db.updateTable('apps').set(patch).where('id', '=', id).execute();
  }

  // ---- people and their app-scoped ids ----
  async insertPerson(p: Insertable<PersonTable>): Promise<void> {
    await this.db.insertInto('people').values(p).execute();
  }
  getPerson(id: string): Promise<Person | undefined> {
    return this.db.selectFrom('people').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
  }
  listPeople(): Promise<Person[]> {
    return this.db.selectFrom('people').selectAll().where('deleted', '=', 0).orderBy('id').execute();
  }
  async updatePerson(id: string, patch: Updateable<PersonTable>): Promise<void> {
    await this.db.updateTable('people').set(patch).where('id', '=', id).execute();
  }
  async insertAppUser(u: Insertable<AppUserTable>): Promise<void> {
    await this.db.insertInto('app_users').values(u).execute();
    await this.register(u.asid, 'user');
  }
  getAppUserByAsid(asid: string): Promise<AppUser | undefined> {
    return this.db.selectFrom('app_users').selectAll().where('asid', '=', asid).executeTakeFirst();
  }
  getAppUser(appId: string, personId: string): Promise<AppUser | undefined> {
    return this.db
      .selectFrom('app_users')
      .selectAll()
      .where('app_id', '=', appId)
      .where('person_id', '=', personId)
      .executeTakeFirst();
  }
  listAppUsersOfPerson(personId: string): Promise<AppUser[]> {
    return this.db.selectFrom('app_users').selectAll().where('person_id', '=', personId).orderBy('app_id').execute();
  }
  listAppUsersOfApp(appId: string): Promise<AppUser[]> {
    return this.db.selectFrom('app_users').selectAll().where('app_id', '=', appId).orderBy('asid').execute();
  }
  listAppUsers(): Promise<AppUser[]> {
    return this.db.selectFrom('app_users').selectAll().orderBy('app_id').orderBy('asid').execute();
  }
  async updateAppUser(appId: string, personId: string, patch: Updateable<AppUserTable>): Promise<void> {
    await this.db.updateTable('app_users').set(patch).where('app_id', '=', appId).where('person_id', '=', personId).execute();
  }

  // ---- tokens ----
  async insertToken(t: Insertable<TokenTable>): Promise<void> {
    await this.db.insertInto('tokens').values(t).execute();
  }
  getToken(token: string): Promise<Token | undefined> {
    return this.db.selectFrom('tokens').selectAll().where('token', '=', token).executeTakeFirst();
  }
  listTokens(): Promise<Token[]> {
    return this.db.selectFrom('tokens').selectAll().orderBy('issued_at').orderBy('token').execute();
  }
  async updateToken(token: string, patch: Updateable<TokenTable>): Promise<void> {
    await this.db.updateTable('tokens').set(patch).where('token', '=', token).execute();
  }
  /** Invalidates every live token of a person (for one app, or all apps). */
  async invalidatePersonTokens(personId: string, reason: string, appId?: string): Promise<void> {
    let q = this.db.updateTable('tokens').set({ invalid_reason: reason }).where('person_id', '=', personId).where('invalid_reason', 'is', null);
    if (appId) q = q.where('app_id', '=', appId);
    await q.execute();
  }

  // ---- pages ----
  async insertPage(p: Insertable<PageTable>): Promise<void> {
    await this.db.insertInto('pages').values(p).execute();
    await this.register(p.id, 'page');
  }
  getPage(id: string): Promise<Page | undefined> {
    return this.db.selectFrom('pages').selectAll().where('id', '=', id).executeTakeFirst();
  }
  listPages(): Promise<Page[]> {
    return this.db.selectFrom('pages').selectAll().orderBy('id').execute();
  }
  async insertPageRole(r: Insertable<PageRoleTable>): Promise<void> {
    await this.db.insertInto('page_roles').values(r).execute();
  }
  listPageRoles(): Promise<PageRole[]> {
    return this.db.selectFrom('page_roles').selectAll().orderBy('page_id').orderBy('person_id').execute();
  }
  listPageRolesOfPerson(personId: string): Promise<PageRole[]> {
    return this.db.selectFrom('page_roles').selectAll().where('person_id', '=', personId).orderBy('page_id').execute();
  }

  // ---- ad accounts ----
  async insertAdAccount(a: Insertable<AdAccountTable>): Promise<void> {
    await this.db.insertInto('ad_accounts').values(a).execute();
    await this.register('act_' + a.id, 'adaccount');
  }
  getAdAccount(id: string): Promise<AdAccount | undefined> {
    return this.db.selectFrom('ad_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }
  listAdAccounts(): Promise<AdAccount[]> {
    return this.db.selectFrom('ad_accounts').selectAll().orderBy('id').execute();
  }
  async insertAdAccountUser(u: Insertable<AdAccountUserTable>): Promise<void> {
    await this.db.insertInto('ad_account_users').values(u).execute();
  }
  listAdAccountUsers(adAccountId?: string): Promise<AdAccountUser[]> {
    let q = this.db.selectFrom('ad_account_users').selectAll();
    if (adAccountId) q = q.where('ad_account_id', '=', adAccountId);
    return q.orderBy('ad_account_id').orderBy('person_id').execute();
  }
  getAdAccountUser(adAccountId: string, personId: string): Promise<AdAccountUser | undefined> {
    return this.db
      .selectFrom('ad_account_users')
      .selectAll()
      .where('ad_account_id', '=', adAccountId)
      .where('person_id', '=', personId)
      .executeTakeFirst();
  }
  async deleteAdAccountUser(adAccountId: string, personId: string): Promise<number> {
    const r = await this.db
      .deleteFrom('ad_account_users')
      .where('ad_account_id', '=', adAccountId)
      .where('person_id', '=', personId)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Removes an app's tokens and installs (and their ids); its test users are marked deleted. */
  async resetApp(appId: string): Promise<void> {
    await this.db.updateTable('people').set({ deleted: 1 }).where('test_user_app_id', '=', appId).execute();
    await this.db.deleteFrom('tokens').where('app_id', '=', appId).execute();
    const asids = await this.db.selectFrom('app_users').select('asid').where('app_id', '=', appId).execute();
    for (const a of asids) await this.unregister(a.asid);
    await this.db.deleteFrom('app_users').where('app_id', '=', appId).execute();
  }

  // ---- meta (small shared settings: the clock offset, the admin token) ----
  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }
  async setMeta(key: string, value: string): Promise<void> {
    await this.db.insertInto('meta').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
  }
}
