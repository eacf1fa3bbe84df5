import { createHmac } from 'node:crypto';

/**
 * `appsecret_proof` = hex(HMAC-SHA256(key = app secret, message = access token))
 * (spec/graph-api-core.md §3.3). Sent with every call when the app secret is
 * known, so apps with "Require App Secret" work.
 */
export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken, 'utf8').digest('hex');
}
