/**
 * The Redis counters against a real Redis: the same answers as the in-memory store for any
 * sequence of hits and clock moves, no lost updates under concurrent hits from separate
 * connections (separate processes), and keys kept apart by namespace.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCounterStore } from '../../src/ratelimit/counter-store.js';
import { closeRedis, openRedis } from '../../src/ratelimit/redis-client.js';
import { RedisCounterStore } from '../../src/ratelimit/redis-counter-store.js';

const REDIS_URL = process.env.LOCALGRAPH_TEST_REDIS_URL || 'redis://127.0.0.1:6379';

let a: Redis;
let b: Redis;
const namespaces: string[] = [];
function ns(): string {
  const n = `lgtest:${randomBytes(6).toString('hex')}:`;
  namespaces.push(n);
  return n;
}

beforeAll(() => {
  a = openRedis(REDIS_URL);
  b = openRedis(REDIS_URL);
});
afterAll(async () => {
  for (const n of namespaces) await new RedisCounterStore(a, n).reset();
  await closeRedis(a);
  await closeRedis(b);
});

describe('RedisCounterStore', () => {
  it('gives the same window as the in-memory store for any sequence of hits, peeks and clock moves', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('hit' as const), key: fc.constantFrom('k1', 'k2'), amount: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ kind: fc.constant('peek' as const), key: fc.constantFrom('k1', 'k2') }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const mem = new MemoryCounterStore();
        const red = new RedisCounterStore(a, ns());
        const windowMs = 60_000;
        let now = 1_700_000_000_000;
        for (const o of ops) {
          if (o.kind === 'advance') {
            now += o.ms;
            continue;
          }
          const m = o.kind === 'hit' ? await mem.hit(o.key, windowMs, now, o.amount) : await mem.peek(o.key, windowMs, now);
          const r = o.kind === 'hit' ? await red.hit(o.key, windowMs, now, o.amount) : await red.peek(o.key, windowMs, now);
          expect(r.total).toBe(m.total);
          expect(r.msUntilFirstExpiry).toBe(m.msUntilFirstExpiry);
          expect(r.msUntil(Math.floor(m.total / 2))).toBe(m.msUntil(Math.floor(m.total / 2)));
        }
      }),
      { numRuns: 25 },
    );
  });

  it('loses no update when two connections hit one key at the same time', async () => {
    const n = ns();
    const one = new RedisCounterStore(a, n);
    const two = new RedisCounterStore(b, n);
    const now = Date.now();
    await Promise.all(Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? one : two).hit('app:1:calls', 3_600_000, now + i)));
    expect((await one.peek('app:1:calls', 3_600_000, now + 400)).total).toBe(400);
    expect((await two.peek('app:1:calls', 3_600_000, now + 400)).total).toBe(400);
  });

  it('counts fractional amounts (milliseconds of CPU time) exactly enough for percentages', async () => {
    const st = new RedisCounterStore(a, ns());
    await st.hit('t', 60_000, 1000, 1.25);
    expect((await st.hit('t', 60_000, 1001, 2.5)).total).toBeCloseTo(3.75, 9);
  });

  it('lets counts leave the window as the caller clock moves, whatever Redis time says', async () => {
    const st = new RedisCounterStore(a, ns());
    const t0 = 1_800_000_000_000;
    await st.hit('k', 3_600_000, t0, 5);
    expect((await st.peek('k', 3_600_000, t0 + 3_000_000)).total).toBe(5);
    expect((await st.peek('k', 3_600_000, t0 + 3_600_000 + 60_000)).total).toBe(0);
  });

  it('resets one prefix without touching other keys or other namespaces', async () => {
    const n1 = ns();
    const mine = new RedisCounterStore(a, n1);
    const other = new RedisCounterStore(a, ns());
    const now = Date.now();
    await mine.hit('app:1:calls', 60_000, now);
    await mine.hit('buc:9:custom_audience:calls', 60_000, now);
    await other.hit('app:1:calls', 60_000, now);
    await mine.reset('app:');
    expect((await mine.peek('app:1:calls', 60_000, now)).total).toBe(0);
    expect((await mine.peek('buc:9:custom_audience:calls', 60_000, now)).total).toBe(1);
    expect((await other.peek('app:1:calls', 60_000, now)).total).toBe(1);
    await mine.reset();
    expect((await mine.peek('buc:9:custom_audience:calls', 60_000, now)).total).toBe(0);
  });

  it('treats glob characters in a prefix literally', async () => {
    const st = new RedisCounterStore(a, ns());
    const now = Date.now();
    await st.hit('a*b', 60_000, now);
    await st.hit('aXb', 60_000, now);
    await st.reset('a*');
    expect((await st.peek('a*b', 60_000, now)).total).toBe(0);
    expect((await st.peek('aXb', 60_000, now)).total).toBe(1);
  });

  it('reloads its script after Redis forgot it (a restart or SCRIPT FLUSH)', async () => {
    const st = new RedisCounterStore(a, ns());
    await st.hit('k', 60_000, 1000);
    await b.script('FLUSH');
    expect((await st.hit('k', 60_000, 1001)).total).toBe(2);
  });
});
