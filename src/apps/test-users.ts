/**
 * Test users of an app: `POST /{app-id}/accounts/test-users` (or `/accounts?type=test-users`)
 * creates one — a person like any other, with an app-scoped id, an install, and a token when
 * installed — and the listing pages them as `{id, login_url, access_token}`. Each app may create
 * up to its `test_user_limit` (2,000 by default, the documented limit): beyond it, 2900.
 */
import type { GraphContext } from '../graph/context.js';
import {
  appSecretSignedSessionRequired,
  cannotRemoveTestAccount,
  invalidParameter,
  missingParameter,
  tooManyTestAccounts,
  unsupportedRequest,
} from '../graph/errors/catalogue.js';
import type { App } from '../storage/world.js';
import { numericId } from '../storage/ids.js';
import { issueUserToken, LONG_LIVED_SECONDS } from '../auth/token-mint.js';
import { findPerson } from '../auth/token-state.js';
import { randomTestUserName, testUserEmail, testUserLoginUrl, testUserPassword } from './test-user-identity.js';

export interface TestUserListItem extends Record<string, unknown> {
  id: string;
  login_url: string;
  access_token?: string;
}

const PERMISSION_NAME = /^[a-z][a-z0-9_]*$/;

/** Test-user management needs the app's own app token (a user token answers 15, another app's 100/33). */
export async function requireOwnAppToken(ctx: GraphContext, app: App): Promise<void> {
  const p = await ctx.auth();
  if (p.kind !== 'app') throw appSecretSignedSessionRequired();
  if (p.app.id !== app.id) throw unsupportedRequest(ctx.method, app.id);
}

function readPermissions(ctx: GraphContext): string[] {
  const list = ctx.params.list('permissions') ?? [];
  const bad = list.filter((p) => !PERMISSION_NAME.test(p));
  if (bad.length > 0) throw invalidParameter(`Invalid permissions: ${bad.join(',')}`);
  return [...new Set(list.filter((p) => p !== 'public_profile'))];
}

export async function createTestUser(ctx: GraphContext, app: App): Promise<Record<string, unknown>> {
  await requireOwnAppToken(ctx, app);
  const { store, clock, events } = ctx.services;
  const installed = ctx.params.bool('installed') ?? true;
  const permissions = installed ? readPermissions(ctx) : [];
  if (ctx.params.has('owner_access_token') || ctx.params.has('uid')) return associate(ctx, app, installed, permissions);
  if ((await store.auth.countTestUsersCreatedBy(app.id)) >= app.test_user_limit) throw tooManyTestAccounts();
  const given = ctx.params.string('name')?.trim();
  const generated = randomTestUserName();
  const parts = given ? given.split(/\s+/) : [generated.first, generated.middle, generated.last];
  const name = given || generated.name;
  const minor = ctx.params.bool('minor') === true;
  const locale = ctx.params.string('locale') || 'en_US';
  const now = clock.nowSeconds();
  const asid = numericId(15, '1000');
  const personId = `tu_${asid}`;
  const email = testUserEmail(name, asid.slice(-8));
  const password = testUserPassword();
  const token = await store.transaction(async (tx) => {
    await tx.world.insertPerson({
      id: personId,
      name,
      first_name: parts[0] ?? null,
      middle_name: parts.length > 2 ? parts.slice(1, -1).join(' ') : null,
      last_name: parts.length > 1 ? parts[parts.length - 1] : null,
      email,
      profile: JSON.stringify({ locale, age_range: minor ? { min: 13, max: 17 } : { min: 21 } }),
      is_test_user: 1,
      test_user_app_id: app.id,
      test_user_password: password,
      is_og_test_user: 0,
      checkpointed: 0,
      invisible: 0,
      deleted: 0,
      updated_time: now,
    });
    await tx.world.insertAppUser({
      app_id: app.id,
      person_id: personId,
      asid,
      installed: installed ? 1 : 0,
      granted: JSON.stringify(permissions),
      declined: '[]',
      removed: 0,
    });
    return installed ? issueUserToken(tx, { appId: app.id, personId, now, lifetime: LONG_LIVED_SECONDS }) : undefined;
  });
  await events.emit('person.changed', { personId });
  const out: Record<string, unknown> = { id: asid };
  if (token) out.access_token = token.token;
  out.login_url = testUserLoginUrl(asid);
  out.email = email;
  out.password = password;
  return out;
}

