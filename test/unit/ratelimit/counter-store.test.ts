import { describe, expect, it } from 'vitest';
import { BUCKETS, MemoryCounterStore, bucketMs, windowState } from '../../../src/ratelimit/counter-store.js';
import { defaultSettings, mergeSettings } from '../../../src/ratelimit/settings.js';

const HOUR = 3600_000;
const T0 = 1_700_000_000_000;

describe('sliding-window counters', () => {
  it('counts hits inside the window and returns the running total', async () => {
    const s = new MemoryCounterStore();
    expect((await s.hit('k', HOUR, T0)).total).toBe(1);
    expect((await s.hit('k', HOUR, T0 + 1000)).total).toBe(2);
    expect((await s.hit('k', HOUR, T0 + 2000, 5)).total).toBe(7);
    expect((await s.peek('k', HOUR, T0 + 3000)).total).toBe(7);
  });

  it('keeps keys apart', async () => {
    const s = new MemoryCounterStore();
    await s.hit('a', HOUR, T0);
    await s.hit('b', HOUR, T0);
    await s.hit('b', HOUR, T0);
    expect((await s.peek('a', HOUR, T0)).total).toBe(1);
    expect((await s.peek('b', HOUR, T0)).total).toBe(2);
  });

  it('forgets a hit once a full window has passed, and not before', async () => {
    const s = new MemoryCounterStore();
    await s.hit('k', HOUR, T0);
    expect((await s.peek('k', HOUR, T0 + HOUR - bucketMs(HOUR))).total).toBe(1);
    expect((await s.peek('k', HOUR, T0 + HOUR + bucketMs(HOUR))).total).toBe(0);
  });

  it('slides: old hits leave while recent ones stay', async () => {
    const s = new MemoryCounterStore();
    await s.hit('k', HOUR, T0, 3);
    await s.hit('k', HOUR, T0 + 30 * 60_000, 2);
    const st = await s.peek('k', HOUR, T0 + 61 * 60_000);
    expect(st.total).toBe(2);
  });

  it('tells how long until the total falls to a target', async () => {
    const s = new MemoryCounterStore();
    await s.hit('k', HOUR, T0, 3);
    await s.hit('k', HOUR, T0 + 30 * 60_000, 2);
    const now = T0 + 40 * 60_000;
    const st = await s.peek('k', HOUR, now);
    expect(st.msUntil(5)).toBe(0);
    // The first three leave about an hour after T0: ~20 minutes from now.
    const m = st.msUntil(2) / 60_000;
    expect(m).toBeGreaterThan(19);
    expect(m).toBeLessThanOrEqual(21);
    // Everything gone ~50 minutes from now.
    expect(st.msUntil(0) / 60_000).toBeGreaterThan(49);
    expect(st.msUntilFirstExpiry).toBe(st.msUntil(2));
  });

  it('resets by prefix or entirely', async () => {
    const s = new MemoryCounterStore();
    await s.hit('app:1', HOUR, T0);
    await s.hit('app:2', HOUR, T0);
    await s.hit('user:1', HOUR, T0);
    await s.reset('app:');
    expect((await s.peek('app:1', HOUR, T0)).total).toBe(0);
    expect((await s.peek('user:1', HOUR, T0)).total).toBe(1);
    await s.reset();
    expect((await s.peek('user:1', HOUR, T0)).total).toBe(0);
  });

  it('computes window state from plain buckets, so another store can share the arithmetic', () => {
    const size = bucketMs(HOUR);
    const now = T0;
    const current = Math.floor(now / size);
    const buckets = new Map([
      [current, 2],
      [current - BUCKETS + 1, 1],
      [current - BUCKETS, 7],
    ]);
    const st = windowState(buckets, HOUR, now);
    expect(st.total).toBe(3);
    expect(buckets.has(current - BUCKETS)).toBe(false);
  });
});

describe('rate-limit settings', () => {
  it('defaults to the documented budgets', () => {
    const s = defaultSettings(true);
    expect(s.app.calls_per_user).toBe(200);
    expect(s.window_seconds).toBe(3600);
    expect(s.business_use_case.custom_audience).toMatchObject({ development: 5000, standard: 190000, per_active: 40, cap: 700000 });
    expect(s.business_use_case.ads_management).toMatchObject({ development: 300, standard: 100000, per_active: 40 });
  });

  it('merges a partial document deeply and accepts new app and ad-account keys', () => {
    const s = mergeSettings(defaultSettings(true), { app: { calls_per_user: 10 }, apps: { '123': { calls_per_hour: 5 } }, ad_accounts: { '42': { custom_audience: 3 } } });
    expect(s.app.calls_per_user).toBe(10);
    expect(s.app.time_ms_per_call).toBe(1000);
    expect(s.apps['123']).toEqual({ calls_per_hour: 5 });
    expect(s.ad_accounts['42']).toEqual({ custom_audience: 3 });
    expect(mergeSettings(s, { apps: { '123': null } }).apps['123']).toBeUndefined();
  });

  it('refuses unknown settings and wrong types, naming them', () => {
    expect(() => mergeSettings(defaultSettings(true), { app: { calls_per_usr: 1 } })).toThrow(/unknown setting app.calls_per_usr/);
    expect(() => mergeSettings(defaultSettings(true), { enabled: 'yes' })).toThrow(/enabled must be a boolean/);
    expect(() => mergeSettings(defaultSettings(true), { custom: [{ path: '/me' }] })).toThrow(/custom\[0\]/);
    expect(() => mergeSettings(defaultSettings(true), { apps: { '1': { tier: 'gold' } } })).toThrow(/tier/);
  });
});
