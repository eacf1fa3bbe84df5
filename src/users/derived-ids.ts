/**
 * Identifiers that are functions of who and which app or business: the same inputs always give
 * the same string (so fixtures and exports are repeatable), different inputs give different ones.
 */
import { createHash } from 'node:crypto';

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('\u0000')).digest();
}

/** A numeric string of `digits` digits that does not start with 0. */
export function derivedNumericId(digits: number, ...parts: string[]): string {
  const d = digest(...parts);
  let n = d.readBigUInt64BE(0) * 2n ** 64n + d.readBigUInt64BE(8);
  const span = 9n * 10n ** BigInt(digits - 1);
  n = (n % span) + 10n ** BigInt(digits - 1);
  return n.toString();
}

/**
 * `token_for_business`: the same across the apps of one business, different across businesses.
 * An app without a business has a token of its own. Real ones are short opaque strings such as
 * `AbwqrjXc1NfmZJSh`; these keep that look.
 */
export function tokenForBusiness(businessId: string | null, appId: string, personId: string): string {
  const owner = businessId === null ? `app:${appId}` : `business:${businessId}`;
  return 'Ab' + digest('tfb', owner, personId).toString('base64url').replace(/[-_]/g, 'x').slice(0, 18);
}

/** `id_for_avatars`: "a profile based app scoped ID", distinct from the app-scoped user id. */
export function idForAvatars(appId: string, personId: string): string {
  return derivedNumericId(16, 'avatars', appId, personId);
}

/** A page-scoped id (PSID) for a person on one page. */
export function pageScopedId(pageId: string, personId: string): string {
  return derivedNumericId(16, 'psid', pageId, personId);
}

/** A business-scoped user id (`business_users` items). */
export function businessUserId(businessId: string, personId: string): string {
  return derivedNumericId(15, 'bsuid', businessId, personId);
}

/** The app-scoped profile link the real API hands out (`/app_scoped_user_id/…/`). */
export function appScopedLink(asid: string): string {
  return `https://www.facebook.com/app_scoped_user_id/${Buffer.from(`asid:${asid}`).toString('base64url')}/`;
}

/** An id for a content item a fixture gave none. */
export function contentItemId(personKey: string, kind: string, index: number, parent = ''): string {
  return derivedNumericId(16, 'content', personKey, kind, parent, String(index));
}
