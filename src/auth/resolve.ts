/**
 * Token → principal, with the real answers for every way a token can be bad: unknown (190),
 * expired (190/463, by the server's clock), password changed (460), logged out (467), app removed
 * or de-authorized (458), person checkpointed (459).
 */
import {
  cannotParseToken,
  tokenAppNotInstalled,
  tokenExpired,
  tokenLoggedOut,
  tokenPasswordChanged,
  userCheckpointed,
} from '../graph/errors/catalogue.js';
import type { Clock } from '../server/clock.js';
import type { Store } from '../storage/store.js';
import { pacificTime } from './expiry-text.js';
import type { Principal } from './principal.js';
import { parseJsonList as parseList } from '../storage/json-list.js';

/** `APP_ID|APP_SECRET` (or `APP_ID|CLIENT_TOKEN`). */
export const APP_TOKEN = /^(\d+)\|(.+)$/;


export async function resolveToken(token: string, store: Store, clock: Clock): Promise<Principal> {
  const w = store.world;
  const row = await w.getToken(token);
  if (!row) {
    // `APP_ID|APP_SECRET` is a valid app token without ever being issued.
    const m = APP_TOKEN.exec(token);
    if (m) {
      const app = await w.getApp(m[1]);
      if (app && (app.secret === m[2] || (app.client_token !== null && app.client_token === m[2]))) {
        return { kind: 'app', token, app, scopes: new Set(), declined: new Set() };
      }
    }
    throw cannotParseToken();
  }
  const app = await w.getApp(row.app_id);
  if (!app) throw cannotParseToken();
  if (row.invalid_reason === 'password_changed') throw tokenPasswordChanged();
  if (row.invalid_reason === 'logged_out') throw tokenLoggedOut();
  if (row.invalid_reason === 'revoked') throw tokenAppNotInstalled(app.id);
  if (row.invalid_reason) throw cannotParseToken();
  const nowMs = clock.now();
  if (row.expires_at > 0 && nowMs >= row.expires_at * 1000) {
    throw tokenExpired(pacificTime(row.expires_at * 1000), pacificTime(nowMs));
  }
  if (row.kind === 'app') return { kind: 'app', token, app, scopes: new Set(), declined: new Set(), tokenRow: row };
  if (row.kind === 'page' || row.kind === 'system_user') {
    return {
      kind: row.kind,
      token,
      app,
      pageId: row.page_id ?? undefined,
      businessId: row.business_id ?? undefined,
      person: row.person_id ? await w.getPerson(row.person_id) : undefined,
      scopes: new Set(parseList(row.scopes)),
      declined: new Set(),
      tokenRow: row,
    };
  }
  const personId = row.person_id;
  if (!personId) throw cannotParseToken();
  const person = await w.getPerson(personId);
  // A deleted test user's tokens die with it.
  if (!person) throw cannotParseToken();
  const appUser = await w.getAppUser(app.id, personId);
  if (!appUser || appUser.removed) throw tokenAppNotInstalled(app.id);
  if (person.checkpointed) throw userCheckpointed();
  const granted = ['public_profile', ...parseList(appUser.granted)];
  // "When this 90-day period expires, the user can still access your app — that is, they are
  // still authenticated — but your app can't access their data": only public_profile remains.
  const dataExpired = row.data_access_expires_at > 0 && nowMs >= row.data_access_expires_at * 1000;
  return {
    kind: 'user',
    token,
    app,
    person,
    appUser,
    scopes: new Set(dataExpired ? ['public_profile'] : granted),
    declined: new Set(parseList(appUser.declined)),
    expired: dataExpired ? new Set(granted.filter((g) => g !== 'public_profile')) : undefined,
    tokenRow: row,
  };
}
