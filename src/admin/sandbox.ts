/**
 * Sandbox creation under `/_localgraph/` for what the public API cannot create: apps, businesses
 * (with a system-user token), pages (with a page token) and ad accounts (with assigned users).
 * Each request becomes a fixture fragment loaded in merge mode, so there is one write path and
 * the same validation; ids the server mints look like real ones (numeric, of real lengths) and
 * tokens start `EAA`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadFixture } from '../fixtures/load.js';
import type { Services } from '../server/services.js';
import { numericId, userTokenString } from '../storage/ids.js';
import { findPerson } from '../auth/token-state.js';
import { adminRouteRegistrars } from './routes.js';
import { jsonBody } from './guard.js';
import { AdminInputError, bodyObject, sendAdminError, sendJson } from './respond.js';

type Json = Record<string, unknown>;

function optString(b: Json, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new AdminInputError(`"${key}" must be a non-empty string`);
  return v;
}

function list(b: Json, key: string): Json[] {
  const v = b[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null)) throw new AdminInputError(`"${key}" must be a list of objects`);
  return v as Json[];
}

/** A person given by fixture key or app-scoped id, as the fixture key the loader knows. */
async function personKey(services: Services, ref: unknown, where: string): Promise<string> {
  if (typeof ref !== 'string') throw new AdminInputError(`${where} must name a person (fixture key or app-scoped id)`);
  const p = await findPerson(services.store, ref);
  if (!p) throw new AdminInputError(`${where}: no person ${ref}`);
  return p.id;
}

async function freshId(services: Services, digits: number, prefix = ''): Promise<string> {
  for (;;) {
    const id = numericId(digits, prefix);
    if (!(await services.store.world.typeOf(id)) && !(await services.store.world.typeOf('act_' + id))) return id;
  }
}

