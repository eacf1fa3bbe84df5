import { randomBytes } from 'node:crypto';

/**
 * A random positive session id that survives JSON: below 2^53, so JavaScript
 * clients (and our own state file) read back the exact number Graph saw.
 * Meta asks for a positive 64-bit integer unique in the ad account; 53 random
 * bits keep collisions negligible.
 */
export function randomSessionId(): number {
  const bytes = randomBytes(7);
  let id = 0;
  for (const byte of bytes) id = id * 256 + byte; // 56 bits
  id = Math.floor(id / 8); // 53 bits
  return id === 0 ? 1 : id;
}