/**
 * `owner_access_token` + `uid`: an existing test user of another app joins this one, with its
 * own app-scoped id here.
 */
async function associate(ctx: GraphContext, app: App, installed: boolean, permissions: string[]): Promise<Record<string, unknown>> {
  const { store, clock, events } = ctx.services;
  const ownerToken = ctx.params.string('owner_access_token');
  const uid = ctx.params.string('uid');
  if (!ownerToken) throw missingParameter('owner_access_token');
  if (!uid) throw missingParameter('uid');
  const { resolveToken } = await import('../auth/resolve.js');
  const owner = await resolveToken(ownerToken, store, clock);
  if (owner.kind !== 'app') throw invalidParameter('owner_access_token must be an app access token');
  const ownerInstall = await store.world.getAppUserByAsid(uid);
  if (!ownerInstall || ownerInstall.app_id !== owner.app.id) throw invalidParameter(`Invalid uid: ${uid} is not a test user of app ${owner.app.id}`);
  const person = await store.world.getPerson(ownerInstall.person_id);
  if (!person?.is_test_user) throw invalidParameter(`Invalid uid: ${uid} is not a test user`);
  const existing = await store.world.getAppUser(app.id, person.id);
  if (existing) throw invalidParameter(`The test user ${uid} is already associated with app ${app.id}`);
  const now = clock.nowSeconds();
  const asid = numericId(15, '1000');
  const token = await store.transaction(async (tx) => {
    await tx.world.insertAppUser({
      app_id: app.id,
      person_id: person.id,
      asid,
      installed: installed ? 1 : 0,
      granted: JSON.stringify(permissions),
      declined: '[]',
      removed: 0,
    });
    return installed ? issueUserToken(tx, { appId: app.id, personId: person.id, now, lifetime: LONG_LIVED_SECONDS }) : undefined;
  });
  await events.emit('person.changed', { personId: person.id });
  const out: Record<string, unknown> = { id: asid };
  if (token) out.access_token = token.token;
  out.login_url = testUserLoginUrl(asid);
  return out;
}

export async function listTestUsers(ctx: GraphContext, app: App): Promise<TestUserListItem[]> {
  await requireOwnAppToken(ctx, app);
  const { store, clock } = ctx.services;
  const now = clock.nowSeconds();
  const rows = await store.auth.listTestUsers(app.id);
  const out: TestUserListItem[] = [];
  for (const { person, appUser } of rows) {
    const item: TestUserListItem = { id: appUser.asid, login_url: testUserLoginUrl(appUser.asid) };
    // "access_token" is missing for test users who have not installed the app.
    if (appUser.installed && !appUser.removed) {
      const t = await store.auth.latestUserToken(app.id, person.id);
      if (t && (t.expires_at === 0 || t.expires_at > now)) item.access_token = t.token;
    }
    out.push(item);
  }
  return out;
}

/** `DELETE /{app-id}/accounts?uid=…&type=test-users`: the test user leaves this app (not the others). */
export async function dissociateTestUser(ctx: GraphContext, app: App): Promise<Record<string, unknown>> {
  await requireOwnAppToken(ctx, app);
  const { store, events } = ctx.services;
  const uid = ctx.params.string('uid');
  if (!uid) throw missingParameter('uid');
  const install = await store.world.getAppUserByAsid(uid);
  if (!install || install.app_id !== app.id) throw invalidParameter(`Invalid uid: ${uid}`);
  const person = await findPerson(store, install.person_id);
  if (!person?.is_test_user) throw invalidParameter(`Invalid uid: ${uid} is not a test user`);
  const installs = await store.world.listAppUsersOfPerson(person.id);
  // A test user must belong to at least one app: its last app cannot let it go (2902).
  if (installs.length <= 1) throw cannotRemoveTestAccount();
  await store.transaction(async (tx) => {
    await tx.auth.dissociate(app.id, person.id);
    if (person.test_user_app_id === app.id) {
      const next = installs.find((i) => i.app_id !== app.id);
      await tx.world.updatePerson(person.id, { test_user_app_id: next?.app_id ?? null });
    }
  });
  await events.emit('person.changed', { personId: person.id });
  return { success: true };
}
