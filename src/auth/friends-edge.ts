/**
 * `/{user-id}/friends` on the User node. POST `/{test-user-1}/friends/{test-user-2}` with user 1's
 * token sends a friend request; the same call the other way round with user 2's token confirms
 * it (the documented test-user flow). GET lists the friends who also use the app and granted it
 * `user_friends`, as the real edge does; without that permission the list is empty.
 */
import type { GraphContext } from '../graph/context.js';
import { invalidParameter, missingParameter, permissionsError } from '../graph/errors/catalogue.js';
import type { EdgeDef, NodeType, Registry } from '../graph/registry.js';
import type { AppUser } from '../storage/world.js';

function grants(au: AppUser, permission: string): boolean {
  try {
    const v: unknown = JSON.parse(au.granted);
    return Array.isArray(v) && v.includes(permission);
  } catch {
    return false;
  }
}

export function registerFriendsEdge(registry: Registry): void {
  const userType = registry.types.get('user') as NodeType<unknown> | undefined;
  if (!userType) throw new Error('the user node type must be registered before the friends edge');
  const installOf = async (node: unknown, ctx: GraphContext): Promise<AppUser> => {
    const au = await ctx.services.store.world.getAppUserByAsid(userType.idOf(node));
    if (!au) throw permissionsError();
    return au;
  };
  const edge: EdgeDef<unknown> = {
    ...(userType.edges?.friends ?? {}),
    list: async (node, ctx) => {
      const au = await installOf(node, ctx);
      const p = await ctx.auth();
      const self = p.kind === 'user' && p.appUser?.asid === au.asid;
      const allowed = self ? p.scopes.has('user_friends') : p.kind === 'app' && p.app.id === au.app_id && grants(au, 'user_friends');
      if (!allowed) return { items: [], itemType: userType };
      const w = ctx.services.store.world;
      const friendIds = await ctx.services.store.auth.friendIds(au.person_id);
      const items: unknown[] = [];
      for (const id of friendIds) {
        const their = await w.getAppUser(au.app_id, id);
        if (!their || their.removed || !their.installed || !grants(their, 'user_friends')) continue;
        const friend = await userType.load(their.asid, ctx);
        if (friend !== undefined) items.push(friend);
      }
      return { items, itemType: userType, summary: { total_count: friendIds.length } };
    },
    create: async (node, ctx, rest) => {
      const au = await installOf(node, ctx);
      const p = await ctx.auth();
      // The request is sent by the person themself, with their own token.
      if (p.kind !== 'user' || p.appUser?.asid !== au.asid) throw permissionsError();
      const otherId = rest[0] ?? ctx.params.string('uid');
      if (!otherId) throw missingParameter('uid');
      const w = ctx.services.store.world;
      const me = await w.getPerson(au.person_id);
      const other = await w.getAppUserByAsid(otherId);
      const otherPerson = other ? await w.getPerson(other.person_id) : undefined;
      if (!other || !otherPerson || other.app_id !== au.app_id) throw invalidParameter(`Invalid user id ${otherId}`);
      if (!me?.is_test_user || !otherPerson.is_test_user) throw invalidParameter('Friend requests can only be made between test users');
      if (otherPerson.id === au.person_id) throw invalidParameter('A test user cannot befriend themselves');
      await ctx.services.store.auth.befriend(au.person_id, otherPerson.id, ctx.services.clock.nowSeconds());
      return { success: true };
    },
  };
  registry.addEdge('user', 'friends', edge);
}
