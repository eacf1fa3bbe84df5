/**
 * The fault engine: the rules the control surface installed, applied to Graph calls by a pipeline
 * `before` hook (errors, latency, the HTML page, dropped connections) and to raw requests by an
 * HTTP `onRequest` hook (the request-line limit, which the real front end applies before any
 * Graph processing). Rules live in memory, per process, in the order they were added; each counts
 * the calls it matched and the calls it changed.
 */
import { randomBytes } from 'node:crypto';
import { RawResponse, type GraphContext } from '../graph/context.js';
import type { BeforeResult } from '../graph/hooks.js';
import type { Clock } from '../server/clock.js';
import type { Store } from '../storage/store.js';
import { faultError } from './errors.js';
import { htmlHeaders, sorryPage } from './html-page.js';
import { rulePath } from './path-pattern.js';
import { admits, compileRule, parseRule, type CallFacts, type CompiledRule, type FaultRule } from './rules.js';

/**
 * Objects that belong to an ad account without naming it in the path (a custom audience): the
 * owning domain registers a lookup under this name in `services.extensions` so rules filtered by
 * `ad_account` see them too.
 */
export const AD_ACCOUNT_OF_OBJECT = 'faults.adAccountOfObject';
export type AdAccountOf = (objectId: string) => Promise<string | undefined>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface UrlLimitVerdict {
  rule: FaultRule;
  /** Answer with the HTML page, or cut the connection. */
  action: 'page' | 'drop';
  bytes: number;
}

export class FaultEngine {
  private compiled: CompiledRule[] = [];

  constructor(
    private readonly deps: { clock: Clock; store: Store; extensions: Map<string, unknown> },
  ) {}

  /** Parses and installs rules; all or none (a bad rule names itself by index). */
  add(inputs: unknown[]): FaultRule[] {
    const now = this.deps.clock.nowSeconds();
    const rules = inputs.map((input, i) => {
      try {
        const given = (input as { id?: unknown } | null)?.id;
        const id = typeof given === 'string' && given.length > 0 ? given : 'fault_' + randomBytes(6).toString('hex');
        if (this.compiled.some((c) => c.rule.id === id)) throw new Error(`a rule with id "${id}" already exists`);
        return parseRule(input, id, now);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new Error(inputs.length > 1 ? `rule ${i}: ${msg}` : msg);
      }
    });
    this.compiled.push(...rules.map(compileRule));
    return rules;
  }

  list(): FaultRule[] {
    const now = this.deps.clock.nowSeconds();
    return this.compiled.map((c) => ({ ...c.rule, active: isActive(c.rule, now) }));
  }

  get(id: string): FaultRule | undefined {
    return this.compiled.find((c) => c.rule.id === id)?.rule;
  }

  remove(id: string): boolean {
    const before = this.compiled.length;
    this.compiled = this.compiled.filter((c) => c.rule.id !== id);
    return this.compiled.length < before;
  }

  clear(): void {
    this.compiled = [];
  }

  get size(): number {
    return this.compiled.length;
  }

  /** The `before` hook: the first rule that answers wins; latency rules add up on the way. */
  async beforeCall(ctx: GraphContext): Promise<BeforeResult> {
    if (this.compiled.length === 0) return;
    const p = await ctx.optionalAuth().catch(() => undefined);
    let account: Promise<string | undefined> | undefined;
    const facts: CallFacts = {
      path: rulePath(ctx.path),
      method: ctx.method,
      appId: p?.app.id,
      adAccount: () => (account ??= this.adAccountOf(ctx.path)),
      nowSeconds: this.deps.clock.nowSeconds(),
    };
    let delay = 0;
    for (const c of this.compiled) {
      const r = c.rule;
      if (r.fault === 'url_limit') continue;
      // A dropped connection is a whole-request event; inside a batch it has no meaning.
      if (r.fault === 'drop' && ctx.inBatch) continue;
      if (!(await admits(c, facts))) continue;
      r.matched++;
      if (r.probability !== undefined && c.draw() >= r.probability) continue;
      r.fired++;
      ctx.injected = r.id;
      if (r.fault === 'latency') {
        delay += r.latency_ms ?? 0;
        continue;
      }
      if (delay > 0) await sleep(delay);
      if (r.fault === 'error' && r.error) throw faultError(r.error, { nowMs: this.deps.clock.now(), appId: p?.app.id });
      if (r.fault === 'html_500') return new RawResponse(r.status ?? 500, htmlHeaders(), sorryPage());
      return { drop: true };
    }
    if (delay > 0) await sleep(delay);
  }

