/**
 * The parts of start-up that differ when several processes share one PostgreSQL database: the
 * clock offset and the admin token come from the shared `meta` table, so every process agrees on
 * them. On SQLite (one process) nothing changes.
 */
import { randomBytes } from 'node:crypto';
import { OffsetClock, type Clock } from '../server/clock.js';
import type { Store } from '../storage/store.js';
import { CLOCK_META_KEY, SharedClock } from './shared-clock.js';

/** The clock: shared through `meta` on PostgreSQL, process-local (restored from `meta`) on SQLite. */
export async function openClock(store: Store): Promise<Clock> {
  if (store.dialect === 'postgres') {
    const clock = new SharedClock(store.world);
    await clock.refresh();
    clock.startPolling();
    return clock;
  }
  const clock = new OffsetClock();
  const saved = await store.world.getMeta(CLOCK_META_KEY);
  if (saved) clock.setOffset(Number(saved));
  return clock;
}

export function stopClock(clock: Clock): void {
  if (clock instanceof SharedClock) clock.stopPolling();
}

const ADMIN_META_KEY = 'admin_token';

/**
 * The admin token when none is configured. On PostgreSQL every process behind a balancer must
 * accept the same token (a test's admin call may land on any of them), so the first process
 * stores the one it generates and the others read it. On SQLite each start generates its own.
 */
export async function defaultAdminToken(store: Store): Promise<string> {
  const fresh = (): string => 'lgadmin_' + randomBytes(12).toString('hex');
  if (store.dialect !== 'postgres') return fresh();
  return store.locks.exclusive('admin-token', async () => {
    const existing = await store.world.getMeta(ADMIN_META_KEY);
    if (existing) return existing;
    const token = fresh();
    await store.world.setMeta(ADMIN_META_KEY, token);
    return token;
  });
}
