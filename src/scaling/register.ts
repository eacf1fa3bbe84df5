/**
 * The scaling domain's registrar, first in `DOMAINS`: with `--redis` (REDIS_URL), rate-limit
 * counters live in Redis so that every process behind a balancer charges one budget. It must run
 * before the apps domain, which builds the limiter from whatever counter store is set here.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { COUNTER_STORE } from '../apps/register.js';
import type { Registry } from '../graph/registry.js';
import { closeRedis, openRedis, redisNamespace } from '../ratelimit/redis-client.js';
import { RedisCounterStore } from '../ratelimit/redis-counter-store.js';
import type { Services } from '../server/services.js';
import { lifecycleOf } from './lifecycle.js';

/** What identifies "the same deployment": processes on one database (and schema) share counters. */
export function deploymentIdentity(services: Services): string {
  const { config, store } = services;
  if (config.databaseUrl) {
    const u = new URL(config.databaseUrl);
    u.password = '';
    u.searchParams.delete('pool');
    u.searchParams.delete('schema');
    return `pg:${u.toString()}#${store.pgSchema ?? 'public'}`;
  }
  // An in-memory store is one process's own world: its counters must not meet anyone else's.
  if (config.ephemeral || !config.dataDir) return `memory:${process.pid}:${randomBytes(8).toString('hex')}`;
  return `sqlite:${path.resolve(config.dataDir)}`;
}

export function registerScaling(_registry: Registry, services: Services): void {
  const url = services.config.redisUrl;
  if (!url) return;
  const redis = openRedis(url);
  const namespace = redisNamespace(deploymentIdentity(services)) + 'rl:';
  services.extensions.set(COUNTER_STORE, new RedisCounterStore(redis, namespace));
  lifecycleOf(services).addCheck('redis', async () => {
    await redis.ping();
  });
  services.onClose.push(() => closeRedis(redis));
}
