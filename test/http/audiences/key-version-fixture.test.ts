/**
 * A replacing fixture load clears `meta` with everything else, the key-derivation version
 * included. When the load gives people extern ids (`audience_extern_ids`), their keys are built at
 * once (personChanged), before the matcher ever sees the store without keys, so the "no keys: stamp
 * the version" rule never fires; the version must still be recorded once the keys are built, or
 * every later start takes the store for one of older rules and rebuilds every person's keys.
 * On SQLite (a data folder) and, in the `postgres` project, on one PostgreSQL schema.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_VERSION_META, keyDerivationVersion } from '../../../src/audiences/key-version.js';
import { audienceServices } from '../../../src/audiences/services.js';
import type { ServerConfig } from '../../../src/server/config.js';
import { DEMO_FIXTURE } from '../../../src/server/start.js';
import { dropPostgresSchema } from '../../../src/storage/postgres.js';
import { freshSchemaName, startTestServer, TEST_PG_URL, type TestServer } from '../../helpers/server.js';
import { count, createAudience, sha, users } from './audience-helpers.js';

const dialect = TEST_PG_URL ? 'postgres' : 'sqlite';
let dir: string;
let fixture: string;
let pgSchema: string | undefined;

function start(withFixture: boolean): Promise<TestServer> {
  const where: Partial<ServerConfig> = TEST_PG_URL ? { databaseUrl: TEST_PG_URL, pgSchema } : { dataDir: path.join(dir, 'data'), ephemeral: false };
  return startTestServer({ rateLimits: false, ...where, ...(withFixture ? { fixture } : {}) });
}

const people = (s: TestServer) => audienceServices(s.services)!.people;

/** Waits for the keys the load's extern ids asked for, then lets the matcher's check run (as before a batch). */
async function keysBuilt(s: TestServer): Promise<void> {
  people(s).invalidate();
  await people(s).ensure();
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-kvfix-'));
  if (TEST_PG_URL) pgSchema = freshSchemaName('lgkvf');
  const demo = JSON.parse(fs.readFileSync(DEMO_FIXTURE, 'utf8')) as Record<string, unknown>;
  demo.audience_extern_ids = [{ person: 'alice', ad_account: 'act_1029384756', extern_id: 'crm-0001' }];
  fixture = path.join(dir, 'fixture.json');
  fs.writeFileSync(fixture, JSON.stringify(demo));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (TEST_PG_URL && pgSchema) await dropPostgresSchema(TEST_PG_URL, pgSchema);
});

describe(`a replacing fixture load with extern ids leaves the key version recorded (${dialect})`, () => {
  it('--fixture at start, then two restarts with it and one without: nothing rebuilt, the version present', async () => {
    for (const [run, withFixture] of [[1, true], [2, true], [3, true], [4, false]] as const) {
      const s = await start(withFixture);
      try {
        // Restarts find the version the previous run recorded, so rebuild nothing.
        expect({ run, rebuilt: people(s).keysRebuilt }).toEqual({ run, rebuilt: 0 });
        await keysBuilt(s);
        const keys = await s.store.audiences.countPeopleAndKeySets();
        expect(keys.keySets).toBe(keys.people);
        expect({ run, version: await s.store.world.getMeta(KEY_VERSION_META) }).toEqual({ run, version: keyDerivationVersion() });
        // Alice's extern id is one of her keys.
        const audienceId = await createAudience(s);
        expect((await users(s, audienceId, { payload: { schema: 'EXTERN_ID', data: ['crm-0001'] } })).status).toBe(200);
        expect(await count(s, audienceId)).toBe(1);
      } finally {
        await s.close();
      }
    }
  });

  it('the same through the control surface: a replacing load over HTTP, then a restart', async () => {
    const s = await start(false);
    try {
      const body = fs.readFileSync(fixture, 'utf8');
      const load = await s.admin('/_localgraph/fixture', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(load.status).toBe(200);
      await keysBuilt(s);
      expect(await s.store.world.getMeta(KEY_VERSION_META)).toBe(keyDerivationVersion());
    } finally {
      await s.close();
    }
    const again = await start(false);
    try {
      expect(people(again).keysRebuilt).toBe(0);
      expect(await again.store.world.getMeta(KEY_VERSION_META)).toBe(keyDerivationVersion());
    } finally {
      await again.close();
    }
  });

  it('a store of older rules is still rebuilt: the version is recorded only once start-up found the keys current', async () => {
    const s = await start(false);
    try {
      await s.store.world.setMeta(KEY_VERSION_META, '1');
    } finally {
      await s.close();
    }
    const again = await start(false);
    try {
      expect(people(again).keysRebuilt).toBeGreaterThan(0);
      expect(await again.store.world.getMeta(KEY_VERSION_META)).toBe(keyDerivationVersion());
      const audienceId = await createAudience(again);
      await users(again, audienceId, { payload: { schema: 'EMAIL_SHA256', data: [sha('alice@example.com')] } });
      expect(await count(again, audienceId)).toBe(1);
    } finally {
      await again.close();
    }
  });
});
