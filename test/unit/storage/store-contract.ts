/**
 * The Store contract: what every backend must do, in domain terms. `describeStoreContract(name,
 * backend)` registers the suite for one backend; SQLite (memory and file) runs it in
 * world-contract.test.ts, and PostgreSQL joins with one more call and a factory that opens a store
 * in a fresh schema (and drops it in `dispose`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/storage/store.js';

export interface StoreBackend {
  /** A new, empty, migrated store (one per suite; tests empty it with `clearAll`). */
  open(): Promise<Store>;
  /** Opens the same database again after `close()` (file and server backends); absent for memory. */
  reopen?(): Promise<Store>;
  /** Called at the end with each store the suite opened (already closed). */
  dispose?(store: Store): Promise<void>;
}

const NOW = 1_760_000_000;
/** Past 2^31: unix seconds after 2038 must round-trip as numbers on every backend. */
const FAR = 4_102_444_800;

export function app(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    secret: `secret-${id}`,
    name: `App ${id}`,
    namespace: null,
    business_id: null,
    default_version: null,
    require_appsecret_proof: 0,
    client_token: null,
    test_user_limit: 2000,
    daily_users: 100,
    created_time: NOW,
    ...extra,
  };
}

export function person(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: `Person ${id}`,
    first_name: 'Person',
    middle_name: null,
    last_name: id,
    email: `${id}@example.com`,
    profile: '{}',
    is_test_user: 0,
    test_user_app_id: null,
    test_user_password: null,
    is_og_test_user: 0,
    checkpointed: 0,
    invisible: 0,
    deleted: 0,
    updated_time: NOW,
    ...extra,
  };
}

export function install(appId: string, personId: string, asid: string, extra: Record<string, unknown> = {}) {
  return { app_id: appId, person_id: personId, asid, installed: 1, granted: '["email"]', declined: '[]', removed: 0, ...extra };
}

export function token(value: string, appId: string, personId: string | null, extra: Record<string, unknown> = {}) {
  return {
    token: value,
    kind: 'user' as const,
    app_id: appId,
    person_id: personId,
    page_id: null,
    business_id: null,
    scopes: null,
    issued_at: NOW,
    expires_at: 0,
    data_access_expires_at: 0,
    invalid_reason: null,
    ...extra,
  };
}

