/**
 * Sliding-window counters behind one interface. Each key holds the amounts added in the last
 * `windowMs`, kept in buckets of `windowMs / BUCKETS`: a window slides one bucket at a time, so
 * a call leaves the hour about one minute-bucket after it was made. The same shape maps onto Redis
 * (one hash per key, a field per bucket, HINCRBY + HGETALL + HDEL of stale fields in one Lua
 * script), so a shared implementation can replace the in-memory one without the callers changing.
 * Time always comes from the caller (the server clock), never from the store.
 */
export const BUCKETS = 60;

export interface WindowState {
  /** Sum of the amounts inside the window. */
  total: number;
  /** Milliseconds until the total drops to `target` or less if nothing more is added (0 = already). */
  msUntil: (target: number) => number;
  /** Milliseconds until the oldest counted amount leaves the window (0 when empty). */
  msUntilFirstExpiry: number;
}

export interface CounterStore {
  /** Adds `amount` (default 1) at `now` and returns the window's state including it. */
  hit(key: string, windowMs: number, now: number, amount?: number): Promise<WindowState>;
  /** The window's state without adding anything. */
  peek(key: string, windowMs: number, now: number): Promise<WindowState>;
  /** Forgets every key starting with `prefix` (all keys without one). */
  reset(prefix?: string): Promise<void>;
}

/** Bucket index → amount; pure so a Redis script can share the arithmetic. */
export type Buckets = Map<number, number>;

export function bucketMs(windowMs: number): number {
  return Math.max(1, Math.floor(windowMs / BUCKETS));
}

/** Drops buckets that have left the window ending at `now` and describes what remains. */
export function windowState(buckets: Buckets, windowMs: number, now: number): WindowState {
  const size = bucketMs(windowMs);
  const current = Math.floor(now / size);
  // A bucket b covers [b*size, (b+1)*size); it is in the window while b > current - BUCKETS.
  const oldestLive = current - BUCKETS + 1;
  let total = 0;
  const live: Array<[number, number]> = [];
  for (const [b, n] of buckets) {
    if (b < oldestLive) buckets.delete(b);
    else {
      total += n;
      live.push([b, n]);
    }
  }
  live.sort((a, b) => a[0] - b[0]);
  // Bucket b leaves the window when `current` reaches b + BUCKETS, i.e. at (b + BUCKETS) * size.
  const leaveAt = (b: number): number => Math.max(0, (b + BUCKETS) * size - now);
  const msUntil = (target: number): number => {
    let remaining = total;
    if (remaining <= target) return 0;
    for (const [b, n] of live) {
      remaining -= n;
      if (remaining <= target) return leaveAt(b);
    }
    return 0;
  };
  return { total, msUntil, msUntilFirstExpiry: live.length > 0 ? leaveAt(live[0][0]) : 0 };
}

export class MemoryCounterStore implements CounterStore {
  private readonly keys = new Map<string, Buckets>();

  async hit(key: string, windowMs: number, now: number, amount = 1): Promise<WindowState> {
    let buckets = this.keys.get(key);
    if (!buckets) {
      buckets = new Map();
      this.keys.set(key, buckets);
    }
    const b = Math.floor(now / bucketMs(windowMs));
    buckets.set(b, (buckets.get(b) ?? 0) + amount);
    return windowState(buckets, windowMs, now);
  }

  async peek(key: string, windowMs: number, now: number): Promise<WindowState> {
    const buckets = this.keys.get(key);
    if (!buckets) return windowState(new Map(), windowMs, now);
    const state = windowState(buckets, windowMs, now);
    if (buckets.size === 0) this.keys.delete(key);
    return state;
  }

  async reset(prefix?: string): Promise<void> {
    if (prefix === undefined) {
      this.keys.clear();
      return;
    }
    for (const k of [...this.keys.keys()]) if (k.startsWith(prefix)) this.keys.delete(k);
  }
}
