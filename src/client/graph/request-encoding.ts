/**
 * How parameters travel: query string for GET, JSON body for POST and DELETE.
 * Graph accepts JSON bodies on DELETE (spec/custom-audience-users.md §1.1:
 * Meta's own uploader sends them), and a body avoids the URL-length failures
 * that break large deletes sent in the query (§1.1, "Long DELETE query strings break").
 */

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export type ParamValue = string | number | boolean | null | undefined | object;
export type Params = Readonly<Record<string, ParamValue>>;

/**
 * A query-string value: strings as they are, numbers and booleans as text,
 * lists and objects as JSON (Graph's convention for complex parameters,
 * spec/graph-api-core.md §3.9). null and undefined are left out.
 */
export function queryValue(value: ParamValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function appendQuery(url: URL, params: Params): void {
  for (const [key, value] of Object.entries(params)) {
    const text = queryValue(value);
    if (text !== undefined) url.searchParams.set(key, text);
  }
}

/** Form encoding (batch operation bodies): like the query string. */
export function formEncode(params: Params): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    const text = queryValue(value);
    if (text !== undefined) form.set(key, text);
  }
  return form.toString();
}

/** JSON body without undefined members (JSON.stringify drops them anyway; this keeps the intent visible). */
export function jsonBody(params: Params): string {
  return JSON.stringify(params);
}
