/**
 * The AdAccount node (`act_{id}`): its fields, and the edges this project serves —
 * `customaudiences` (list, create), `assigned_users` (list, remove) and `usersofanyaudience`
 * (remove people from every customer-file audience of the account).
 */
import type { GraphContext } from '../graph/context.js';
import type { EdgeList, NodeType } from '../graph/registry.js';
import { structType } from '../graph/registry.js';
import type { AdAccount } from '../storage/world.js';
import { audienceType, audienceView } from '../audiences/audience-node.js';
import { createAudience } from '../audiences/create.js';
import { removeFromAnyAudience } from '../audiences/any-audience.js';
import { requireAdAccountAccess } from './access.js';
import { listAssignedUsers, removeAssignedUser } from './assigned-users.js';

/** Real account_status codes: 1 ACTIVE, 2 DISABLED, 3 UNSETTLED, 7 PENDING_RISK_REVIEW, … */
const businessType = structType<Record<string, unknown>>('Business', ['id', 'name'], ['id', 'name']);

function profile(a: AdAccount): Record<string, unknown> {
  try {
    return JSON.parse(a.profile) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export const adAccountType: NodeType<AdAccount> = {
  type: 'adaccount',
  graphName: 'AdAccount',
  async load(id, ctx) {
    const numeric = id.replace(/^act_/, '');
    const a = await ctx.services.store.world.getAdAccount(numeric);
    if (!a) return undefined;
    await requireAdAccountAccess(ctx, a, ctx.method === 'GET' ? 'read' : 'write');
    return a;
  },
  idOf: (a) => 'act_' + a.id,
  defaultFields: () => ['account_id', 'id'],
  fields: {
    id: { get: (a) => 'act_' + a.id },
    account_id: { get: (a) => a.id },
    name: { get: (a) => a.name },
    account_status: { get: (a) => a.account_status },
    currency: { get: (a) => a.currency },
    business: {
      get: async (a, ctx) => {
        if (!a.business_id) return undefined;
        const b = await ctx.services.store.world.getBusiness(a.business_id);
        return b ? { id: b.id, name: b.name } : { id: a.business_id };
      },
      objectType: businessType as NodeType<unknown>,
    },
    timezone_name: { get: (a) => (profile(a).timezone_name as string | undefined) ?? 'America/Los_Angeles' },
    amount_spent: { get: (a) => String(profile(a).amount_spent ?? '0') },
    disable_reason: { get: (a) => Number(profile(a).disable_reason ?? 0) },
    age: { get: (a) => Number(profile(a).age ?? 0) },
  },
  edges: {
    customaudiences: {
      async list(a, ctx): Promise<EdgeList<unknown>> {
        await ctx.services.limits.chargeBusinessUseCase(ctx, a.id, 'custom_audience');
        const pending = await ctx.services.store.audiences.pendingAudiences();
        const items = (await ctx.services.store.audiences.listAudiences(a.id)).map((ca) => audienceView(ca, a, pending.has(ca.id)));
        return { items, itemType: audienceType as NodeType<unknown> };
      },
      async create(a, ctx: GraphContext) {
        await ctx.services.limits.chargeBusinessUseCase(ctx, a.id, 'custom_audience');
        return createAudience(a, ctx);
      },
    },
    assigned_users: {
      list: (a, ctx) => listAssignedUsers(a, ctx),
      remove: (a, ctx) => removeAssignedUser(a, ctx),
    },
    usersofanyaudience: {
      remove: (a, ctx) => removeFromAnyAudience(a, ctx),
    },
  },
};
