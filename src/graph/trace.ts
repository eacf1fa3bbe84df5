import { randomBytes } from 'node:crypto';

/** fbtrace ids look like the modern real ones: ~23 URL-safe base64 characters. */
export function newTraceId(): string {
  return 'A' + randomBytes(16).toString('base64url').slice(0, 22);
}