  /** For the HTTP hook: whether any request-line rule exists (the common case is none). */
  hasUrlLimits(): boolean {
    return this.compiled.some((c) => c.rule.fault === 'url_limit');
  }

  /** Checks a raw request against the request-line rules. */
  async checkRequestLine(method: string, rawUrl: string): Promise<UrlLimitVerdict | undefined> {
    const bytes = Buffer.byteLength(`${method} ${rawUrl} HTTP/1.1`, 'utf8');
    const qi = rawUrl.indexOf('?');
    let pathname = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    try {
      pathname = decodeURIComponent(pathname);
    } catch {
      // keep it encoded
    }
    const segments = pathname.split('/').filter((s) => s.length > 0);
    if (segments.length > 0 && /^v\d+\.\d+$/.test(segments[0])) segments.shift();
    const override = qi < 0 ? null : new URLSearchParams(rawUrl.slice(qi + 1)).get('method');
    const m = (override ?? method).toUpperCase();
    let appId: Promise<string | undefined> | undefined;
    let account: Promise<string | undefined> | undefined;
    for (const c of this.compiled) {
      const r = c.rule;
      if (r.fault !== 'url_limit') continue;
      const facts: CallFacts = {
        path: rulePath(segments),
        method: m === 'GET' || m === 'HEAD' ? 'GET' : m === 'DELETE' ? 'DELETE' : 'POST',
        appId: r.app ? await (appId ??= this.appOfUrl(rawUrl)) : undefined,
        adAccount: () => (account ??= this.adAccountOf(segments)),
        nowSeconds: this.deps.clock.nowSeconds(),
      };
      if (!(await admits(c, facts))) continue;
      r.matched++;
      if (bytes <= (r.max_bytes ?? Infinity)) continue;
      if (r.probability !== undefined && c.draw() >= r.probability) continue;
      r.fired++;
      const drop = r.drop_over_bytes !== undefined && bytes > r.drop_over_bytes;
      return { rule: r, action: drop ? 'drop' : 'page', bytes };
    }
    return undefined;
  }

  private async appOfUrl(rawUrl: string): Promise<string | undefined> {
    const qi = rawUrl.indexOf('?');
    const token = qi < 0 ? null : new URLSearchParams(rawUrl.slice(qi + 1)).get('access_token');
    if (!token) return undefined;
    const m = /^(\d+)\|/.exec(token);
    if (m) return m[1];
    return (await this.deps.store.world.getToken(token))?.app_id;
  }

  private async adAccountOf(segments: string[]): Promise<string | undefined> {
    for (const s of segments) {
      const m = /^act_(\d+)$/.exec(s);
      if (m) return m[1];
    }
    const lookup = this.deps.extensions.get(AD_ACCOUNT_OF_OBJECT) as AdAccountOf | undefined;
    if (typeof lookup === 'function' && segments[0]) {
      const found = await lookup(segments[0]).catch(() => undefined);
      return found?.replace(/^act_/, '');
    }
    return undefined;
  }
}

function isActive(r: FaultRule, now: number): boolean {
  if (r.times !== undefined && r.fired >= r.times) return false;
  if (r.until !== undefined && now >= r.until) return false;
  return true;
}

/** Where the running server keeps its engine (`services.extensions`). */
export const FAULT_ENGINE = 'faults.engine';
