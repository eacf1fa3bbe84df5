/**
 * Who is looking at a User node, which decides what it shows: the person themself (their user
 * token), the app (its app token, which reads what the person granted the app), someone else
 * (another person's token, a page or system-user token: the public profile only), or nobody (no
 * token: only the picture edge answers without one).
 */
import type { GraphContext } from '../graph/context.js';
import type { UserView } from './user-view.js';
import { parseJsonList as parseList } from '../storage/json-list.js';

export type ViewerKind = 'self' | 'app' | 'other' | 'none';

export interface Viewer {
  kind: ViewerKind;
  /** Permissions the viewer may use on this node (empty for `other` and `none`). */
  scopes: ReadonlySet<string>;
}


const NOTHING: ReadonlySet<string> = new Set();

export async function viewerOf(ctx: GraphContext, u: UserView): Promise<Viewer> {
  const p = await ctx.optionalAuth();
  if (!p) return { kind: 'none', scopes: NOTHING };
  if (p.kind === 'user' && p.person?.id === u.person.id) return { kind: 'self', scopes: p.scopes };
  // Once the person removed the app, its token reads no more than a stranger's.
  if (p.kind === 'app' && p.app.id === u.appUser.app_id && u.appUser.removed === 0) {
    // An app token reads what the person granted the app, as the app's server would.
    return { kind: 'app', scopes: new Set(['public_profile', ...parseList(u.appUser.granted)]) };
  }
  return { kind: 'other', scopes: NOTHING };
}

export const isOwnerView = (v: Viewer): boolean => v.kind === 'self' || v.kind === 'app';
