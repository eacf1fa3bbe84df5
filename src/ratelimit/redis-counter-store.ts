/**
 * Sliding-window counters in Redis, so that every process behind a balancer charges one budget.
 * Same shape as the in-memory store (counter-store.ts): one hash per key, one field per bucket.
 * A hit is one Lua script run — add to the current bucket, drop buckets that left the window,
 * return the live ones — so concurrent hits from several processes never lose an update and
 * never read a half-updated window. The window arithmetic stays in `windowState`, shared with the
 * in-memory store; time comes from the caller (the shared server clock), never from Redis.
 */
import type { Redis } from 'ioredis';
import { BUCKETS, bucketMs, windowState, type Buckets, type CounterStore, type WindowState } from './counter-store.js';

// KEYS[1]: the counter hash. ARGV: amount, current bucket, oldest live bucket, expiry in ms.
const WINDOW_SCRIPT = `
local amount = tonumber(ARGV[1])
if amount ~= 0 then
  redis.call('HINCRBYFLOAT', KEYS[1], ARGV[2], amount)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
local oldest = tonumber(ARGV[3])
local all = redis.call('HGETALL', KEYS[1])
local live, stale = {}, {}
for i = 1, #all, 2 do
  if tonumber(all[i]) < oldest then
    stale[#stale + 1] = all[i]
  else
    live[#live + 1] = all[i]
    live[#live + 1] = all[i + 1]
  end
end
if #stale > 0 then redis.call('HDEL', KEYS[1], unpack(stale)) end
return live
`;

export class RedisCounterStore implements CounterStore {
  private sha: string | undefined;

  /**
   * @param namespace prefix of every key (`lg:<deployment>:rl:`), so several deployments or test
   *   runs can share one Redis without seeing each other's counts.
   */
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
  ) {}

  hit(key: string, windowMs: number, now: number, amount = 1): Promise<WindowState> {
    return this.run(key, windowMs, now, amount);
  }

  peek(key: string, windowMs: number, now: number): Promise<WindowState> {
    return this.run(key, windowMs, now, 0);
  }

  async reset(prefix = ''): Promise<void> {
    const pattern = this.namespace + globEscape(prefix) + '*';
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.redis.unlink(...keys);
    } while (cursor !== '0');
  }

  private async run(key: string, windowMs: number, now: number, amount: number): Promise<WindowState> {
    const size = bucketMs(windowMs);
    const current = Math.floor(now / size);
    const args = [String(amount), String(current), String(current - BUCKETS + 1), String(windowMs + size)];
    const flat = await this.evalWindow(this.namespace + key, args);
    const buckets: Buckets = new Map();
    for (let i = 0; i + 1 < flat.length; i += 2) buckets.set(Number(flat[i]), Number(flat[i + 1]));
    return windowState(buckets, windowMs, now);
  }

  /** EVALSHA, loading the script on first use and again after a Redis restart (NOSCRIPT). */
  private async evalWindow(key: string, args: string[]): Promise<string[]> {
    this.sha ??= (await this.redis.script('LOAD', WINDOW_SCRIPT)) as string;
    try {
      return (await this.redis.evalsha(this.sha, 1, key, ...args)) as string[];
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      this.sha = undefined;
      return (await this.redis.eval(WINDOW_SCRIPT, 1, key, ...args)) as string[];
    }
  }
}

/** Escapes Redis glob characters so a prefix matches only itself. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => '\\' + c);
}
