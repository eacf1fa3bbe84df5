/**
 * The Application node (`/{app-id}`): its public fields, and the `accounts` edge where test users
 * are created, listed and dissociated (`/accounts/test-users` or `/accounts?type=test-users`).
 */
import type { GraphContext, HandlerResult } from '../graph/context.js';
import { invalidParameter, unknownPath } from '../graph/errors/catalogue.js';
import { renderEdge } from '../graph/render.js';
import { structType, type EdgeDef, type NodeType } from '../graph/registry.js';
import type { App } from '../storage/world.js';
import { createTestUser, dissociateTestUser, listTestUsers, type TestUserListItem } from './test-users.js';

// Edge lists are typed over unknown items; the struct type reads any record.
const testUserType = structType<TestUserListItem>('TestUser', ['id', 'login_url', 'access_token']) as unknown as NodeType<unknown>;

/** `type=test-users` is the only kind of account an app has here; the path form implies it. */
function checkType(ctx: GraphContext, rest: string[]): void {
  if (rest.length > 1 || (rest.length === 1 && rest[0] !== 'test-users')) throw unknownPath('/' + ctx.path.join('/'));
  if (rest.length === 1) return;
  const type = ctx.params.string('type');
  if (type !== 'test-users') throw invalidParameter('type must be one of the following values: test-users');
}

const testUsersEdge: EdgeDef<App> = {
  list: async (app, ctx) => ({ items: await listTestUsers(ctx, app), itemType: testUserType }),
  defaultLimit: 25,
  maxLimit: 500,
};

const accountsEdge: EdgeDef<App> = {
  list: async (app, ctx) => {
    checkType(ctx, []);
    return { items: await listTestUsers(ctx, app), itemType: testUserType };
  },
  getSub: async (app, ctx, rest): Promise<HandlerResult> => {
    checkType(ctx, rest);
    // Rendered as the edge `accounts` with `type=test-users`, so `next` links lead back here.
    const sub: GraphContext = { ...ctx, params: ctx.params.with({ type: 'test-users' }) };
    return renderEdge(testUsersEdge, app, applicationType, sub, undefined, true, 'accounts');
  },
  create: async (app, ctx, rest) => {
    checkType(ctx, rest);
    return createTestUser(ctx, app);
  },
  remove: async (app, ctx, rest) => {
    checkType(ctx, rest);
    return dissociateTestUser(ctx, app);
  },
  defaultLimit: 25,
  maxLimit: 500,
};

export const applicationType: NodeType<App> = {
  type: 'application',
  graphName: 'Application',
  load: (id, ctx) => ctx.services.store.world.getApp(id),
  idOf: (a) => a.id,
  defaultFields: () => ['link', 'name', 'id'],
  fields: {
    id: { get: (a) => a.id },
    name: { get: (a) => a.name },
    namespace: { get: (a) => a.namespace ?? undefined },
    link: { get: (a) => `https://www.facebook.com/games/?app_id=${a.id}` },
    category: { get: () => 'Utilities' },
    business: {
      get: async (a, ctx) => {
        if (!a.business_id) return undefined;
        const b = await ctx.services.store.world.getBusiness(a.business_id);
        return b ? { id: b.id, name: b.name } : undefined;
      },
    },
    daily_active_users: { get: (a) => String(a.daily_users) },
    created_time: { get: (a) => new Date(a.created_time * 1000).toISOString().replace(/\.\d{3}Z$/, '+0000') },
  },
  edges: { accounts: accountsEdge },
};
