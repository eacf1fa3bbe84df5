/**
 * The User node: `GET /{user-id}` and `/me` (fields by version and by what the token may see),
 * its edges, `POST /{user_id}` (update, read-after-write), `DELETE /{user_id}` (test users), and
 * the v10.0-only writes. What exists on which version is the version table's business
 * (version-table.ts); this module assembles the node type from it.
 */
import {
  activeTokenForMe,
  consentAppBlocking,
  personCheckpointed,
  userNotVisible,
} from '../graph/errors/catalogue.js';
import type { GraphContext } from '../graph/context.js';
import type { NodeType, Registry } from '../graph/registry.js';
import { registerPageNode, loadPageNode } from '../pages/page-node.js';
import { leaveBusiness } from './business-membership.js';
import { registerContentNodes } from './content-nodes.js';
import { postGameItem } from './game-items.js';
import { registerProfilePicRoute } from './picture.js';
import { deleteUser } from './user-delete.js';
import { registerUserContentSection } from './user-content-section.js';
import { userEdgeDefs } from './user-edges.js';
import { userFieldDefs } from './user-fields.js';
import { updateUser } from './user-update.js';
import { loadUserByAsid, viewOf, type UserView } from './user-view.js';
import { userOperationAvailable } from './version-table.js';
import { viewerOf } from './viewer.js';

export type { UserView } from './user-view.js';
export { loadUserByAsid } from './user-view.js';

/**
 * What a caller learns about a person it may not see: someone else's invisible profile is 210
 * "User not visible"; a checkpointed person is 459 to anyone but themself (their own token
 * already fails with 190/459); a person in consent app blocking gets 483 on their own calls.
 */
async function guardAccess(ctx: GraphContext, u: UserView): Promise<void> {
  const viewer = await viewerOf(ctx, u);
  if (viewer.kind === 'self') {
    if (u.profile.consent_app_blocking === true) throw consentAppBlocking();
    return;
  }
  if (viewer.kind !== 'app' && u.person.invisible === 1) throw userNotVisible();
  if (u.person.checkpointed === 1) throw personCheckpointed();
}

function buildEdges(): NonNullable<NodeType<UserView>['edges']> {
  const edges = userEdgeDefs();
  const businesses = edges.businesses;
  if (businesses) edges.businesses = { ...businesses, remove: (u, ctx) => leaveBusiness(u, ctx) };
  edges.game_items = {
    available: (v) => userOperationAvailable('POST /{user_id}/game_items', v),
    create: (u, ctx) => postGameItem(u, ctx),
  };
  return edges;
}

export const userType: NodeType<UserView> = {
  type: 'user',
  graphName: 'User',
  load: async (id, ctx) => {
    const u = await loadUserByAsid(ctx, id);
    if (u) await guardAccess(ctx, u);
    return u;
  },
  idOf: (u) => u.appUser.asid,
  // "name and id are the User node fields returned by default"
  defaultFields: () => ['name', 'id'],
  fields: userFieldDefs(),
  edges: buildEdges(),
  post: (u, ctx) => updateUser(u, ctx, userType),
  delete: (u, ctx) => deleteUser(u, ctx),
};

/** `/me`: the token's person as their app sees them, or the page a page token speaks for. */
async function resolveMe(ctx: GraphContext): Promise<{ type: NodeType<unknown>; node: unknown }> {
  const p = await ctx.auth();
  if (p.kind === 'page' && p.pageId) {
    const page = await loadPageNode(ctx, p.pageId);
    if (page) return page;
  }
  if (p.kind === 'user' && p.appUser) {
    const u = await viewOf(ctx, p.appUser);
    if (u) {
      await guardAccess(ctx, u);
      return { type: userType as unknown as NodeType<unknown>, node: u };
    }
  }
  throw activeTokenForMe();
}

export function registerUserCore(registry: Registry): void {
  registry.addType(userType);
  registry.me = resolveMe;
  registerPageNode(registry);
  registerContentNodes(registry);
  registerUserContentSection();
  registerProfilePicRoute();
}
