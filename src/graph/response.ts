/**
 * Turns a handler's result or an error into the bytes and headers the real API sends: one place
 * for the error envelope, HTTP status per code, `WWW-Authenticate`, cache headers, trace ids,
 * `pretty` and `suppress_http_code`.
 */
import { GraphError } from './errors/graph-error.js';

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Error code and subcode when the answer is an error (for the journal and usage hooks). */
  errorCode?: number;
  errorSubcode?: number;
  /** Fault injection asked for the connection to be dropped without an answer. */
  drop?: boolean;
}

/** A stable server revision, as `x-fb-rev` carries one. */
export const FB_REV = '1018425713';

export const JSON_TYPE = 'application/json; charset=UTF-8';

export function baseHeaders(traceId: string, version: string): Record<string, string> {
  return {
    'content-type': JSON_TYPE,
    'facebook-api-version': version,
    'x-fb-trace-id': traceId,
    'x-fb-request-id': traceId.replace(/^A/, 'AQ'),
    'x-fb-rev': FB_REV,
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
    vary: 'Origin',
    'strict-transport-security': 'max-age=15552000; preload',
  };
}

export function serialise(body: unknown, pretty: boolean): string {
  return pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body);
}

/** The OAuth error word in `WWW-Authenticate` (spec/graph-api-core.md §1.4). */
function oauthWord(e: GraphError): string {
  if (e.code === 190) return 'invalid_token';
  if (e.code === 803) return 'not_found';
  if (e.code >= 200 && e.code <= 299) return 'insufficient_scope';
  return 'invalid_request';
}

export function errorResponse(e: GraphError, traceId: string, version: string, opts: { pretty: boolean; suppress: boolean }): GraphResponse {
  const headers = baseHeaders(traceId, version);
  headers['cache-control'] = 'no-store';
  headers['www-authenticate'] = `OAuth "Facebook Platform" "${oauthWord(e)}" "${e.message.replace(/"/g, '\\"')}"`;
  if (e.headers) Object.assign(headers, e.headers);
  return {
    status: opts.suppress ? 200 : e.status,
    headers,
    body: serialise(e.toEnvelope(traceId), opts.pretty),
    errorCode: e.code,
    errorSubcode: e.subcode,
  };
}

export function successResponse(body: unknown, traceId: string, version: string, opts: { pretty: boolean }): GraphResponse {
  const headers = baseHeaders(traceId, version);
  headers['cache-control'] = 'private, no-cache, no-store, must-revalidate';
  headers.pragma = 'no-cache';
  headers.expires = 'Sat, 01 Jan 2000 00:00:00 GMT';
  return { status: 200, headers, body: serialise(body, opts.pretty) };
}
