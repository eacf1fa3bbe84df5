import type { App, AppUser, Person, Token } from '../storage/world.js';

/** Who a token speaks for: resolved once per request by auth/resolve.ts. */
export interface Principal {
  kind: 'app' | 'user' | 'page' | 'system_user';
  token: string;
  app: App;
  /** User tokens: the person and their install of the app. */
  person?: Person;
  appUser?: AppUser;
  /** Page tokens: the page it acts as. */
  pageId?: string;
  /** System-user tokens: the business. */
  businessId?: string;
  /** Granted permissions (live for user tokens: revoking one takes effect at once). */
  scopes: Set<string>;
  declined: Set<string>;
  /**
   * Granted permissions whose data access has lapsed (`data_access_expires_at` passed): the token
   * still authenticates, but reads needing them fail until the person re-authorises.
   */
  expired?: Set<string>;
  tokenRow?: Token;
}

export function hasScope(p: Principal, scope: string): boolean {
  return p.scopes.has(scope);
}
