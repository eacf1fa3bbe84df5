/**
 * Fault rules: which calls fail (path pattern, method, app, ad account), when (the next N
 * matching calls, a seeded probability, a window on the server clock) and how (an error from the
 * catalogue, added latency, the HTML error page, a dropped connection, or the request-line limit).
 * Parsing turns the control surface's JSON into a rule or a message naming what is wrong.
 */
import { CATALOGUE } from '../graph/errors/catalogue.js';
import type { GraphErrorType } from '../graph/errors/graph-error.js';
import { compilePathPattern, type PathMatcher } from './path-pattern.js';
import type { FaultErrorSpec } from './errors.js';

export const FAULT_KINDS = ['error', 'latency', 'html_500', 'drop', 'url_limit'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Default for the "real URL limit" profile: facebook-python-business-sdk#717 (2025) saw 250
 * SHA-256 rows pass and 300 fail in a DELETE's query string, about 20 KB and 24 KB of URL.
 */
export const DEFAULT_URL_LIMIT_BYTES = 22_000;

export interface FaultRule {
  id: string;
  fault: FaultKind;
  path?: string;
  method?: 'GET' | 'POST' | 'DELETE';
  app?: string;
  ad_account?: string;
  /** Fire for the next N matching calls only. */
  times?: number;
  probability?: number;
  seed?: number;
  /** Unix seconds on the server clock. */
  from?: number;
  until?: number;
  error?: FaultErrorSpec;
  latency_ms?: number;
  /** HTTP status of the HTML page (500 by default; 400 for the URL limit). */
  status?: number;
  max_bytes?: number;
  /** URL limit: beyond this many bytes the connection is cut instead (the broken pipe of #279). */
  drop_over_bytes?: number;
  created_at: number;
  /** Calls that matched the filters, and calls it actually changed. */
  matched: number;
  fired: number;
}

export interface CompiledRule {
  rule: FaultRule;
  pathMatch?: PathMatcher;
  /** Next draw in [0, 1) of the rule's own seeded generator. */
  draw: () => number;
}

/** mulberry32: small, fast and good enough for repeatable coin flips. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, unknown>;

export class RuleError extends Error {}

function when(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.floor(v);
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new RuleError(`${name} must be unix seconds or an ISO date`);
}

function int(v: unknown, name: string, min: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RuleError(`${name} must be an integer >= ${min}`);
  return v;
}

function str(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw new RuleError(`${name} must be a non-empty string`);
  return v;
}

const KNOWN_KEYS = new Set([
  'id', 'fault', 'profile', 'path', 'method', 'app', 'ad_account', 'times', 'probability', 'seed', 'from', 'until',
  'duration_seconds', 'error', 'code', 'subcode', 'message', 'latency_ms', 'status', 'max_bytes', 'drop_over_bytes',
]);
const ERROR_TYPES: GraphErrorType[] = ['OAuthException', 'GraphMethodException', 'FacebookApiException', 'Exception'];

/**
 * One rule from its JSON. Shorthands: `{"code":4}` is `{"fault":"error","error":{"code":4}}`;
 * `{"profile":"real_url_limit"}` is a URL-limit rule; `duration_seconds` sets `until` from now.
 */
export function parseRule(input: unknown, id: string, nowSeconds: number): FaultRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new RuleError('a rule must be a JSON object');
  const o = input as Json;
  for (const k of Object.keys(o)) if (!KNOWN_KEYS.has(k)) throw new RuleError(`unknown rule key "${k}"`);
  let fault = o.fault as string | undefined;
  if (o.profile !== undefined) {
    if (o.profile !== 'real_url_limit') throw new RuleError('profile must be "real_url_limit"');
    fault = 'url_limit';
  }
  if (fault === undefined && (o.error !== undefined || o.code !== undefined)) fault = 'error';
  if (fault === undefined && o.latency_ms !== undefined) fault = 'latency';
  if (!fault || !(FAULT_KINDS as readonly string[]).includes(fault)) throw new RuleError(`fault must be one of ${FAULT_KINDS.join(', ')}`);
  const method = str(o.method, 'method')?.toUpperCase();
  if (method !== undefined && method !== 'GET' && method !== 'POST' && method !== 'DELETE') throw new RuleError('method must be GET, POST or DELETE');
  const probability = o.probability;
  if (probability !== undefined && (typeof probability !== 'number' || probability < 0 || probability > 1)) {
    throw new RuleError('probability must be a number from 0 to 1');
  }
  const rule: FaultRule = {
    id,
    fault: fault as FaultKind,
    path: str(o.path, 'path'),
    method: method as FaultRule['method'],
    app: str(o.app, 'app'),
    ad_account: str(o.ad_account, 'ad_account')?.replace(/^act_/, ''),
    times: int(o.times, 'times', 1),
    probability: probability as number | undefined,
    seed: int(o.seed, 'seed', 0),
    from: when(o.from, 'from'),
    until: when(o.until, 'until'),
    created_at: nowSeconds,
    matched: 0,
    fired: 0,
  };
  const duration = int(o.duration_seconds, 'duration_seconds', 1);
  if (duration !== undefined) {
    rule.from ??= nowSeconds;
    rule.until = rule.from + duration;
  }
  if (rule.path) {
    try {
      compilePathPattern(rule.path);
    } catch {
      throw new RuleError(`path "${rule.path}" is not a valid pattern`);
    }
  }
  if (rule.fault === 'error') {
    const e = (o.error ?? { code: o.code, subcode: o.subcode, message: o.message }) as Json;
    if (typeof e !== 'object' || e === null) throw new RuleError('error must be an object like {"code":4}');
    const code = int(e.code, 'error.code', 1);
    if (code === undefined) throw new RuleError(`error.code is required (catalogue codes: ${Object.keys(CATALOGUE).join(', ')}, and 80000)`);
    const type = e.type as GraphErrorType | undefined;
    if (type !== undefined && !ERROR_TYPES.includes(type)) throw new RuleError(`error.type must be one of ${ERROR_TYPES.join(', ')}`);
    rule.error = {
      code,
      subcode: int(e.subcode, 'error.subcode', 1),
      message: str(e.message, 'error.message'),
      type,
      status: int(e.status, 'error.status', 100),
      is_transient: typeof e.is_transient === 'boolean' ? e.is_transient : undefined,
      user_title: str(e.user_title, 'error.user_title'),
      user_msg: str(e.user_msg, 'error.user_msg'),
    };
  }
  if (rule.fault === 'latency') {
    rule.latency_ms = int(o.latency_ms, 'latency_ms', 0);
    if (rule.latency_ms === undefined) throw new RuleError('latency_ms is required for a latency fault');
    if (rule.latency_ms > 600_000) throw new RuleError('latency_ms must be at most 600000');
  }
  if (rule.fault === 'html_500') rule.status = int(o.status, 'status', 100) ?? 500;
  if (rule.fault === 'url_limit') {
    rule.max_bytes = int(o.max_bytes, 'max_bytes', 1) ?? DEFAULT_URL_LIMIT_BYTES;
    rule.status = int(o.status, 'status', 100) ?? 400;
    rule.drop_over_bytes = int(o.drop_over_bytes, 'drop_over_bytes', 1);
  }
  return rule;
}

export function compileRule(rule: FaultRule): CompiledRule {
  return {
    rule,
    pathMatch: rule.path ? compilePathPattern(rule.path) : undefined,
    draw: seededRandom(rule.seed ?? hashId(rule.id)),
  };
}

function hashId(id: string): number {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** What a call looks like to the rules. */
export interface CallFacts {
  path: string;
  method: string;
  appId?: string;
  /** Resolved lazily: only rules filtering by ad account pay for the lookup. */
  adAccount: () => Promise<string | undefined>;
  nowSeconds: number;
}

/** Whether the filters and the time window admit this call (counting is the engine's job). */
export async function admits(c: CompiledRule, f: CallFacts): Promise<boolean> {
  const r = c.rule;
  if (r.times !== undefined && r.fired >= r.times) return false;
  if (r.from !== undefined && f.nowSeconds < r.from) return false;
  if (r.until !== undefined && f.nowSeconds >= r.until) return false;
  if (r.method && r.method !== f.method) return false;
  if (r.app && r.app !== f.appId) return false;
  if (c.pathMatch && !c.pathMatch(f.path)) return false;
  if (r.ad_account && r.ad_account !== (await f.adAccount())) return false;
  return true;
}
