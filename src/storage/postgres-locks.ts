import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { StoreLocks } from './store.js';

/**
 * Named locks across every process sharing one PostgreSQL database: session-level advisory locks
 * keyed by (schema, name), so two test schemas never contend. The lock is held on one pooled
 * connection for the duration of `fn`; `fn` itself queries through the pool as usual. A process
 * that dies while holding one loses its connection, and PostgreSQL releases the lock with it.
 *
 * Not re-entrant: `fn` must not take the same name again (it would wait for itself).
 */
export class PgAdvisoryLocks implements StoreLocks {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly schema: string,
  ) {}

  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await sql`SELECT pg_advisory_lock(hashtext(${this.schema}), hashtext(${name}))`.execute(conn);
      try {
        return await fn();
      } finally {
        await sql`SELECT pg_advisory_unlock(hashtext(${this.schema}), hashtext(${name}))`.execute(conn);
      }
    });
  }

  async tryExclusive<T>(name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    return this.db.connection().execute(async (conn) => {
      const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(hashtext(${this.schema}), hashtext(${name})) AS ok`.execute(conn);
      if (!got.rows[0]?.ok) return { ran: false as const };
      try {
        return { ran: true as const, value: await fn() };
      } finally {
        await sql`SELECT pg_advisory_unlock(hashtext(${this.schema}), hashtext(${name}))`.execute(conn);
      }
    });
  }
}
