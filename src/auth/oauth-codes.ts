/**
 * Authorization codes for the server-side login flow (`/oauth/access_token?code=…`). There is no
 * login dialog here, so the control surface mints codes for a person and an app; each is good for
 * one exchange within ten minutes, like the real ones.
 */
import { randomBytes } from 'node:crypto';

export interface OAuthCode {
  appId: string;
  personId: string;
  redirectUri: string;
  expiresAtMs: number;
  used: boolean;
}

export const CODE_LIFETIME_MS = 10 * 60 * 1000;

export class OAuthCodes {
  private readonly codes = new Map<string, OAuthCode>();

  mint(appId: string, personId: string, redirectUri: string, nowMs: number): string {
    // Real codes are long opaque strings starting `AQ`.
    const code = 'AQ' + randomBytes(120).toString('base64url');
    this.codes.set(code, { appId, personId, redirectUri, expiresAtMs: nowMs + CODE_LIFETIME_MS, used: false });
    for (const [k, v] of this.codes) if (v.expiresAtMs + CODE_LIFETIME_MS < nowMs) this.codes.delete(k);
    return code;
  }

  get(code: string): OAuthCode | undefined {
    return this.codes.get(code);
  }
}
