import { createHmac, timingSafeEqual } from 'node:crypto';
import { appsecretProofRequired, invalidAppsecretProof } from '../graph/errors/catalogue.js';
import type { App } from '../storage/world.js';

export function computeProof(secret: string, token: string, time?: string): string {
  return createHmac('sha256', secret)
    .update(time === undefined ? token : `${token}|${time}`)
    .digest('hex');
}

/**
 * Checks `appsecret_proof` (and `appsecret_time`): a proof that is present must be right even when
 * the app does not require one (the real API answers a wrong proof either way).
 */
export function checkAppsecretProof(app: App, token: string, proof: string | undefined, time: string | undefined): void {
  if (proof === undefined || proof === '') {
    if (app.require_appsecret_proof) throw appsecretProofRequired();
    return;
  }
  const expected = Buffer.from(computeProof(app.secret, token, time), 'utf8');
  const given = Buffer.from(proof.toLowerCase(), 'utf8');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalidAppsecretProof();
}
