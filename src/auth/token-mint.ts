/**
 * Issues tokens the way the real API shapes them: user, page and system-user tokens start `EAA`;
 * an app token from `client_credentials` is `{app-id}|{opaque}`. Lifetimes are the documented
 * ones: short-lived user tokens about an hour or two, long-lived 60 days, data access 90 days.
 */
import { randomBytes } from 'node:crypto';
import { userTokenString } from '../storage/ids.js';
import type { Store } from '../storage/store.js';
import type { Token } from '../storage/world.js';

export const SHORT_LIVED_SECONDS = 2 * 3600;
export const LONG_LIVED_SECONDS = 60 * 24 * 3600;
export const DATA_ACCESS_SECONDS = 90 * 24 * 3600;

/** The opaque half of an app token: 27 URL-safe characters, like `o3wswWQ88LYjEC9-ukR_gjRIOMw`. */
export function appTokenString(appId: string): string {
  return `${appId}|${randomBytes(20).toString('base64url').slice(0, 27)}`;
}

export interface UserTokenOptions {
  appId: string;
  personId: string;
  now: number;
  /** Seconds until it expires; 0 = never. */
  lifetime: number;
  dataAccessLifetime?: number;
}

export async function issueUserToken(store: Store, o: UserTokenOptions): Promise<Token> {
  const row: Token = {
    token: userTokenString(),
    kind: 'user',
    app_id: o.appId,
    person_id: o.personId,
    page_id: null,
    business_id: null,
    scopes: null,
    issued_at: o.now,
    expires_at: o.lifetime > 0 ? o.now + o.lifetime : 0,
    data_access_expires_at: o.now + (o.dataAccessLifetime ?? DATA_ACCESS_SECONDS),
    invalid_reason: null,
  };
  await store.world.insertToken(row);
  return row;
}

export async function issueAppToken(store: Store, appId: string, now: number): Promise<Token> {
  const row: Token = {
    token: appTokenString(appId),
    kind: 'app',
    app_id: appId,
    person_id: null,
    page_id: null,
    business_id: null,
    scopes: null,
    issued_at: now,
    expires_at: 0,
    data_access_expires_at: 0,
    invalid_reason: null,
  };
  await store.world.insertToken(row);
  return row;
}

export interface AssetTokenOptions {
  kind: 'page' | 'system_user';
  appId: string;
  now: number;
  scopes: string[];
  personId?: string | null;
  pageId?: string | null;
  businessId?: string | null;
  /** A fixed token string (sandbox callers may choose one, as fixtures do). */
  token?: string;
  expiresAt?: number;
}

export async function issueAssetToken(store: Store, o: AssetTokenOptions): Promise<Token> {
  const row: Token = {
    token: o.token ?? userTokenString(),
    kind: o.kind,
    app_id: o.appId,
    person_id: o.personId ?? null,
    page_id: o.pageId ?? null,
    business_id: o.businessId ?? null,
    scopes: JSON.stringify(o.scopes),
    issued_at: o.now,
    expires_at: o.expiresAt ?? 0,
    data_access_expires_at: 0,
    invalid_reason: null,
  };
  await store.world.insertToken(row);
  return row;
}
