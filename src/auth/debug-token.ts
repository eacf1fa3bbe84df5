/**
 * `GET /debug_token?input_token=…`: what a token is (app, type, person, scopes, expiry) and
 * whether it still works, asked with an app token of the same app or a developer's user token.
 * An invalid input is described, not refused: `is_valid:false` with the `error` it would get.
 */
import type { GraphContext, HandlerResult } from '../graph/context.js';
import { debugTokenCaller, missingParameter, unknownPath } from '../graph/errors/catalogue.js';
import { GraphError } from '../graph/errors/graph-error.js';
import type { Store } from '../storage/store.js';
import type { App, Token } from '../storage/world.js';
import { APP_TOKEN, resolveToken } from './resolve.js';
import { SHORT_LIVED_SECONDS } from './token-mint.js';
import { parseJsonList as parseList } from '../storage/json-list.js';



interface Inspected {
  app?: App;
  row?: Token;
  kind: 'app' | 'user' | 'page' | 'system_user' | 'unknown';
  error?: GraphError;
}

async function inspect(token: string, store: Store, ctx: GraphContext): Promise<Inspected> {
  const row = await store.world.getToken(token);
  const app = row ? await store.world.getApp(row.app_id) : undefined;
  try {
    const p = await resolveToken(token, store, ctx.services.clock);
    return { app: p.app, row, kind: p.kind };
  } catch (e) {
    const error = e instanceof GraphError ? e : undefined;
    if (!row) {
      const m = APP_TOKEN.exec(token);
      const named = m ? await store.world.getApp(m[1]) : undefined;
      return { app: named, kind: named ? 'app' : 'unknown', error };
    }
    return { app, row, kind: row.kind, error };
  }
}

/** Pages, businesses and so on a scope is granted for, as `granular_scopes[].target_ids`. */
async function targetsOf(store: Store, personId: string, scope: string): Promise<string[] | undefined> {
  if (scope.startsWith('pages_')) {
    const roles = await store.world.listPageRolesOfPerson(personId);
    return roles.length > 0 ? roles.map((r) => r.page_id) : undefined;
  }
  if (scope === 'business_management') {
    const ids = new Set<string>();
    for (const r of await store.world.listPageRolesOfPerson(personId)) {
      const page = await store.world.getPage(r.page_id);
      if (page?.business_id) ids.add(page.business_id);
    }
    for (const u of await store.world.listAdAccountUsers()) {
      if (u.person_id !== personId) continue;
      const acct = await store.world.getAdAccount(u.ad_account_id);
      if (acct?.business_id) ids.add(acct.business_id);
    }
    return ids.size > 0 ? [...ids] : undefined;
  }
  return undefined;
}

async function describe(token: string, ctx: GraphContext, callerApp: App | undefined): Promise<Record<string, unknown>> {
  const { store } = ctx.services;
  const info = await inspect(token, store, ctx);
  if (info.kind === 'unknown' || !info.app) {
    return { error: { code: 190, message: 'The access token could not be decrypted' }, is_valid: false, scopes: [] };
  }
  const app = info.app;
  if (callerApp && callerApp.id !== app.id) throw debugTokenCaller();
  const data: Record<string, unknown> = { app_id: app.id };
  const row = info.row;
  const type = info.kind === 'system_user' ? 'SYSTEM_USER' : info.kind.toUpperCase();
  data.type = type;
  data.application = app.name;
  let scopes: string[] = [];
  let userId: string | undefined;
  let personId: string | undefined;
  if (row && info.kind === 'user' && row.person_id) {
    personId = row.person_id;
    const au = await store.world.getAppUser(app.id, row.person_id);
    userId = au?.asid;
    // Scopes of an invalidated install are what was granted when it ended: the live grant.
    scopes = [...parseList(au?.granted), 'public_profile'];
  } else if (row && (info.kind === 'page' || info.kind === 'system_user')) {
    scopes = parseList(row.scopes);
    if (row.person_id) {
      personId = row.person_id;
      userId = (await store.world.getAppUser(app.id, row.person_id))?.asid;
    }
  }
  if (row && info.kind !== 'app') {
    data.data_access_expires_at = row.data_access_expires_at;
  }
  if (info.error) {
    const err: Record<string, unknown> = { code: info.error.code, message: info.error.message };
    if (info.error.subcode !== undefined) err.subcode = info.error.subcode;
    data.error = err;
  }
  if (row && info.kind !== 'app') data.expires_at = row.expires_at;
  data.is_valid = info.error === undefined;
  // "For long-lived access tokens the issued_at field is also returned."
  if (row && info.kind !== 'app' && (row.expires_at === 0 || row.expires_at - row.issued_at > SHORT_LIVED_SECONDS)) data.issued_at = row.issued_at;
  if (info.kind === 'page' && row?.page_id) data.profile_id = row.page_id;
  // A token that stopped working still lists what it was granted; only undecryptable ones list none.
  data.scopes = scopes;
  if (!info.error && personId) {
    const granular: Array<Record<string, unknown>> = [];
    for (const scope of scopes) {
      if (scope === 'public_profile') continue;
      const targets = await targetsOf(store, personId, scope);
      granular.push(targets ? { scope, target_ids: targets } : { scope });
    }
    data.granular_scopes = granular;
  }
  if (userId) data.user_id = userId;
  return data;
}

export async function debugTokenRoot(ctx: GraphContext, rest: string[]): Promise<HandlerResult> {
  if (rest.length > 0) throw unknownPath('/' + ctx.path.join('/'));
  const caller = await ctx.auth();
  const input = ctx.params.string('input_token');
  if (!input) throw missingParameter('input_token');
  if (caller.kind === 'app') return { data: await describe(input, ctx, caller.app) };
  if (caller.kind !== 'user' || !caller.person) throw debugTokenCaller();
  // A user token works only for someone who develops the input token's app.
  const inputRow = await ctx.services.store.world.getToken(input);
  const m = APP_TOKEN.exec(input);
  const appId = inputRow?.app_id ?? m?.[1] ?? caller.app.id;
  const role = await ctx.services.store.auth.getAppRole(appId, caller.person.id);
  if (!role) throw debugTokenCaller();
  return { data: await describe(input, ctx, undefined) };
}