export function registerSandboxRoutes(app: FastifyInstance, services: Services, guard: (req: FastifyRequest, reply: FastifyReply) => boolean): void {
  const { store, clock } = services;
  const load = (fragment: Json): Promise<void> => loadFixture(store, clock, fragment, { replace: false });

  app.post('/_localgraph/apps', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const b = bodyObject(jsonBody(req));
      const id = optString(b, 'id') ?? (await freshId(services, 16, '1'));
      const secret = optString(b, 'secret') ?? randomBytes(16).toString('hex');
      const name = optString(b, 'name') ?? `Sandbox App ${id.slice(-4)}`;
      const { developers, administrators, ...rest } = b as Json & { developers?: unknown; administrators?: unknown };
      const roles: Json[] = [];
      for (const [role, refs] of [['developers', developers], ['administrators', administrators]] as const) {
        if (refs === undefined) continue;
        if (!Array.isArray(refs)) throw new AdminInputError(`"${role}" must be a list of people`);
        for (const r of refs) roles.push({ app: id, person: await personKey(services, r, role), role });
      }
      await load({ apps: [{ ...rest, id, secret, name }], ...(roles.length ? { app_roles: roles } : {}) });
      sendJson(reply, 200, { id, secret, name, app_token: `${id}|${secret}` });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.post('/_localgraph/apps/:id', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const appId = (req.params as { id: string }).id;
      const existing = await store.world.getApp(appId);
      if (!existing) throw new AdminInputError(`no app ${appId}`, 404);
      const b = bodyObject(jsonBody(req));
      const patch: Json = {};
      for (const k of ['daily_users', 'test_user_limit'] as const) {
        if (b[k] === undefined) continue;
        if (typeof b[k] !== 'number' || !Number.isInteger(b[k]) || (b[k] as number) < (k === 'daily_users' ? 1 : 0)) throw new AdminInputError(`"${k}" must be a whole number`);
        patch[k] = b[k];
      }
      if (b.require_appsecret_proof !== undefined) patch.require_appsecret_proof = b.require_appsecret_proof ? 1 : 0;
      if (b.default_version !== undefined) patch.default_version = optString(b, 'default_version') ?? null;
      if (b.name !== undefined) patch.name = optString(b, 'name');
      if (Object.keys(patch).length > 0) await store.world.updateApp(appId, patch);
      for (const role of ['developers', 'administrators', 'testers'] as const) {
        const refs = b[role];
        if (refs === undefined) continue;
        if (!Array.isArray(refs)) throw new AdminInputError(`"${role}" must be a list of people`);
        for (const r of refs) await store.auth.setAppRole(appId, await personKey(services, r, role), role);
      }
      const a = await store.world.getApp(appId);
      sendJson(reply, 200, a);
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.post('/_localgraph/businesses', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const b = bodyObject(jsonBody(req));
      const id = optString(b, 'id') ?? (await freshId(services, 15, '1'));
      const name = optString(b, 'name') ?? `Sandbox Business ${id.slice(-4)}`;
      const su = b.system_user as Json | undefined;
      let token: string | undefined;
      const entry: Json = { id, name };
      if (su !== undefined) {
        if (typeof su !== 'object' || su === null) throw new AdminInputError('"system_user" must be {"app": "<app id>", "scopes": [...]}');
        token = typeof su.token === 'string' ? su.token : userTokenString();
        entry.system_user_tokens = [{ token, app: su.app, ...(su.scopes ? { scopes: su.scopes } : {}) }];
      }
      await load({ businesses: [entry] });
      sendJson(reply, 200, { id, name, ...(token ? { system_user_token: token } : {}) });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.post('/_localgraph/pages', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const b = bodyObject(jsonBody(req));
      const id = optString(b, 'id') ?? (await freshId(services, 15, '1'));
      const name = optString(b, 'name') ?? `Sandbox Page ${id.slice(-4)}`;
      const roles: Json[] = [];
      for (const [i, r] of list(b, 'roles').entries()) roles.push({ person: await personKey(services, r.person, `roles[${i}].person`), ...(r.tasks ? { tasks: r.tasks } : {}) });
      const t = b.token as Json | undefined;
      let token: string | undefined;
      const tokens: Json[] = [];
      if (t !== undefined) {
        if (typeof t !== 'object' || t === null) throw new AdminInputError('"token" must be {"app": "<app id>", "person"?: "…", "scopes"?: [...]}');
        token = typeof t.token === 'string' ? t.token : userTokenString();
        const person = t.person === undefined ? undefined : await personKey(services, t.person, 'token.person');
        tokens.push({ token, app: t.app, ...(person ? { person } : {}), ...(t.scopes ? { scopes: t.scopes } : {}) });
      }
      const { token: _t, roles: _r, ...rest } = b;
      await load({ pages: [{ ...rest, id, name, roles, tokens }] });
      sendJson(reply, 200, { id, name, ...(token ? { access_token: token } : {}) });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.post('/_localgraph/ad_accounts', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const b = bodyObject(jsonBody(req));
      const given = optString(b, 'id')?.replace(/^act_/, '');
      const numeric = given ?? (await freshId(services, 15, '1'));
      const name = optString(b, 'name') ?? `Sandbox Ad Account ${numeric.slice(-4)}`;
      const users: Json[] = [];
      for (const [i, u] of list(b, 'users').entries()) {
        users.push({ person: await personKey(services, u.person, `users[${i}].person`), ...(u.role ? { role: u.role } : {}), ...(u.tasks ? { tasks: u.tasks } : {}) });
      }
      const { users: _u, ...rest } = b;
      await load({ ad_accounts: [{ ...rest, id: numeric, name, users }] });
      sendJson(reply, 200, { id: `act_${numeric}`, account_id: numeric, name });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });
}

let registered = false;
/** Pushed once per process: every server started later gets these routes. */
export function installSandboxRoutes(): void {
  if (registered) return;
  registered = true;
  adminRouteRegistrars.push(registerSandboxRoutes);
}
