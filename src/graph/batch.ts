/**
 * Batch requests (`POST /` or `/vX.Y` with `batch=[…]`): up to 50 operations, each run through the
 * same pipeline as a single call (so each counts for rate limits), with `name`, `depends_on`,
 * JSONPath references `{result=name:$.path}`, `omit_response_on_success` and `include_headers`.
 */
import type { Services } from '../server/services.js';
import type { GraphContext } from './context.js';
import { invalidParameter, tokenRequired } from './errors/catalogue.js';
import { decodeJsonValue, parseForm, type ParamMap } from './params.js';
import { runGraphCall } from './pipeline.js';

export const MAX_BATCH = 50;

interface BatchOp {
  method?: string;
  relative_url?: string;
  body?: unknown;
  name?: string;
  depends_on?: string;
  omit_response_on_success?: boolean | string;
  headers?: unknown;
}

export interface BatchItem {
  code: number;
  headers?: Array<{ name: string; value: string }>;
  body: string;
}

const REF = /\{result=([^:}]+):([^}]*)\}/g;

/** A small JSONPath: `$.a.b`, `$.data[0].id`, `$.data.*.id`. Arrays of results join with commas. */
export function jsonPath(root: unknown, path: string): unknown[] {
  const tokens = path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+|\*)\]/g, '.$1')
    .split('.')
    .filter((t) => t.length > 0);
  let current: unknown[] = [root];
  for (const t of tokens) {
    const next: unknown[] = [];
    for (const c of current) {
      if (c === null || typeof c !== 'object') continue;
      if (t === '*') next.push(...(Array.isArray(c) ? c : Object.values(c)));
      else if (Array.isArray(c) && /^\d+$/.test(t)) {
        if (c[Number(t)] !== undefined) next.push(c[Number(t)]);
      } else if ((c as Record<string, unknown>)[t] !== undefined) next.push((c as Record<string, unknown>)[t]);
    }
    current = next;
  }
  return current;
}

function substitute(text: string, results: Map<string, unknown>, used: Set<string>): string {
  return text.replace(REF, (_m, name: string, path: string) => {
    used.add(name);
    const r = results.get(name);
    if (r === undefined) return '';
    return jsonPath(r, path)
      .map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)))
      .join(',');
  });
}

export async function runBatch(ctx: GraphContext, services: Services): Promise<BatchItem[] | Array<BatchItem | null>> {
  const raw = decodeJsonValue(ctx.params.raw('batch'), 'batch');
  if (!Array.isArray(raw)) throw invalidParameter('The batch parameter must be a JSON array');
  if (raw.length > MAX_BATCH) throw invalidParameter(`Too many requests in batch message. Maximum batch size is ${MAX_BATCH}`);
  if (!ctx.token) throw tokenRequired();
  const includeHeaders = ctx.params.bool('include_headers') !== false;
  const ops = raw as BatchOp[];
  // Which named results later operations refer to: those are omitted on success unless asked.
  const referenced = new Set<string>();
  for (const op of ops) {
    const text = `${op.relative_url ?? ''} ${typeof op.body === 'string' ? op.body : JSON.stringify(op.body ?? '')}`;
    for (const m of text.matchAll(REF)) referenced.add(m[1]);
  }
  const results = new Map<string, unknown>();
  const failed = new Set<string>();
  const out: Array<BatchItem | null> = [];
  for (const op of ops) {
    if (!op || typeof op !== 'object') throw invalidParameter('Each batch operation must be an object');
    if (op.depends_on && failed.has(op.depends_on)) {
      if (op.name) failed.add(op.name);
      out.push(null);
      continue;
    }
    const used = new Set<string>();
    const rel = substitute(String(op.relative_url ?? ''), results, used).replace(/^\/+/, '');
    const qIndex = rel.indexOf('?');
    let pathname = '/' + (qIndex < 0 ? rel : rel.slice(0, qIndex)).replace(/\/+$/, '');
    const query = qIndex < 0 ? {} : parseForm(rel.slice(qIndex + 1));
    if (!/^\/v\d/.test(pathname) && ctx.versionInPath) pathname = `/${ctx.version.name}${pathname === '/' ? '' : pathname}`;
    let body: ParamMap = {};
    if (typeof op.body === 'string') body = parseForm(substitute(op.body, results, used));
    else if (op.body && typeof op.body === 'object') body = op.body as ParamMap;
    const headers: Record<string, string | undefined> = {};
    if (Array.isArray(op.headers)) {
      for (const h of op.headers as unknown[]) {
        if (typeof h === 'string') {
          const i = h.indexOf(':');
          if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
        } else if (h && typeof h === 'object') {
          const { name, value } = h as { name?: string; value?: string };
          if (name) headers[name.toLowerCase()] = value;
        }
      }
    }
    const res = await runGraphCall(
      {
        warnings: rawPlusWarnings(rel, op.body),
        method: String(op.method ?? 'GET').toUpperCase(),
        pathname: decodeURIComponent(pathname),
        query,
        body,
        sources: ['json'],
        files: ctx.files,
        headers,
        baseUrl: ctx.baseUrl,
        inBatch: true,
        fallbackToken: ctx.token,
      },
      services,
    );
    const ok = res.status >= 200 && res.status < 300 && res.errorCode === undefined;
    if (op.name) {
      if (ok) results.set(op.name, JSON.parse(res.body) as unknown);
      else failed.add(op.name);
    }
    const omitFlag = op.omit_response_on_success;
    const omit = ok && op.name !== undefined && referenced.has(op.name) && omitFlag !== false && omitFlag !== 'false';
    if (omit) {
      out.push(null);
      continue;
    }
    // Key order as the real answers have it: code, headers, body (restfb's recorded batch fixtures).
    const item: BatchItem = includeHeaders
      ? {
          code: res.status,
          headers: Object.entries(res.headers)
            .filter(([k]) => ['content-type', 'facebook-api-version', 'cache-control', 'www-authenticate', 'x-app-usage', 'etag', 'x-business-use-case-usage', 'location'].includes(k))
            .map(([name, value]) => ({ name: canonicalHeader(name), value })),
          body: res.body,
        }
      : { code: res.status, body: res.body };
    out.push(item);
  }
  return out;
}

function canonicalHeader(name: string): string {
  if (name === 'www-authenticate') return 'WWW-Authenticate';
  if (name === 'etag') return 'ETag';
  return name
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('-');
}

/**
 * Sub-bodies often arrive unencoded (the business SDK writes `payload={"schema":…}` as is). Graph
 * reads `+` as a space there, as in any form, so an unhashed email like `a+b@x.com` silently becomes
 * `a b@x.com`: worth a line in the journal, since nothing else will say so.
 */
function rawPlusWarnings(relativeUrl: string, body: unknown): string[] | undefined {
  const out: string[] = [];
  const q = relativeUrl.indexOf('?');
  if (q >= 0 && relativeUrl.includes('+', q)) out.push("relative_url has a raw '+' in its query, read as a space: send %2B if it is data");
  if (typeof body === 'string' && body.includes('+')) out.push("body has a raw '+', read as a space as Graph does: send %2B if it is data");
  return out.length > 0 ? out : undefined;
}
