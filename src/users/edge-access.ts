/**
 * Whether a token may read a User edge, from the version table's row: the person themself or the
 * app need one of the edge's permissions; anyone else sees nothing of it. What "nothing" is comes
 * from the row too: an empty list with a `__debug__` warning (profile content, as documented for
 * `friends`), or the permission error the real edge answers (200, 10 or 230).
 */
import {
  messagingPermissionRequired,
  permissionDenied,
  permissionsError,
  tokenRequired,
} from '../graph/errors/catalogue.js';
import type { GraphContext } from '../graph/context.js';
import type { UserView } from './user-view.js';
import type { EdgeRow } from './version-table.js';
import { isOwnerView, viewerOf } from './viewer.js';

export type EdgeAccess = 'ok' | 'empty';

export function hiddenEdgeMessage(row: EdgeRow): string {
  const perm = row.permissions.join(' or ');
  return perm
    ? `Field ${row.name} is only accessible on User object, if ${perm} permission is granted by the user`
    : `Field ${row.name} is only accessible on User object for the user themself or the app they use`;
}

export async function edgeAccess(row: EdgeRow, u: UserView, ctx: GraphContext): Promise<EdgeAccess> {
  const viewer = await viewerOf(ctx, u);
  if (viewer.kind === 'none') throw tokenRequired();
  const granted = row.permissions.length === 0 || row.permissions.some((p) => viewer.scopes.has(p));
  if (isOwnerView(viewer) && granted) return 'ok';
  switch (row.onMissing) {
    case 'empty':
      ctx.debugMessages.push({ message: hiddenEdgeMessage(row), type: 'warning' });
      return 'empty';
    case 'error-10':
      throw permissionDenied();
    case 'error-230':
      throw messagingPermissionRequired();
    case 'error-200':
      // "Requires business_management permission to manage the object" is the observed wording.
      throw row.permissions.length > 0 && isOwnerView(viewer)
        ? permissionsError(`Requires ${row.permissions.join(' or ')} permission to manage the object`)
        : permissionsError();
  }
}
