/**
 * Turns a failure into one or two sentences a person can act on. Messages
 * quote Graph's own text but never request data.
 */
import { GraphApiError } from '../graph/graph-api-error.js';

export function explainError(error: unknown, context: { baseUrl: string; audienceId: string; version: string }): string {
  if (!(error instanceof GraphApiError)) return error instanceof Error ? error.message : String(error);
  const detail = graphDetail(error);
  switch (error.kind) {
    case 'network':
      return `could not reach ${context.baseUrl}: ${error.message}. Check --base-url (or LOCALGRAPH_URL) and your network.`;
    case 'http':
      return `${context.baseUrl} answered HTTP ${error.status} with something that is not a Graph API response (${error.message}). ` +
        (error.status >= 500 ? 'This is usually temporary; run again with --resume.' : 'Check --base-url.');
    case 'graph':
      break;
  }
  if (error.code === 190 || error.code === 102) {
    return `the access token is invalid or expired: ${detail}. Get a new token and pass it with --token (or LOCALGRAPH_TOKEN / FB_ACCESS_TOKEN).`;
  }
  if (error.code === 104) return `no access token was sent: ${detail}. Pass --token or set LOCALGRAPH_TOKEN.`;
  if (error.code === 100 && error.subcode === 33) {
    return `audience ${context.audienceId} does not exist or this token cannot use it: ${detail}. Check --audience and the token's ad account access.`;
  }
  if (error.code === 100 && error.subcode === 1713230) {
    return `the audience is blocked for integrity reasons (${error.error_user_title ?? 'Audience Upload Blocked'}): ${error.error_user_msg ?? detail}`;
  }
  if (error.code === 200 && error.subcode === 1870047) {
    return `Meta refuses this removal because the audience would become too small: ${error.error_user_msg ?? detail}`;
  }
  if (error.code === 10 || error.code === 294 || (error.code >= 200 && error.code <= 299)) {
    return `the token lacks a permission for this audience (needs ads_management and access to its ad account): ${detail}`;
  }
  if (error.code === 2635) return `Graph API version ${context.version} is no longer accepted: ${detail}. Pass a newer --version.`;
  if (error.code === 2650) {
    const hint = error.subcode === 1870158
      ? ' The replace session timed out (90 minutes); run the replace again without --resume.'
      : error.subcode === 1870145 ? ' Wait until the audience is available again (operation status "Normal").' : '';
    return `the audience could not be updated: ${error.error_user_msg ?? detail}.${hint}`;
  }
  if (error.code === 80003 || error.code === 4 || error.code === 17 || error.code === 613) {
    const minutes = error.estimated_time_to_regain_access;
    return `rate limited by Meta (code ${error.code}) and retries ran out: ${detail}.` +
      (minutes > 0 ? ` Access returns in about ${minutes} min;` : '') + ' run again later with --resume.';
  }
  if (error.is_transient || error.status >= 500) {
    return `Graph kept failing with a temporary error after every retry: ${detail}. Run again later with --resume.`;
  }
  return `Graph API error: ${detail}`;
}

function graphDetail(error: GraphApiError): string {
  const code = error.subcode === undefined ? `code ${error.code}` : `code ${error.code}/${error.subcode}`;
  const trace = error.fbtrace_id === undefined ? '' : `, fbtrace_id ${error.fbtrace_id}`;
  return `"${error.message}" (${code}${trace})`;
}
