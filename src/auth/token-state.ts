/**
 * How tokens stop working, as state changes on the person, their install or the token itself.
 * The resolver (resolve.ts) reads these states on every call, so a change takes effect at once:
 * password change → 190/460, log out → 190/467, app removed or de-authorised → 190/458,
 * checkpoint → 190/459, expiry by the server clock → 190/463.
 */
import type { Store } from '../storage/store.js';
import type { Person } from '../storage/world.js';

export const PERSON_EVENTS = ['password_changed', 'logged_out', 'removed_app', 'reinstalled_app', 'checkpointed', 'checkpoint_cleared'] as const;
export type PersonEvent = (typeof PERSON_EVENTS)[number];

export function isPersonEvent(s: unknown): s is PersonEvent {
  return typeof s === 'string' && (PERSON_EVENTS as readonly string[]).includes(s);
}

/** A person by internal id (the fixture key) or by any app-scoped id. */
export async function findPerson(store: Store, ref: string): Promise<Person | undefined> {
  const direct = await store.world.getPerson(ref);
  if (direct) return direct;
  const au = await store.world.getAppUserByAsid(ref);
  return au ? store.world.getPerson(au.person_id) : undefined;
}

/** The person removes the app (or the app de-authorises itself): the install and its tokens end. */
export async function deauthorize(store: Store, appId: string, personId: string): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.world.updateAppUser(appId, personId, { removed: 1 });
    await tx.world.invalidatePersonTokens(personId, 'revoked', appId);
  });
}

/**
 * Applies one event. `appId` limits `logged_out` to one app's sessions and names the app for
 * `removed_app` / `reinstalled_app` (required there). Returns an error text when it cannot apply.
 */
export async function applyPersonEvent(store: Store, person: Person, event: PersonEvent, appId?: string): Promise<string | undefined> {
  const w = store.world;
  switch (event) {
    case 'password_changed':
      // A new password ends every session of every app.
      await w.invalidatePersonTokens(person.id, 'password_changed');
      return undefined;
    case 'logged_out':
      await w.invalidatePersonTokens(person.id, 'logged_out', appId);
      return undefined;
    case 'removed_app':
    case 'reinstalled_app': {
      if (!appId) return `${event} needs "app"`;
      const au = await w.getAppUser(appId, person.id);
      if (!au) return `person ${person.id} has no install of app ${appId}`;
      if (event === 'removed_app') await deauthorize(store, appId, person.id);
      // Reinstalling brings the install back; tokens already revoked stay dead, as on Facebook.
      else await w.updateAppUser(appId, person.id, { removed: 0, installed: 1 });
      return undefined;
    }
    case 'checkpointed':
    case 'checkpoint_cleared':
      await w.updatePerson(person.id, { checkpointed: event === 'checkpointed' ? 1 : 0 });
      return undefined;
  }
}
