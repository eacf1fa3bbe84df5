/**
 * `GET|POST /oauth/access_token`: app tokens (`client_credentials`), long-lived user tokens
 * (`fb_exchange_token`), and the code exchange of the server-side login flow (with or without
 * `grant_type=authorization_code`) — with the real answers when the app, the secret or the input
 * is wrong.
 */
import type { GraphContext, HandlerResult } from '../graph/context.js';
import {
  authorizationCodeUsed,
  cannotParseToken,
  fbExchangeTokenMissing,
  invalidApplication,
  invalidClientSecret,
  invalidParameter,
  invalidVerificationCode,
  missingClientId,
  missingParameter,
  unknownPath,
  verificationCodeMismatch,
} from '../graph/errors/catalogue.js';
import type { App } from '../storage/world.js';
import type { OAuthCodes } from './oauth-codes.js';
import { resolveToken } from './resolve.js';
import { issueAppToken, issueUserToken, LONG_LIVED_SECONDS } from './token-mint.js';

export const OAUTH_CODES = 'auth.oauthCodes';

async function clientApp(ctx: GraphContext, needSecret: boolean): Promise<App> {
  const clientId = ctx.params.string('client_id');
  if (!clientId) throw missingClientId();
  const app = /^\d+$/.test(clientId) ? await ctx.services.store.world.getApp(clientId) : undefined;
  if (!app) throw invalidApplication();
  const secret = ctx.params.string('client_secret');
  if (needSecret && secret !== app.secret) throw invalidClientSecret();
  return app;
}

export async function oauthRoot(ctx: GraphContext, rest: string[]): Promise<HandlerResult> {
  if (rest.length !== 1 || rest[0] !== 'access_token') throw unknownPath('/' + ctx.path.join('/'));
  const grant = ctx.params.string('grant_type');
  const { store, clock } = ctx.services;
  const now = clock.nowSeconds();
  if (grant === 'client_credentials') {
    const app = await clientApp(ctx, true);
    const t = await issueAppToken(store, app.id, now);
    return { access_token: t.token, token_type: 'bearer' };
  }
  if (grant === 'fb_exchange_token') {
    const app = await clientApp(ctx, true);
    const input = ctx.params.string('fb_exchange_token');
    if (!input) throw fbExchangeTokenMissing();
    // An expired or revoked token cannot be exchanged: the resolver answers with its 190.
    const p = await resolveToken(input, store, clock);
    if (p.app.id !== app.id) throw cannotParseToken();
    const row = p.tokenRow;
    // Tokens that never expire (page tokens from a long-lived user token, system users) come back as they are.
    if (p.kind !== 'user' || !row || row.expires_at === 0 || !p.person) return { access_token: input, token_type: 'bearer' };
    const t = await issueUserToken(store, { appId: app.id, personId: p.person.id, now, lifetime: LONG_LIVED_SECONDS });
    return { access_token: t.token, token_type: 'bearer', expires_in: t.expires_at - now };
  }
  const code = ctx.params.string('code');
  // Facebook's docs send the code with no grant_type; OAuth 2.0 libraries (node-oauth under
  // passport-facebook, Auth.js) add the RFC 6749 `grant_type=authorization_code`, and Graph takes
  // both: passport-facebook has always sent it to the real graph.facebook.com.
  if ((grant === undefined && code !== undefined) || grant === 'authorization_code') {
    const app = await clientApp(ctx, true);
    if (code === undefined) throw missingParameter('code');
    const codes = ctx.services.extensions.get(OAUTH_CODES) as OAuthCodes | undefined;
    const entry = codes?.get(code);
    if (!entry || entry.appId !== app.id || entry.expiresAtMs < clock.now()) throw invalidVerificationCode();
    const redirect = ctx.params.string('redirect_uri');
    if (redirect === undefined) throw missingParameter('redirect_uri');
    if (redirect !== entry.redirectUri) throw verificationCodeMismatch();
    if (entry.used) throw authorizationCodeUsed();
    entry.used = true;
    const t = await issueUserToken(store, { appId: app.id, personId: entry.personId, now, lifetime: LONG_LIVED_SECONDS });
    return { access_token: t.token, token_type: 'bearer', expires_in: t.expires_at - now };
  }
  await clientApp(ctx, false);
  throw invalidParameter(`Unsupported grant_type${grant ? `: ${grant}` : ''}. Use client_credentials, fb_exchange_token, or a code.`);
}
