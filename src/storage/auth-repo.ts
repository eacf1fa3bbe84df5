/**
 * Storage for apps and tokens beyond the core world: app roles (who may debug an app's tokens),
 * friendships between test users, and the queries test-user listing and dissociation need.
 * Tables come from migration 004_auth; their types stay here so the core schema is untouched.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.js';
import type { AppUser, Person, Token } from './world.js';

export interface AppRoleTable {
  app_id: string;
  person_id: string;
  /** `administrators` | `developers` | `testers` (the app dashboard's role names). */
  role: string;
}

export interface FriendshipTable {
  requester_id: string;
  addressee_id: string;
  confirmed: number;
  created_time: number;
}

export type AuthTables = {
  app_roles: AppRoleTable;
  friendships: FriendshipTable;
};

export type AppRole = Selectable<AppRoleTable>;
export type Friendship = Selectable<FriendshipTable>;

export interface TestUserRow {
  person: Person;
  appUser: AppUser;
}

export type FriendOutcome = 'requested' | 'confirmed' | 'already_requested' | 'already_friends';

export class AuthRepo {
  private readonly db: Kysely<Database & AuthTables>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<AuthTables>();
  }

  // ---- app roles ----
  async setAppRole(appId: string, personId: string, role: string): Promise<void> {
    await this.db
      .insertInto('app_roles')
      .values({ app_id: appId, person_id: personId, role })
      .onConflict((oc) => oc.columns(['app_id', 'person_id']).doUpdateSet({ role }))
      .execute();
  }
  getAppRole(appId: string, personId: string): Promise<AppRole | undefined> {
    return this.db.selectFrom('app_roles').selectAll().where('app_id', '=', appId).where('person_id', '=', personId).executeTakeFirst();
  }
  listAppRoles(): Promise<AppRole[]> {
    return this.db.selectFrom('app_roles').selectAll().orderBy('app_id').orderBy('person_id').execute();
  }

  // ---- friendships ----
  /**
   * A friend request from `from` to `to`; a request the other way already waiting is confirmed
   * instead (the test-user flow: user 1 asks, user 2 confirms by asking back).
   */
  async befriend(from: string, to: string, now: number): Promise<FriendOutcome> {
    const reverse = await this.db
      .selectFrom('friendships')
      .selectAll()
      .where('requester_id', '=', to)
      .where('addressee_id', '=', from)
      .executeTakeFirst();
    if (reverse) {
      if (reverse.confirmed) return 'already_friends';
      await this.db.updateTable('friendships').set({ confirmed: 1 }).where('requester_id', '=', to).where('addressee_id', '=', from).execute();
      return 'confirmed';
    }
    const same = await this.db
      .selectFrom('friendships')
      .selectAll()
      .where('requester_id', '=', from)
      .where('addressee_id', '=', to)
      .executeTakeFirst();
    if (same) return same.confirmed ? 'already_friends' : 'already_requested';
    await this.db.insertInto('friendships').values({ requester_id: from, addressee_id: to, confirmed: 0, created_time: now }).execute();
    return 'requested';
  }
  async insertFriendship(f: Friendship): Promise<void> {
    await this.db.insertInto('friendships').values(f).execute();
  }
  /** Confirmed friends of a person (internal ids), oldest friendship first. */
  async friendIds(personId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('friendships')
      .selectAll()
      .where('confirmed', '=', 1)
      .where((eb) => eb.or([eb('requester_id', '=', personId), eb('addressee_id', '=', personId)]))
      .orderBy('created_time')
      .orderBy('requester_id')
      .execute();
    return rows.map((r) => (r.requester_id === personId ? r.addressee_id : r.requester_id));
  }
  listFriendships(): Promise<Friendship[]> {
    return this.db.selectFrom('friendships').selectAll().orderBy('requester_id').orderBy('addressee_id').execute();
  }

  // ---- test users ----
  /** Test users an app sees (created by it or associated with it), by app-scoped id. */
  async listTestUsers(appId: string): Promise<TestUserRow[]> {
    const appUsers = await this.db.selectFrom('app_users').selectAll().where('app_id', '=', appId).orderBy('asid').execute();
    if (appUsers.length === 0) return [];
    const people = await this.db
      .selectFrom('people')
      .selectAll()
      .where('is_test_user', '=', 1)
      .where('deleted', '=', 0)
      .where(
        'id',
        'in',
        appUsers.map((u) => u.person_id),
      )
      .execute();
    const byId = new Map(people.map((p) => [p.id, p]));
    const out: TestUserRow[] = [];
    for (const u of appUsers) {
      const person = byId.get(u.person_id);
      if (person) out.push({ person, appUser: u });
    }
    return out;
  }
  async countTestUsersCreatedBy(appId: string): Promise<number> {
    const r = await this.db
      .selectFrom('people')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('test_user_app_id', '=', appId)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
  /** The newest valid user token of a person for an app (the one test-user listings show). */
  latestUserToken(appId: string, personId: string): Promise<Token | undefined> {
    return this.db
      .selectFrom('tokens')
      .selectAll()
      .where('app_id', '=', appId)
      .where('person_id', '=', personId)
      .where('kind', '=', 'user')
      .where('invalid_reason', 'is', null)
      .orderBy('issued_at', 'desc')
      .orderBy('token')
      .executeTakeFirst();
  }
  tokensOfPerson(personId: string): Promise<Token[]> {
    return this.db.selectFrom('tokens').selectAll().where('person_id', '=', personId).orderBy('issued_at').execute();
  }
  /** Removes a person's install of an app: its id, its tokens. */
  async dissociate(appId: string, personId: string): Promise<void> {
    const u = await this.db.selectFrom('app_users').select('asid').where('app_id', '=', appId).where('person_id', '=', personId).executeTakeFirst();
    if (!u) return;
    await this.db.deleteFrom('tokens').where('app_id', '=', appId).where('person_id', '=', personId).execute();
    await this.db.deleteFrom('app_users').where('app_id', '=', appId).where('person_id', '=', personId).execute();
    await this.db.deleteFrom('objects').where('id', '=', u.asid).execute();
  }
}
