/**
 * `GET` and `DELETE /act_{ad_account_id}/assigned_users`: the people assigned to an ad account
 * with their tasks, and dissociating one (seed 000: `user` required; an admin of the account, or a
 * system user of its business, may do it). People are shown by their id for the caller's app.
 */
import type { GraphContext } from '../graph/context.js';
import { adAccountAccessDenied, invalidParameter, missingParameter } from '../graph/errors/catalogue.js';
import { structType, type EdgeList, type NodeType } from '../graph/registry.js';
import type { AdAccount } from '../storage/world.js';
import { isAccountAdmin } from './access.js';

const assignedUserType = structType<Record<string, unknown>>('AssignedUser', ['id', 'name', 'tasks', 'user_type'], ['id', 'name', 'tasks']);

function tasksOf(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

export async function listAssignedUsers(a: AdAccount, ctx: GraphContext): Promise<EdgeList<unknown>> {
  // The real edge requires the business whose users to list.
  if (!ctx.params.string('business')) throw missingParameter('business');
  const p = await ctx.auth();
  const { world } = ctx.services.store;
  const items: Array<Record<string, unknown>> = [];
  for (const u of await world.listAdAccountUsers(a.id)) {
    const person = await world.getPerson(u.person_id);
    if (!person) continue;
    const appUser = await world.getAppUser(p.app.id, person.id);
    items.push({ id: appUser?.asid ?? person.id, name: person.name, tasks: tasksOf(u.tasks), user_type: 'business_user' });
  }
  return { items, itemType: assignedUserType as NodeType<unknown> };
}

export async function removeAssignedUser(a: AdAccount, ctx: GraphContext): Promise<Record<string, unknown>> {
  const userParam = ctx.params.string('user');
  if (!userParam) throw missingParameter('user');
  const p = await ctx.auth();
  const { world } = ctx.services.store;
  const actId = 'act_' + a.id;
  if (p.kind === 'user' && p.person) {
    const me = await world.getAdAccountUser(a.id, p.person.id);
    if (!me || !isAccountAdmin(me.role, me.tasks)) throw adAccountAccessDenied(actId);
  } else if (!(p.kind === 'system_user' && p.businessId === a.business_id)) {
    throw adAccountAccessDenied(actId);
  }
  const appUser = await world.getAppUserByAsid(userParam);
  const personId = appUser?.person_id ?? userParam;
  const removed = await world.deleteAdAccountUser(a.id, personId);
  if (removed === 0) throw invalidParameter(`User ${userParam} is not assigned to ad account ${actId}`);
  return { success: true };
}
