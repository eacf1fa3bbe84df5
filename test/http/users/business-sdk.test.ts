/**
 * Meta's facebook-nodejs-business-sdk reading and writing the User node the way its users do:
 * fields, an edge walked with its cursor (`next()`), an update, and a Graph error surfacing as the
 * SDK's error with the real code. Only the SDK's base URL is changed.
 */
import bizSdk, { type Cursor } from 'facebook-nodejs-business-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/server.js';
import { U, startUsersServer } from './users-fixture.js';

const { FacebookAdsApi } = bizSdk;

/**
 * The User methods these tests call, as the SDK's source defines them (test/clients/client-modules.d.ts
 * declares only the slice the client tests use).
 */
interface SdkUser {
  get(fields: string[], params?: Record<string, unknown>): Promise<SdkUser & Record<string, unknown>>;
  getAlbums(fields: string[], params?: Record<string, unknown>): Promise<Cursor>;
  update(fields: string[], params?: Record<string, unknown>): Promise<unknown>;
  exportAllData(): Record<string, unknown>;
}
// Why the cast: the shared declaration of the untyped SDK lacks getAlbums/update.
const User = bizSdk.User as unknown as new (id: string) => SdkUser;

let s: TestServer;
beforeAll(async () => {
  s = await startUsersServer();
  // The SDK reads FacebookAdsApi.GRAPH by name; its compiled static getter is configurable.
  Object.defineProperty(FacebookAdsApi, 'GRAPH', { get: () => s.url, configurable: true });
  FacebookAdsApi.init(U.doraToken, 'en_US', false);
});
afterAll(async () => {
  await s.close();
});

it('reads fields of the User node', async () => {
  const user = await new User(U.doraAsid).get(['id', 'name', 'birthday', 'location']);
  expect(user.exportAllData()).toMatchObject({ id: U.doraAsid, name: 'Dora Q Explorer', birthday: '07/04', location: { name: 'London, United Kingdom' } });
});

it('walks an edge page by page with the cursor', async () => {
  const albums = await new User('me').getAlbums(['name'], { limit: 2 });
  const names = (c: Cursor) => c.map((a) => a.exportAllData().name);
  expect(names(albums)).toEqual(['Alps', 'Cats']);
  expect(albums.hasNext()).toBe(true);
  const next = await albums.next();
  expect(names(next)).toEqual(['Food']);
  expect(albums.hasNext()).toBe(false);
});

it('updates the node and reads the change back', async () => {
  await new User(U.doraAsid).update([], { firstname: 'Dori' });
  const user = await new User('me').get(['first_name']);
  expect(user.first_name).toBe('Dori');
  await new User(U.doraAsid).update([], { firstname: 'Dora' });
});

it('surfaces a Graph error with its code', async () => {
  const err: unknown = await new User('me').get(['no_such_field']).catch((e: unknown) => e);
  expect((err as { response: unknown }).response).toMatchObject({ code: 100, message: '(#100) Tried accessing nonexisting field (no_such_field) on node type (User)' });
});
