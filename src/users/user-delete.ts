/**
 * `DELETE /{user_id}`: "Delete a test user". The app that created a test user deletes it with its
 * app token; afterwards its ids answer 100/33 everywhere, its tokens 190, and audiences drop it
 * (`person.deleted`). A real person answers 2903, the app's OG test user 2904.
 */
import {
  cannotDeleteOgTestUser,
  cannotDeleteTestAccount,
  permissionsError,
} from '../graph/errors/catalogue.js';
import type { GraphContext } from '../graph/context.js';
import { isContentNodeKind } from './content-nodes.js';
import type { UserView } from './user-view.js';
import { writerOf } from './writer.js';

export async function deleteUser(u: UserView, ctx: GraphContext): Promise<{ success: true }> {
  const writer = await writerOf(ctx, u);
  const person = u.person;
  if (person.is_og_test_user === 1) throw cannotDeleteOgTestUser();
  if (person.is_test_user !== 1) throw cannotDeleteTestAccount();
  // Only the app's own token deletes a test user; the test user's own token may not.
  if (writer.kind !== 'app') throw permissionsError();
  // A test user associated with several apps belongs to the one that created it.
  if (person.test_user_app_id !== null && person.test_user_app_id !== writer.principal.app.id) throw cannotDeleteTestAccount();
  await removePerson(ctx, person.id);
  await ctx.services.events.emit('person.deleted', { personId: person.id });
  return { success: true };
}

/** Everything of a person goes at once: a half-deleted person would answer some ids and not others. */
async function removePerson(ctx: GraphContext, personId: string): Promise<void> {
  await ctx.services.store.transaction(async (tx) => {
    const w = tx.world;
    await w.updatePerson(personId, { deleted: 1, updated_time: ctx.services.clock.nowSeconds() });
    for (const au of await w.listAppUsersOfPerson(personId)) await w.unregister(au.asid);
    await w.invalidatePersonTokens(personId, 'deleted');
    for (const item of await tx.userContent.deletePersonContent(personId)) {
      if (isContentNodeKind(item.kind)) await w.unregister(item.id);
    }
    await tx.userContent.removeMemberships(personId);
    await tx.userContent.removeBlocksOfPerson(personId);
  });
}
