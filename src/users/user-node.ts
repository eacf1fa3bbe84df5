/**
 * The User node: a person as one app sees them (their app-scoped id). This is the minimal core
 * that /me needs; the per-version field table and edges live beside it.
 */
import type { GraphContext } from '../graph/context.js';
import type { NodeType, Registry } from '../graph/registry.js';
import type { AppUser, Person } from '../storage/world.js';

export interface UserView {
  person: Person;
  /** The install of the app this id belongs to. */
  appUser: AppUser;
  profile: Record<string, unknown>;
}

export async function loadUserByAsid(ctx: GraphContext, asid: string): Promise<UserView | undefined> {
  const w = ctx.services.store.world;
  const appUser = await w.getAppUserByAsid(asid);
  if (!appUser) return undefined;
  // An app-scoped id means nothing to another app: "unique to the app and cannot be used by other apps".
  const p = await ctx.optionalAuth();
  if (p && p.app.id !== appUser.app_id) return undefined;
  const person = await w.getPerson(appUser.person_id);
  if (!person) return undefined;
  return { person, appUser, profile: JSON.parse(person.profile) as Record<string, unknown> };
}

const scoped = (permission: string) => async (_u: UserView, ctx: GraphContext): Promise<true | string> => {
  const p = await ctx.optionalAuth();
  if (p?.scopes.has(permission)) return true;
  return `The field requires the ${permission} permission, which the access token does not have.`;
};

export const userType: NodeType<UserView> = {
  type: 'user',
  graphName: 'User',
  load: (id, ctx) => loadUserByAsid(ctx, id),
  idOf: (u) => u.appUser.asid,
  defaultFields: () => ['name', 'id'],
  fields: {
    id: { get: (u) => u.appUser.asid },
    name: { get: (u) => u.person.name },
    first_name: { get: (u) => u.person.first_name ?? undefined },
    middle_name: { get: (u) => u.person.middle_name ?? undefined },
    last_name: { get: (u) => u.person.last_name ?? undefined },
    email: { visible: scoped('email'), get: (u) => u.person.email ?? undefined },
  },
};

export function registerUserCore(registry: Registry): void {
  registry.addType(userType);
  registry.me = async (ctx) => {
    const p = await ctx.auth();
    if (!p.person || !p.appUser) throw new Error('user principal without a person');
    const node = await loadUserByAsid(ctx, p.appUser.asid);
    if (!node) throw new Error('token person vanished');
    return { type: userType as NodeType<unknown>, node };
  };
}
