/**
 * `DELETE /{user_id}/businesses` (v10.0 only): the person leaves a business. A business keeps at
 * least one admin: removing the last one answers 3914 with the seed's text.
 */
import {
  invalidParameter,
  lastBusinessAdmin,
  missingParameter,
  unsupportedRequest,
} from '../graph/errors/catalogue.js';
import type { GraphContext } from '../graph/context.js';
import type { UserView } from './user-view.js';
import { userOperationAvailable } from './version-table.js';
import { writerOf } from './writer.js';

export async function leaveBusiness(u: UserView, ctx: GraphContext): Promise<{ success: true }> {
  if (!userOperationAvailable('DELETE /{user_id}/businesses', ctx.version)) throw unsupportedRequest('DELETE', u.appUser.asid);
  await writerOf(ctx, u);
  const businessId = ctx.params.string('business')?.trim();
  if (businessId === undefined || businessId === '') throw missingParameter('business');
  if (!/^\d+$/.test(businessId)) throw invalidParameter('Param business must be a valid business id');
  const store = ctx.services.store;
  const members = await store.userContent.listMembersOfBusiness(businessId);
  const me = members.find((m) => m.person_id === u.person.id);
  if (!me) throw invalidParameter(`The user is not a member of business ${businessId}`);
  if (me.role === 'ADMIN' && members.filter((m) => m.role === 'ADMIN').length === 1) throw lastBusinessAdmin();
  await store.userContent.removeMember(businessId, u.person.id);
  return { success: true };
}
