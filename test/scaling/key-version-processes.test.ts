/**
 * Several processes starting at once on one PostgreSQL store whose people's keys were made by older
 * normalisation rules: one of them rebuilds the keys (under an advisory lock), the others find the
 * store at the current version and rebuild nothing — and every one then matches by the new keys.
 * (The single-process cases, on SQLite and PostgreSQL: test/http/audiences/key-version.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { audienceServices } from '../../src/audiences/services.js';
import { dropPostgresSchema } from '../../src/storage/postgres.js';
import { freshSchemaName, startTestServer, type TestServer } from '../helpers/server.js';
import { PEOPLE, staleKeys } from '../helpers/stale-keys.js';
import { count, createAudience, sha, users } from '../http/audiences/audience-helpers.js';

const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = freshSchemaName('lgkvp');

afterAll(async () => {
  await dropPostgresSchema(PG_URL, pgSchema);
});

const start = (): Promise<TestServer> => startTestServer({ rateLimits: false, databaseUrl: PG_URL, pgSchema });
const rebuilt = (s: TestServer): number => audienceServices(s.services)!.people.keysRebuilt;

describe('key-derivation version, several processes on PostgreSQL', () => {
  it('one rebuilds the stale keys, the others find it done, and all match by the new keys', async () => {
    const s = await start();
    try {
      const loaded = await s.admin('/_localgraph/fixture?merge=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ people: PEOPLE }) });
      expect(loaded.status).toBe(200);
      await audienceServices(s.services)!.people.ensure();
      await staleKeys(s, '1');
    } finally {
      await s.close();
    }
    const servers = await Promise.all([start(), start(), start()]);
    try {
      const counts = servers.map(rebuilt).sort((a, b) => a - b);
      expect(counts[0]).toBe(0);
      expect(counts[1]).toBe(0);
      expect(counts[2]).toBeGreaterThanOrEqual(PEOPLE.length);
      for (const t of servers) {
        const other = await createAudience(t);
        await users(t, other, { payload: { schema: ['PHONE'], data: [[sha('5555987654321')]] } });
        expect(await count(t, other)).toBe(1);
      }
    } finally {
      await Promise.all(servers.map((t) => t.close()));
    }
  });
});
