import type { Store } from '../storage/store.js';

/** Resets one app: its tokens and installs go, and the test users it created with them. */
export async function resetApp(store: Store, appId: string): Promise<void> {
  await store.transaction((tx) => tx.world.resetApp(appId));
}
