/**
 * Storage for what the User node's edges read beyond the core world: a person's content (one
 * row per album, photo, post, video, liked page, …, tagged with its kind), business memberships,
 * pages' block lists and page-scoped ids. Tables come from migration 003_user_content; their
 * types stay here so the core schema is untouched.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';

export interface UserContentTable {
  id: string;
  person_id: string;
  kind: string;
  parent_id: string | null;
  position: number;
  /** Unix seconds. */
  created_time: number;
  /** The item's fields as JSON text. */
  data: string;
}

export interface BusinessMemberTable {
  business_id: string;
  person_id: string;
  role: string;
  business_user_id: string;
}

export interface PageBlockTable {
  page_id: string;
  person_id: string;
  blocked_time: number;
}

export interface PageScopedIdTable {
  page_id: string;
  person_id: string;
  psid: string;
}

export type UserContentTables = {
  user_content: UserContentTable;
  business_members: BusinessMemberTable;
  page_blocks: PageBlockTable;
  page_scoped_ids: PageScopedIdTable;
};

export type ContentRow = Selectable<UserContentTable>;
export type BusinessMember = Selectable<BusinessMemberTable>;
export type PageBlock = Selectable<PageBlockTable>;
export type PageScopedId = Selectable<PageScopedIdTable>;

export class UserContentRepo {
  private readonly db: Kysely<Database & UserContentTables>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<UserContentTables>();
  }

  // ---- content items ----
  async insertItem(row: ContentRow): Promise<void> {
    await this.db.insertInto('user_content').values(row).execute();
  }
  /** An item by id alone: for kinds whose ids are minted here (albums, photos, game items). */
  getItem(id: string, kind?: string): Promise<ContentRow | undefined> {
    let q = this.db.selectFrom('user_content').selectAll().where('id', '=', id);
    if (kind !== undefined) q = q.where('kind', '=', kind);
    return q.orderBy('person_id').executeTakeFirst();
  }
  /** A person's items of one kind (top-level only unless `parentId` is given), in edge order. */
  listItems(personId: string, kind: string, parentId?: string): Promise<ContentRow[]> {
    let q = this.db.selectFrom('user_content').selectAll().where('person_id', '=', personId).where('kind', '=', kind);
    q = parentId === undefined ? q : q.where('parent_id', '=', parentId);
    return q.orderBy('position').orderBy('id').execute();
  }
  listChildren(parentId: string, kind: string): Promise<ContentRow[]> {
    return this.db
      .selectFrom('user_content')
      .selectAll()
      .where('parent_id', '=', parentId)
      .where('kind', '=', kind)
      .orderBy('position')
      .orderBy('id')
      .execute();
  }
  listAllItems(): Promise<ContentRow[]> {
    return this.db.selectFrom('user_content').selectAll().orderBy('person_id').orderBy('kind').orderBy('position').orderBy('id').execute();
  }
  async nextPosition(personId: string, kind: string): Promise<number> {
    const row = await this.db
      .selectFrom('user_content')
      .select((eb) => eb.fn.max('position').as('top'))
      .where('person_id', '=', personId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    return row?.top === null || row?.top === undefined ? 0 : Number(row.top) + 1;
  }
  async updateItemData(personId: string, kind: string, id: string, data: string): Promise<void> {
    await this.db
      .updateTable('user_content')
      .set({ data })
      .where('person_id', '=', personId)
      .where('kind', '=', kind)
      .where('id', '=', id)
      .execute();
  }
  /** Deletes a person's items; answers what was deleted so registered ids can be dropped too. */
  async deletePersonContent(personId: string): Promise<Array<{ id: string; kind: string }>> {
    const rows = await this.db.selectFrom('user_content').select(['id', 'kind']).where('person_id', '=', personId).execute();
    await this.db.deleteFrom('user_content').where('person_id', '=', personId).execute();
    return rows;
  }

  // ---- business memberships ----
  async upsertMember(m: BusinessMember): Promise<void> {
    await this.db
      .insertInto('business_members')
      .values(m)
      .onConflict((oc) => oc.columns(['business_id', 'person_id']).doUpdateSet({ role: m.role }))
      .execute();
  }
  listMembershipsOfPerson(personId: string): Promise<BusinessMember[]> {
    return this.db.selectFrom('business_members').selectAll().where('person_id', '=', personId).orderBy('business_id').execute();
  }
  listMembersOfBusiness(businessId: string): Promise<BusinessMember[]> {
    return this.db.selectFrom('business_members').selectAll().where('business_id', '=', businessId).orderBy('person_id').execute();
  }
  listAllMembers(): Promise<BusinessMember[]> {
    return this.db.selectFrom('business_members').selectAll().orderBy('business_id').orderBy('person_id').execute();
  }
  async removeMember(businessId: string, personId: string): Promise<number> {
    const r = await this.db
      .deleteFrom('business_members')
      .where('business_id', '=', businessId)
      .where('person_id', '=', personId)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
  async removeMemberships(personId: string): Promise<void> {
    await this.db.deleteFrom('business_members').where('person_id', '=', personId).execute();
  }

  // ---- page blocks ----
  async block(pageId: string, personId: string, at: number): Promise<boolean> {
    const existing = await this.isBlocked(pageId, personId);
    if (existing) return false;
    await this.db.insertInto('page_blocks').values({ page_id: pageId, person_id: personId, blocked_time: at }).execute();
    return true;
  }
  async unblock(pageId: string, personId: string): Promise<number> {
    const r = await this.db.deleteFrom('page_blocks').where('page_id', '=', pageId).where('person_id', '=', personId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
  async isBlocked(pageId: string, personId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('page_blocks')
      .select('person_id')
      .where('page_id', '=', pageId)
      .where('person_id', '=', personId)
      .executeTakeFirst();
    return row !== undefined;
  }
  listBlocked(pageId: string): Promise<PageBlock[]> {
    return this.db.selectFrom('page_blocks').selectAll().where('page_id', '=', pageId).orderBy('blocked_time').orderBy('person_id').execute();
  }
  listAllBlocks(): Promise<PageBlock[]> {
    return this.db.selectFrom('page_blocks').selectAll().orderBy('page_id').orderBy('person_id').execute();
  }
  async removeBlocksOfPerson(personId: string): Promise<void> {
    await this.db.deleteFrom('page_blocks').where('person_id', '=', personId).execute();
  }

  // ---- page tokens handed out by `accounts` ----
  /** A live page token this app already issued to this person for the page. */
  async findPageToken(pageId: string, appId: string, personId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('tokens')
      .select('token')
      .where('kind', '=', 'page')
      .where('page_id', '=', pageId)
      .where('app_id', '=', appId)
      .where('person_id', '=', personId)
      .where('invalid_reason', 'is', null)
      .orderBy('issued_at')
      .orderBy('token')
      .executeTakeFirst();
    return row?.token;
  }

  // ---- page-scoped ids ----
  getPsid(pageId: string, personId: string): Promise<PageScopedId | undefined> {
    return this.db
      .selectFrom('page_scoped_ids')
      .selectAll()
      .where('page_id', '=', pageId)
      .where('person_id', '=', personId)
      .executeTakeFirst();
  }
  findPsid(psid: string): Promise<PageScopedId | undefined> {
    return this.db.selectFrom('page_scoped_ids').selectAll().where('psid', '=', psid).executeTakeFirst();
  }
  async insertPsid(row: PageScopedId): Promise<void> {
    await this.db
      .insertInto('page_scoped_ids')
      .values(row)
      .onConflict((oc) => oc.columns(['page_id', 'person_id']).doNothing())
      .execute();
  }
}
