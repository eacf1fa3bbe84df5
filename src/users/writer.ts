/**
 * Who may write to a User node, shared by `POST /{user_id}`, `DELETE /{user_id}` and the v10.0
 * write edges: the errors for the wrong caller are the seeds' (240 for another person, 200 for a
 * page or system-user token, 102 for a token without a session, 190/458 when the app is not
 * installed).
 */
import type { Principal } from '../auth/principal.js';
import {
  desktopAppsOtherUsers,
  permissionsError,
  sessionKeyInvalid,
  tokenAppNotInstalled,
} from '../graph/errors/catalogue.js';
import type { GraphContext } from '../graph/context.js';
import type { UserView } from './user-view.js';

export type Writer = { kind: 'self'; principal: Principal } | { kind: 'app'; principal: Principal };

/** `APP_ID|CLIENT_TOKEN`: identifies the app but carries no session (it may only read public data). */
export function isClientToken(p: Principal): boolean {
  return p.kind === 'app' && p.app.client_token !== null && p.token === `${p.app.id}|${p.app.client_token}`;
}

export async function writerOf(ctx: GraphContext, u: UserView): Promise<Writer> {
  const p = await ctx.auth();
  if (p.kind === 'user') {
    if (p.person?.id !== u.person.id) throw desktopAppsOtherUsers();
    if (p.appUser && p.appUser.installed === 0) throw tokenAppNotInstalled(p.app.id);
    return { kind: 'self', principal: p };
  }
  if (p.kind === 'app') {
    if (isClientToken(p)) throw sessionKeyInvalid();
    return { kind: 'app', principal: p };
  }
  throw permissionsError();
}
