/**
 * The Redis connection of a process (`--redis` / REDIS_URL) and the key namespace it uses. One
 * client per process; ioredis reconnects by itself, and commands fail fast (instead of queueing
 * without bound) while Redis is away, so a call answers with the Graph API's transient error and
 * readiness turns 503 rather than requests hanging.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

export function openRedis(url: string): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(1000, 50 * times),
  });
  // Connection errors are reported through failing commands and readiness, not as crashes.
  client.on('error', () => {});
  return client;
}

/**
 * Keys of one deployment: processes sharing a database share counters; another database (or
 * another test schema) on the same Redis gets its own. `LOCALGRAPH_REDIS_PREFIX` overrides.
 */
export function redisNamespace(databaseIdentity: string): string {
  const explicit = process.env.LOCALGRAPH_REDIS_PREFIX;
  if (explicit) return explicit.endsWith(':') ? explicit : explicit + ':';
  return `lg:${createHash('sha256').update(databaseIdentity).digest('hex').slice(0, 12)}:`;
}

/** Closes the client, waiting for replies to commands already sent. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
