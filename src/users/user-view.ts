/**
 * A person as one app sees them: the node the User type renders. The same person has a different
 * app-scoped id under each app, and one app's id means nothing to another ("unique to the app and
 * cannot be used by other apps"), so a node is always (person, install of one app).
 */
import type { GraphContext } from '../graph/context.js';
import type { AppUser, Person } from '../storage/world.js';

export interface UserView {
  person: Person;
  /** The install of the app this id belongs to. */
  appUser: AppUser;
  profile: Record<string, unknown>;
}

export function parseProfile(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function viewOf(ctx: GraphContext, appUser: AppUser): Promise<UserView | undefined> {
  const person = await ctx.services.store.world.getPerson(appUser.person_id);
  if (!person) return undefined;
  return { person, appUser, profile: parseProfile(person.profile) };
}

/**
 * The node behind an app-scoped id, or undefined when the id is unknown to the caller's app: an id
 * minted for another app, a deleted person, an install that no longer exists.
 */
export async function loadUserByAsid(ctx: GraphContext, asid: string): Promise<UserView | undefined> {
  const appUser = await ctx.services.store.world.getAppUserByAsid(asid);
  if (!appUser) return undefined;
  const p = await ctx.optionalAuth();
  if (p && p.app.id !== appUser.app_id) return undefined;
  return viewOf(ctx, appUser);
}