export function describeStoreContract(name: string, backend: StoreBackend): void {
  describe(`Store contract (${name})`, () => {
    // One database per backend, emptied before each test: opening one (migrations, a schema on
    // PostgreSQL) costs far more than the tests themselves.
    let store: Store;
    const opened: Store[] = [];

    beforeAll(async () => {
      store = await backend.open();
      opened.push(store);
    });
    beforeEach(async () => {
      await store.clearAll();
    });
    afterAll(async () => {
      for (const s of opened.splice(0)) {
        await s.close().catch(() => undefined);
        if (backend.dispose) await backend.dispose(s);
      }
    });

    it('applies every migration when opened: the core tables exist and are empty', async () => {
      const tables = await store.tableNames();
      for (const t of ['businesses', 'apps', 'people', 'app_users', 'tokens', 'pages', 'page_roles', 'ad_accounts', 'ad_account_users', 'objects', 'meta']) {
        expect(tables).toContain(t);
      }
      expect(await store.world.listApps()).toEqual([]);
    });

    it('keeps an id registry: register, look up, re-register with a new type, unregister', async () => {
      const w = store.world;
      expect(await w.typeOf('42')).toBeUndefined();
      await w.register('42', 'user');
      expect(await w.typeOf('42')).toBe('user');
      await w.register('42', 'page');
      expect(await w.typeOf('42')).toBe('page');
      await w.unregister('42');
      expect(await w.typeOf('42')).toBeUndefined();
    });

    it('stores businesses and apps, registers the app id, lists in id order and updates', async () => {
      const w = store.world;
      await w.insertBusiness({ id: '900', name: 'Biz' });
      await w.insertApp(app('222', { business_id: '900', require_appsecret_proof: 1 }));
      await w.insertApp(app('111'));
      expect(await w.getBusiness('900')).toEqual({ id: '900', name: 'Biz' });
      expect(await w.typeOf('900')).toBe('business');
      expect(await w.typeOf('222')).toBe('application');
      expect((await w.listApps()).map((a) => a.id)).toEqual(['111', '222']);
      const a = await w.getApp('222');
      expect(a).toEqual(app('222', { business_id: '900', require_appsecret_proof: 1 }));
      expect(typeof a?.created_time).toBe('number');
      await w.updateApp('222', { default_version: 'v19.0' });
      expect((await w.getApp('222'))?.default_version).toBe('v19.0');
      expect(await w.getApp('333')).toBeUndefined();
    });

    it('refuses a second app with the same id', async () => {
      await store.world.insertApp(app('111'));
      await expect(store.world.insertApp(app('111'))).rejects.toThrow();
    });

    it('stores people with unicode and JSON profiles, hides deleted ones, and updates', async () => {
      const w = store.world;
      const profile = JSON.stringify({ birthday: '04/12/1990', location: { id: '1', name: 'Zürich' }, emoji: '🦊' });
      await w.insertPerson(person('p1', { name: 'Zoë Ærøskøbing 🦊', profile }));
      await w.insertPerson(person('p2', { deleted: 1 }));
      expect(await w.getPerson('p1')).toMatchObject({ name: 'Zoë Ærøskøbing 🦊', profile });
      expect(await w.getPerson('p2')).toBeUndefined();
      expect((await w.listPeople()).map((p) => p.id)).toEqual(['p1']);
      await w.updatePerson('p1', { email: null, checkpointed: 1 });
      expect(await w.getPerson('p1')).toMatchObject({ email: null, checkpointed: 1 });
    });

    it('stores app installs under app-scoped ids, unique per id, found by id, app or person', async () => {
      const w = store.world;
      await w.insertApp(app('111'));
      await w.insertApp(app('222'));
      await w.insertPerson(person('p1'));
      await w.insertAppUser(install('111', 'p1', '5001'));
      await w.insertAppUser(install('222', 'p1', '5002'));
      expect(await w.typeOf('5001')).toBe('user');
      expect(await w.getAppUserByAsid('5002')).toEqual(install('222', 'p1', '5002'));
      expect((await w.getAppUser('111', 'p1'))?.asid).toBe('5001');
      expect((await w.listAppUsersOfPerson('p1')).map((u) => u.app_id)).toEqual(['111', '222']);
      expect((await w.listAppUsersOfApp('222')).map((u) => u.asid)).toEqual(['5002']);
      await w.updateAppUser('111', 'p1', { granted: '["email","user_likes"]', removed: 1 });
      expect(await w.getAppUser('111', 'p1')).toMatchObject({ granted: '["email","user_likes"]', removed: 1 });
      await w.insertPerson(person('p2'));
      await expect(w.insertAppUser(install('111', 'p2', '5001'))).rejects.toThrow();
    });

    it('stores tokens with far-future expiry as numbers, and invalidates a person’s tokens for one app or all', async () => {
      const w = store.world;
      await w.insertToken(token('EAA1', '111', 'p1', { expires_at: FAR, data_access_expires_at: FAR }));
      await w.insertToken(token('EAA2', '222', 'p1'));
      await w.insertToken(token('EAA3', '111', 'p2'));
      await w.insertToken(token('EAA4', '111', 'p1', { kind: 'page', page_id: '77', scopes: '["pages_show_list"]', issued_at: NOW + 1 }));
      const t = await w.getToken('EAA1');
      expect(t?.expires_at).toBe(FAR);
      expect(typeof t?.expires_at).toBe('number');
      expect((await w.listTokens()).map((x) => x.token)).toEqual(['EAA1', 'EAA2', 'EAA3', 'EAA4']);
      await w.invalidatePersonTokens('p1', 'logged_out', '111');
      expect((await w.getToken('EAA1'))?.invalid_reason).toBe('logged_out');
      expect((await w.getToken('EAA2'))?.invalid_reason).toBeNull();
      expect((await w.getToken('EAA3'))?.invalid_reason).toBeNull();
      await w.invalidatePersonTokens('p1', 'password_changed');
      // Already-invalid tokens keep their first reason.
      expect((await w.getToken('EAA1'))?.invalid_reason).toBe('logged_out');
      expect((await w.getToken('EAA2'))?.invalid_reason).toBe('password_changed');
      await w.updateToken('EAA3', { expires_at: NOW + 60 });
      expect((await w.getToken('EAA3'))?.expires_at).toBe(NOW + 60);
      expect(await w.getToken('nope')).toBeUndefined();
    });

    it('stores pages with roles and ad accounts with assigned users, registering their ids', async () => {
      const w = store.world;
      await w.insertPage({ id: '777', name: 'Page', category: null, business_id: null, profile: '{}' });
      await w.insertPageRole({ page_id: '777', person_id: 'p1', tasks: '["MANAGE"]' });
      expect(await w.typeOf('777')).toBe('page');
      expect((await w.listPageRolesOfPerson('p1')).map((r) => r.page_id)).toEqual(['777']);
      await w.insertAdAccount({ id: '1029', name: 'Acct', business_id: null, currency: 'EUR', account_status: 1, profile: '{}' });
      expect(await w.typeOf('act_1029')).toBe('adaccount');
      expect((await w.getAdAccount('1029'))?.currency).toBe('EUR');
      await w.insertAdAccountUser({ ad_account_id: '1029', person_id: 'p1', role: 'ADMIN', tasks: '[]' });
      await w.insertAdAccountUser({ ad_account_id: '1029', person_id: 'p2', role: 'GENERAL_USER', tasks: '[]' });
      expect((await w.listAdAccountUsers('1029')).map((u) => u.person_id)).toEqual(['p1', 'p2']);
      expect((await w.getAdAccountUser('1029', 'p2'))?.role).toBe('GENERAL_USER');
      expect(await w.deleteAdAccountUser('1029', 'p2')).toBe(1);
      expect(await w.deleteAdAccountUser('1029', 'p2')).toBe(0);
    });

    it('resets one app: its tokens, installs and their ids go, its test users are marked deleted, other apps stay', async () => {
      const w = store.world;
      await w.insertApp(app('111'));
      await w.insertApp(app('222'));
      await w.insertPerson(person('p1'));
      await w.insertPerson(person('t1', { is_test_user: 1, test_user_app_id: '111' }));
      await w.insertAppUser(install('111', 'p1', '5001'));
      await w.insertAppUser(install('222', 'p1', '5002'));
      await w.insertAppUser(install('111', 't1', '5003'));
      await w.insertToken(token('EAA1', '111', 'p1'));
      await w.insertToken(token('EAA2', '222', 'p1'));
      await w.resetApp('111');
      expect(await w.getToken('EAA1')).toBeUndefined();
      expect(await w.getToken('EAA2')).toBeDefined();
      expect(await w.getAppUser('111', 'p1')).toBeUndefined();
      expect(await w.typeOf('5001')).toBeUndefined();
      expect(await w.typeOf('5002')).toBe('user');
      expect(await w.getPerson('t1')).toBeUndefined();
      expect(await w.getPerson('p1')).toBeDefined();
      expect(await w.getApp('111')).toBeDefined();
    });

    it('keeps small settings in meta, overwriting on set', async () => {
      expect(await store.world.getMeta('clock_offset_ms')).toBeUndefined();
      await store.world.setMeta('clock_offset_ms', '1000');
      await store.world.setMeta('clock_offset_ms', '2000');
      expect(await store.world.getMeta('clock_offset_ms')).toBe('2000');
    });

    it('commits a transaction whole, and a transaction that throws leaves nothing behind', async () => {
      await store.transaction(async (tx) => {
        await tx.world.insertApp(app('111'));
        // Inside, the transaction sees its own writes.
        expect(await tx.world.getApp('111')).toBeDefined();
      });
      expect(await store.world.getApp('111')).toBeDefined();
      await expect(
        store.transaction(async (tx) => {
          await tx.world.insertApp(app('222'));
          await tx.world.insertPerson(person('p1'));
          await tx.world.setMeta('k', 'v');
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store.world.getApp('222')).toBeUndefined();
      expect(await store.world.typeOf('222')).toBeUndefined();
      expect(await store.world.getPerson('p1')).toBeUndefined();
      expect(await store.world.getMeta('k')).toBeUndefined();
    });

    it('rolls back a transaction that fails on a constraint half way', async () => {
      await store.world.insertApp(app('111'));
      await expect(
        store.transaction(async (tx) => {
          await tx.world.insertApp(app('222'));
          await tx.world.insertApp(app('111'));
        }),
      ).rejects.toThrow();
      expect((await store.world.listApps()).map((a) => a.id)).toEqual(['111']);
    });

    it('lands every one of many concurrent writes', async () => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.world.insertApp(app(String(1000 + i)))));
      expect(await store.world.listApps()).toHaveLength(50);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.transaction((tx) => tx.world.setMeta(`k${i}`, String(i)))));
      for (let i = 0; i < 20; i++) expect(await store.world.getMeta(`k${i}`)).toBe(String(i));
    });

    it('clears every table and stays usable', async () => {
      await store.world.insertApp(app('111'));
      await store.world.insertPerson(person('p1'));
      await store.world.setMeta('k', 'v');
      await store.clearAll();
      expect(await store.world.listApps()).toEqual([]);
      expect(await store.world.listPeople()).toEqual([]);
      expect(await store.world.typeOf('111')).toBeUndefined();
      expect(await store.world.getMeta('k')).toBeUndefined();
      await store.world.insertApp(app('111'));
      expect(await store.world.getApp('111')).toBeDefined();
    });

    it('clears inside a transaction as part of it: a failure after the clear restores everything', async () => {
      await store.world.insertApp(app('111'));
      await expect(
        store.transaction(async (tx) => {
          await tx.clearAll();
          expect(await tx.world.listApps()).toEqual([]);
          await tx.world.insertApp(app('222'));
          throw new Error('bad fixture');
        }),
      ).rejects.toThrow('bad fixture');
      expect((await store.world.listApps()).map((a) => a.id)).toEqual(['111']);
      await store.transaction(async (tx) => {
        await tx.clearAll();
        await tx.world.insertApp(app('333'));
      });
      expect((await store.world.listApps()).map((a) => a.id)).toEqual(['333']);
    });

    if (backend.reopen) {
      const reopen = backend.reopen.bind(backend);
      it('finds everything written after closing and opening the database again, migrations not re-applied', async () => {
        await store.world.insertApp(app('111'));
        await store.transaction(async (tx) => {
          await tx.world.insertPerson(person('p1'));
          await tx.world.insertToken(token('EAA1', '111', 'p1', { expires_at: FAR }));
        });
        await store.close();
        const again = await reopen();
        opened.push(again);
        store = again;
        expect(await again.world.getApp('111')).toBeDefined();
        expect((await again.world.getToken('EAA1'))?.expires_at).toBe(FAR);
        expect(await again.world.typeOf('111')).toBe('application');
      });
    }
  });
}
