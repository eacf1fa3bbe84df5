/**
 * Control-surface routes for token lifecycles, so every way a token stops working can be reached
 * without a browser: issue a token, change its expiry or state, and apply a person's events
 * (password change, log out, app removed, checkpoint). Also mints login codes for
 * `/oauth/access_token?code=…`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../server/services.js';
import { OAuthCodes } from '../auth/oauth-codes.js';
import { OAUTH_CODES } from '../auth/oauth.js';
import { applyPersonEvent, findPerson, isPersonEvent, PERSON_EVENTS } from '../auth/token-state.js';
import { DATA_ACCESS_SECONDS, issueAssetToken, issueUserToken, LONG_LIVED_SECONDS } from '../auth/token-mint.js';
import { adminRouteRegistrars } from './routes.js';
import { jsonBody } from './guard.js';
import { AdminInputError, bodyObject, sendAdminError, sendJson } from './respond.js';

type Json = Record<string, unknown>;

const TOKEN_STATES = ['valid', 'password_changed', 'logged_out', 'revoked'] as const;

function seconds(v: unknown, key: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v);
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new AdminInputError(`"${key}" must be unix seconds or an ISO date`);
}

function describeToken(t: { token: string; kind: string; app_id: string; person_id: string | null; issued_at: number; expires_at: number; data_access_expires_at: number; invalid_reason: string | null }): Json {
  return {
    token: t.token,
    kind: t.kind,
    app: t.app_id,
    person: t.person_id,
    issued_at: t.issued_at,
    expires_at: t.expires_at,
    data_access_expires_at: t.data_access_expires_at,
    state: t.invalid_reason ?? 'valid',
  };
}

export function registerAuthAdminRoutes(app: FastifyInstance, services: Services, guard: (req: FastifyRequest, reply: FastifyReply) => boolean): void {
  const { store, clock } = services;

  /** Issues a user token (or a page / system-user token) for tests. */
  app.post('/_localgraph/tokens', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const b = bodyObject(jsonBody(req));
      const appId = typeof b.app === 'string' ? b.app : undefined;
      if (!appId || !(await store.world.getApp(appId))) throw new AdminInputError('"app" must name an existing app');
      const kind = (b.kind ?? 'user') as string;
      const now = clock.nowSeconds();
      if (kind === 'user') {
        const person = typeof b.person === 'string' ? await findPerson(store, b.person) : undefined;
        if (!person) throw new AdminInputError('"person" must name a person (fixture key or app-scoped id)');
        if (!(await store.world.getAppUser(appId, person.id))) throw new AdminInputError(`person ${person.id} has not installed app ${appId}`);
        const lifetime = b.lifetime_seconds === undefined ? LONG_LIVED_SECONDS : seconds(b.lifetime_seconds, 'lifetime_seconds');
        const dataAccess = b.data_access_seconds === undefined ? DATA_ACCESS_SECONDS : seconds(b.data_access_seconds, 'data_access_seconds');
        const t = await issueUserToken(store, { appId, personId: person.id, now, lifetime, dataAccessLifetime: dataAccess });
        sendJson(reply, 200, describeToken(t));
        return;
      }
      if (kind !== 'page' && kind !== 'system_user') throw new AdminInputError('"kind" must be user, page or system_user');
      const scopes = Array.isArray(b.scopes) ? b.scopes.map(String) : kind === 'page' ? ['pages_manage_metadata', 'pages_show_list'] : ['ads_management', 'business_management'];
      const pageId = typeof b.page === 'string' ? b.page : undefined;
      if (kind === 'page' && (!pageId || !(await store.world.getPage(pageId)))) throw new AdminInputError('"page" must name an existing page');
      const businessId = typeof b.business === 'string' ? b.business : undefined;
      if (kind === 'system_user' && (!businessId || !(await store.world.getBusiness(businessId)))) throw new AdminInputError('"business" must name an existing business');
      const person = typeof b.person === 'string' ? await findPerson(store, b.person) : undefined;
      const t = await issueAssetToken(store, { kind, appId, now, scopes, pageId, businessId, personId: person?.id ?? null });
      sendJson(reply, 200, describeToken(t));
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.get('/_localgraph/tokens/:token', async (req, reply) => {
    if (!guard(req, reply)) return;
    const t = await store.world.getToken((req.params as { token: string }).token);
    if (!t) sendJson(reply, 404, { error: { message: 'no such token', type: 'LocalgraphAdminException', code: 404 } });
    else sendJson(reply, 200, describeToken(t));
  });

  /** `{"expire": true}`, `{"expires_at": …}`, `{"data_access_expires_at": …}`, `{"state": "logged_out"}`. */
  app.post('/_localgraph/tokens/:token', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const token = (req.params as { token: string }).token;
      const t = await store.world.getToken(token);
      if (!t) throw new AdminInputError('no such token', 404);
      const b = bodyObject(jsonBody(req));
      const patch: Json = {};
      // Expired one second ago on the server clock: the next call answers 190/463.
      if (b.expire === true) patch.expires_at = clock.nowSeconds() - 1;
      if (b.expires_at !== undefined) patch.expires_at = seconds(b.expires_at, 'expires_at');
      if (b.data_access_expires_at !== undefined) patch.data_access_expires_at = seconds(b.data_access_expires_at, 'data_access_expires_at');
      if (b.expire_data_access === true) patch.data_access_expires_at = clock.nowSeconds() - 1;
      if (b.state !== undefined) {
        if (!(TOKEN_STATES as readonly unknown[]).includes(b.state)) throw new AdminInputError(`"state" must be one of ${TOKEN_STATES.join(', ')}`);
        patch.invalid_reason = b.state === 'valid' ? null : b.state;
      }
      if (Object.keys(patch).length === 0) throw new AdminInputError('nothing to change: give expire, expires_at, data_access_expires_at, expire_data_access or state');
      await store.world.updateToken(token, patch);
      sendJson(reply, 200, describeToken((await store.world.getToken(token)) ?? t));
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  /** `{"event": "password_changed" | "logged_out" | "removed_app" | "reinstalled_app" | "checkpointed" | "checkpoint_cleared", "app"?: id}` */
  app.post('/_localgraph/people/:person/events', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const ref = (req.params as { person: string }).person;
      const person = await findPerson(store, ref);
      if (!person) throw new AdminInputError(`no person ${ref}`, 404);
      const b = bodyObject(jsonBody(req));
      if (!isPersonEvent(b.event)) throw new AdminInputError(`"event" must be one of ${PERSON_EVENTS.join(', ')}`);
      const appId = typeof b.app === 'string' ? b.app : undefined;
      const problem = await applyPersonEvent(store, person, b.event, appId);
      if (problem) throw new AdminInputError(problem);
      const tokens = await store.auth.tokensOfPerson(person.id);
      sendJson(reply, 200, { success: true, person: person.id, tokens: tokens.map(describeToken) });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  /** A login code for `/oauth/access_token?client_id&client_secret&redirect_uri&code`. */
  app.post('/_localgraph/oauth/codes', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const b = bodyObject(jsonBody(req));
      const appId = typeof b.app === 'string' ? b.app : undefined;
      if (!appId || !(await store.world.getApp(appId))) throw new AdminInputError('"app" must name an existing app');
      const person = typeof b.person === 'string' ? await findPerson(store, b.person) : undefined;
      if (!person) throw new AdminInputError('"person" must name a person');
      if (!(await store.world.getAppUser(appId, person.id))) throw new AdminInputError(`person ${person.id} has not installed app ${appId}`);
      const redirect = typeof b.redirect_uri === 'string' ? b.redirect_uri : 'https://localhost/';
      let codes = services.extensions.get(OAUTH_CODES) as OAuthCodes | undefined;
      if (!codes) {
        codes = new OAuthCodes();
        services.extensions.set(OAUTH_CODES, codes);
      }
      sendJson(reply, 200, { code: codes.mint(appId, person.id, redirect, clock.now()), redirect_uri: redirect });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });
}

let registered = false;
export function installAuthAdminRoutes(): void {
  if (registered) return;
  registered = true;
  adminRouteRegistrars.push(registerAuthAdminRoutes);
}
