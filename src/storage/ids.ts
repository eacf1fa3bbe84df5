import { randomBytes, randomInt } from 'node:crypto';

/**
 * Ids that look like real ones: numeric strings of the real lengths (app-scoped user ids and
 * page ids have 15–17 digits, custom audience ids 17 starting 238…).
 */
export function numericId(digits = 16, prefix = ''): string {
  let s = prefix;
  if (s.length === 0) s = String(randomInt(1, 10));
  while (s.length < digits) s += String(randomInt(0, 10));
  return s;
}

/** User and page tokens start `EAA` like real ones; the rest is URL-safe random text. */
export function userTokenString(): string {
  return 'EAA' + randomBytes(96).toString('base64url').replace(/[-_]/g, 'Z');
}
