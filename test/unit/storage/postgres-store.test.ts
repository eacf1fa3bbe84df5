/**
 * The PostgreSQL backend itself: URL parameters, per-schema isolation, start-up of several
 * processes on one fresh schema at once, advisory locks across connections, reset.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { dropPostgresSchema, openPostgresStore, parsePostgresUrl } from '../../../src/storage/postgres.js';
import type { Store } from '../../../src/storage/store.js';
import { freshSchemaName } from '../../helpers/server.js';

const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
function schema(): string {
  const s = freshSchemaName('lgu');
  schemas.push(s);
  return s;
}

afterAll(async () => {
  for (const s of schemas) await dropPostgresSchema(PG_URL, s);
});

describe('parsePostgresUrl', () => {
  it('takes schema and pool out of the URL and leaves the rest for pg', () => {
    const t = parsePostgresUrl('postgres://u@h:5432/db?schema=lg_ci&pool=20&sslmode=disable');
    expect(t.schema).toBe('lg_ci');
    expect(t.poolSize).toBe(20);
    expect(t.url).toBe('postgres://u@h:5432/db?sslmode=disable');
  });
  it('prefers an explicit schema over the URL one', () => {
    expect(parsePostgresUrl('postgres://h/db?schema=a', 'b').schema).toBe('b');
  });
  it('rejects schema names that would need quoting', () => {
    expect(() => parsePostgresUrl('postgres://h/db?schema=Robert";DROP')).toThrow(/not a usable schema name/);
  });
});

describe('openPostgresStore', () => {
  it('keeps each schema apart: a row written in one is not seen in another', async () => {
    const a = await openPostgresStore(PG_URL, schema());
    const b = await openPostgresStore(PG_URL, schema());
    try {
      await a.world.setMeta('k', 'in-a');
      expect(await a.world.getMeta('k')).toBe('in-a');
      expect(await b.world.getMeta('k')).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('lets several processes open one fresh schema at the same moment (one migrates, all work)', async () => {
    const s = schema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(PG_URL, s)));
    try {
      await stores[0].world.setMeta('shared', '1');
      for (const st of stores) expect(await st.world.getMeta('shared')).toBe('1');
      expect(await stores[3].tableNames()).toContain('apps');
    } finally {
      await Promise.all(stores.map((st) => st.close()));
    }
  });

  it('reads bigint columns as numbers', async () => {
    const st = await openPostgresStore(PG_URL, schema());
    try {
      await st.world.insertApp({ id: '1', secret: 's', name: 'n', require_appsecret_proof: 0, test_user_limit: 2000, daily_users: 1, created_time: 1_700_000_000 });
      const app = await st.world.getApp('1');
      expect(app?.created_time).toBe(1_700_000_000);
    } finally {
      await st.close();
    }
  });

  it('clears only its own schema on reset', async () => {
    const a = await openPostgresStore(PG_URL, schema());
    const b = await openPostgresStore(PG_URL, schema());
    try {
      await a.world.setMeta('k', 'a');
      await b.world.setMeta('k', 'b');
      await a.clearAll();
      expect(await a.world.getMeta('k')).toBeUndefined();
      expect(await b.world.getMeta('k')).toBe('b');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('neighbours in the same database', () => {
  it('migrates and resets while other runs create and drop their schemas around it', async () => {
    let churning = true;
    const churn = (async () => {
      while (churning) {
        const s = freshSchemaName('lgx');
        try {
          const st = await openPostgresStore(PG_URL, s);
          await st.close();
        } finally {
          await dropPostgresSchema(PG_URL, s);
        }
      }
    })();
    try {
      for (let i = 0; i < 3; i++) {
        const st = await openPostgresStore(PG_URL, schema());
        try {
          await st.world.setMeta('k', 'v');
          await st.clearAll();
          expect(await st.world.getMeta('k')).toBeUndefined();
        } finally {
          await st.close();
        }
      }
    } finally {
      churning = false;
      await churn;
    }
  });

  it('lists only its own tables', async () => {
    const st = await openPostgresStore(PG_URL, schema());
    try {
      const tables = await st.db.introspection.getTables();
      expect(new Set(tables.map((t) => t.schema))).toEqual(new Set([st.pgSchema]));
      expect(tables.map((t) => t.name)).toContain('apps');
      expect(tables.map((t) => t.name)).not.toContain('kysely_migration');
    } finally {
      await st.close();
    }
  });
});

describe('advisory locks', () => {
  it('serialise holders of one name across separate stores (separate pools, as across processes)', async () => {
    const s = schema();
    const stores: Store[] = await Promise.all([openPostgresStore(PG_URL, s), openPostgresStore(PG_URL, s)]);
    try {
      const events: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const first = stores[0].locks.exclusive('job', async () => {
        events.push('first-in');
        await gate;
        events.push('first-out');
      });
      await new Promise((r) => setTimeout(r, 50));
      const second = stores[1].locks.exclusive('job', async () => {
        events.push('second-in');
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(events).toEqual(['first-in']);
      release();
      await Promise.all([first, second]);
      expect(events).toEqual(['first-in', 'first-out', 'second-in']);
    } finally {
      await Promise.all(stores.map((st) => st.close()));
    }
  });

  it('does not make different names or different schemas wait for each other', async () => {
    const [a, b] = await Promise.all([openPostgresStore(PG_URL, schema()), openPostgresStore(PG_URL, schema())]);
    try {
      let inner = '';
      await a.locks.exclusive('job', async () => {
        await b.locks.exclusive('job', async () => {
          await a.locks.exclusive('other', async () => {
            inner = 'reached';
          });
        });
      });
      expect(inner).toBe('reached');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('releases the lock when the holder throws', async () => {
    const st = await openPostgresStore(PG_URL, schema());
    try {
      await expect(st.locks.exclusive('job', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await st.locks.exclusive('job', async () => 'again')).toBe('again');
    } finally {
      await st.close();
    }
  });
});
