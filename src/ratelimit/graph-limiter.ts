/**
 * The real limiter: platform limits charged on every call by a pipeline hook (app: code 4 at
 * 100 % of `200 × users` calls per rolling hour, with `x-app-usage`; user: 17; custom: 613) and
 * business-use-case limits charged by handlers (80003 / 80004 / 80000 with subcode 2446079,
 * `x-business-use-case-usage`, `x-ad-account-usage`). Counts live in a CounterStore and windows
 * slide on the server clock, so tests move the clock instead of sleeping.
 */
import {
  adsManagementRateLimited,
  appRateLimited,
  catalogueError,
  customAudienceRateLimited,
  userRateLimited,
} from '../graph/errors/catalogue.js';
import type { GraphError } from '../graph/errors/graph-error.js';
import type { GraphContext } from '../graph/context.js';
import type { Clock } from '../server/clock.js';
import type { Store } from '../storage/store.js';
import type { App } from '../storage/world.js';
import { compilePathPattern, rulePath, type PathMatcher } from '../faults/path-pattern.js';
import type { CounterStore, WindowState } from './counter-store.js';
import {
  ACTIVE_ADS,
  ACTIVE_CUSTOM_AUDIENCES,
  type ActiveCounter,
  type BusinessUseCase,
  type ChargeOptions,
  type RateLimiter,
} from './limiter.js';
import type { AccessTier, CustomLimitRule, RateLimitSettings } from './settings.js';

const RATE_LIMIT_DOC = 'https://developers.facebook.com/docs/graph-api/overview/rate-limiting';

export interface AppUsage {
  call_count: number;
  total_cputime: number;
  total_time: number;
}

export interface BucEntry {
  type: BusinessUseCase;
  call_count: number;
  total_cputime: number;
  total_time: number;
  estimated_time_to_regain_access: number;
  ads_api_access_tier?: AccessTier;
}

interface BucCharge {
  account: string;
  useCase: BusinessUseCase;
  budget: number;
  calls: number;
  tier: AccessTier;
  headers: Set<'business_use_case' | 'ad_account'>;
}

interface CallRecord {
  t0: number;
  cpu0: NodeJS.CpuUsage;
  appId?: string;
  appBudget?: number;
  appCalls?: number;
  buc: BucCharge[];
  /** The batch wrapper call: its operations are charged, not it. */
  wrapper: boolean;
}

export interface LimiterDeps {
  store: Store;
  clock: Clock;
  extensions: Map<string, unknown>;
}

const pct = (used: number, budget: number): number => (budget <= 0 ? 100 : Math.floor((used * 100) / budget));

function bucError(useCase: BusinessUseCase): GraphError {
  if (useCase === 'custom_audience') return customAudienceRateLimited();
  if (useCase === 'ads_management') return adsManagementRateLimited();
  return catalogueError(
    80000,
    2446079,
    `(#80000) There have been too many calls from this ad-account. Wait a bit and try again. For more info, please refer to ${RATE_LIMIT_DOC}.`,
  );
}

export class GraphRateLimiter implements RateLimiter {
  private current: RateLimitSettings;
  private custom: Array<{ rule: CustomLimitRule; match: PathMatcher }> = [];
  private readonly calls = new WeakMap<GraphContext, CallRecord>();

  constructor(
    private readonly deps: LimiterDeps,
    readonly counters: CounterStore,
    settings: RateLimitSettings,
  ) {
    this.current = settings;
    this.settings = settings;
  }

  get settings(): RateLimitSettings {
    return this.current;
  }
  set settings(s: RateLimitSettings) {
    this.current = s;
    this.custom = s.custom.map((rule) => ({ rule, match: compilePathPattern(rule.path) }));
  }

  private get windowMs(): number {
    return this.current.window_seconds * 1000;
  }

  appBudget(app: App): number {
    const o = this.current.apps[app.id];
    if (o?.calls_per_hour !== undefined) return o.calls_per_hour;
    return this.current.app.calls_per_user * Math.max(1, app.daily_users);
  }

  tier(appId: string | undefined): AccessTier {
    return (appId && this.current.apps[appId]?.tier) || 'development_access';
  }

  private async appUsage(appId: string, budget: number, calls: number): Promise<AppUsage> {
    const now = this.deps.clock.now();
    const time = await this.counters.peek(`app:${appId}:time`, this.windowMs, now);
    const cpu = await this.counters.peek(`app:${appId}:cpu`, this.windowMs, now);
    return {
      call_count: pct(calls, budget),
      total_cputime: pct(cpu.total, budget * this.current.app.cputime_ms_per_call),
      total_time: pct(time.total, budget * this.current.app.time_ms_per_call),
    };
  }

  /** Platform limits for one call (the `before` hook). */
  async beforeCall(ctx: GraphContext): Promise<void> {
    const s = this.current;
    if (!s.enabled || !ctx.token) return;
    const record: CallRecord = { t0: performance.now(), cpu0: process.cpuUsage(), buc: [], wrapper: false };
    this.calls.set(ctx, record);
    const p = await ctx.auth();
    record.appId = p.app.id;
    if (ctx.path.length === 0 && ctx.params.has('batch') && !ctx.inBatch) {
      record.wrapper = true;
      return;
    }
    // Page and system-user tokens fall under business-use-case limits only.
    if (p.kind !== 'app' && p.kind !== 'user') return;
    const now = this.deps.clock.now();
    if (s.app.enabled) {
      const budget = this.appBudget(p.app);
      const calls = await this.counters.hit(`app:${p.app.id}:calls`, this.windowMs, now);
      record.appBudget = budget;
      record.appCalls = calls.total;
      const usage = await this.appUsage(p.app.id, budget, calls.total);
      ctx.responseHeaders['x-app-usage'] = JSON.stringify(usage);
      // Throttled calls still count: "continuing to make calls will continue to increase your call count".
      if (calls.total - 1 >= budget || usage.total_time >= 100 || usage.total_cputime >= 100) throw appRateLimited();
    }
    if (p.kind === 'user' && p.person && s.user.enabled) {
      const st = await this.counters.hit(`user:${p.person.id}:calls`, this.windowMs, now);
      if (st.total - 1 >= s.user.calls_per_window) throw userRateLimited();
    }
    const path = rulePath(ctx.path);
    for (const [i, { rule, match }] of this.custom.entries()) {
      if (rule.method && rule.method !== ctx.method) continue;
      if (rule.app && rule.app !== p.app.id) continue;
      if (!match(path)) continue;
      const subject = p.person?.id ?? 'app';
      const st = await this.counters.hit(`custom:${i}:${p.app.id}:${subject}`, rule.window_seconds * 1000, now);
      if (st.total - 1 >= rule.limit) throw catalogueError(613, rule.subcode, 'Calls to this api have exceeded the rate limit.');
    }
  }

  /** Time accounting once the call is answered (the `after` hook), and the final usage headers. */
  async afterCall(ctx: GraphContext): Promise<void> {
    const record = this.calls.get(ctx);
    if (!record) return;
    this.calls.delete(ctx);
    const now = this.deps.clock.now();
    const elapsed = Math.max(0, performance.now() - record.t0);
    const cpuDelta = process.cpuUsage(record.cpu0);
    // Process CPU during the call, never more than its wall time (other calls share the process).
    const cpu = Math.min(elapsed, (cpuDelta.user + cpuDelta.system) / 1000);
    if (record.wrapper) {
      if (!record.appId || !this.current.app.enabled) return;
      const app = await this.deps.store.world.getApp(record.appId);
      if (!app) return;
      const p = await ctx.optionalAuth().catch(() => undefined);
      if (p?.kind !== 'app' && p?.kind !== 'user') return;
      const budget = this.appBudget(app);
      const calls = await this.counters.peek(`app:${app.id}:calls`, this.windowMs, now);
      ctx.responseHeaders['x-app-usage'] = JSON.stringify(await this.appUsage(app.id, budget, calls.total));
      return;
    }
    if (record.appId && record.appBudget !== undefined && record.appCalls !== undefined) {
      const time = await this.counters.hit(`app:${record.appId}:time`, this.windowMs, now, elapsed);
      const cpuState = await this.counters.hit(`app:${record.appId}:cpu`, this.windowMs, now, cpu);
      const budget = record.appBudget;
      const usage: AppUsage = {
        call_count: pct(record.appCalls, budget),
        total_cputime: pct(cpuState.total, budget * this.current.app.cputime_ms_per_call),
        total_time: pct(time.total, budget * this.current.app.time_ms_per_call),
      };
      ctx.responseHeaders['x-app-usage'] = JSON.stringify(usage);
    }
    if (record.buc.length > 0) {
      for (const c of record.buc) {
        await this.counters.hit(`buc:${c.account}:${c.useCase}:time`, this.windowMs, now, elapsed);
        await this.counters.hit(`buc:${c.account}:${c.useCase}:cpu`, this.windowMs, now, cpu);
      }
      await this.renderBucHeaders(ctx, record.buc);
    }
  }

  async chargeBusinessUseCase(ctx: GraphContext, adAccountId: string, useCase: BusinessUseCase, options?: ChargeOptions): Promise<void> {
    const s = this.current;
    if (!s.enabled || !s.business_use_case.enabled) return;
    const account = adAccountId.replace(/^act_/, '');
    const p = await ctx.optionalAuth().catch(() => undefined);
    const tier = this.tier(p?.app.id);
    const budget = await this.bucBudget(account, useCase, tier);
    const now = this.deps.clock.now();
    const calls = await this.counters.hit(`buc:${account}:${useCase}:calls`, this.windowMs, now);
    const charge: BucCharge = {
      account,
      useCase,
      budget,
      calls: calls.total,
      tier,
      headers: new Set(options?.headers ?? ['business_use_case', 'ad_account']),
    };
    let record = this.calls.get(ctx);
    if (!record) {
      record = { t0: performance.now(), cpu0: process.cpuUsage(), buc: [], wrapper: false };
      this.calls.set(ctx, record);
    }
    record.buc.push(charge);
    const throttled = calls.total - 1 >= budget;
    // A throttled call always says when access returns (`estimated_time_to_regain_access` lives in
    // x-business-use-case-usage), even where a successful one carries only x-ad-account-usage.
    if (throttled) charge.headers.add('business_use_case');
    await this.renderBucHeaders(ctx, record.buc, calls);
    if (throttled) throw bucError(useCase);
  }

  async bucBudget(account: string, useCase: BusinessUseCase, tier: AccessTier): Promise<number> {
    const override = this.current.ad_accounts[account]?.[useCase];
    if (override !== undefined) return override;
    const b = this.current.business_use_case[useCase];
    const counterName = useCase === 'custom_audience' ? ACTIVE_CUSTOM_AUDIENCES : ACTIVE_ADS;
    const counter = this.deps.extensions.get(counterName) as ActiveCounter | undefined;
    let active = 0;
    if (typeof counter === 'function') active = await counter(account).catch(() => 0);
    const base = tier === 'standard_access' ? b.standard : b.development;
    const total = base + b.per_active * active;
    return b.cap !== undefined ? Math.min(b.cap, total) : total;
  }

  /** One entry of `x-business-use-case-usage` for an account and use case. */
  async bucEntry(c: BucCharge, state?: WindowState): Promise<BucEntry> {
    const now = this.deps.clock.now();
    const calls = state ?? (await this.counters.peek(`buc:${c.account}:${c.useCase}:calls`, this.windowMs, now));
    const time = await this.counters.peek(`buc:${c.account}:${c.useCase}:time`, this.windowMs, now);
    const cpu = await this.counters.peek(`buc:${c.account}:${c.useCase}:cpu`, this.windowMs, now);
    const b = this.current.business_use_case;
    // Minutes until a new call would be admitted again: the window total must fall below the budget.
    const throttled = calls.total >= c.budget;
    const entry: BucEntry = {
      type: c.useCase,
      call_count: pct(calls.total, c.budget),
      total_cputime: pct(cpu.total, c.budget * b.cputime_ms_per_call),
      total_time: pct(time.total, c.budget * b.time_ms_per_call),
      estimated_time_to_regain_access: throttled ? Math.max(1, Math.ceil(calls.msUntil(c.budget - 1) / 60000)) : 0,
    };
    if (c.useCase !== 'custom_audience') entry.ads_api_access_tier = c.tier;
    return entry;
  }

  private async renderBucHeaders(ctx: GraphContext, charges: BucCharge[], latest?: WindowState): Promise<void> {
    const byAccount: Record<string, BucEntry[]> = {};
    const adAccount: Record<string, { pct: number; resetMs: number; tier: AccessTier }> = {};
    for (const [i, c] of charges.entries()) {
      const state = i === charges.length - 1 ? latest : undefined;
      const entry = await this.bucEntry(c, state);
      if (c.headers.has('business_use_case')) {
        const list = (byAccount[c.account] ??= []);
        const at = list.findIndex((e) => e.type === c.useCase);
        if (at >= 0) list[at] = entry;
        else list.push(entry);
      }
      if (c.headers.has('ad_account')) {
        const now = this.deps.clock.now();
        const calls = state ?? (await this.counters.peek(`buc:${c.account}:${c.useCase}:calls`, this.windowMs, now));
        const exact = c.budget <= 0 ? 100 : Math.round((calls.total * 10000) / c.budget) / 100;
        const resetMs = calls.total >= c.budget ? calls.msUntil(c.budget - 1) : calls.msUntilFirstExpiry;
        const prev = adAccount[c.account];
        if (!prev || exact >= prev.pct) adAccount[c.account] = { pct: exact, resetMs, tier: c.tier };
      }
    }
    if (Object.keys(byAccount).length > 0) ctx.responseHeaders['x-business-use-case-usage'] = JSON.stringify(byAccount);
    const accounts = Object.values(adAccount);
    if (accounts.length > 0) {
      // The header describes one account; a call touching several reports the busiest.
      const top = accounts.reduce((a, b) => (b.pct > a.pct ? b : a));
      ctx.responseHeaders['x-ad-account-usage'] = JSON.stringify({
        acc_id_util_pct: top.pct,
        reset_time_duration: Math.ceil(top.resetMs / 1000),
        ads_api_access_tier: top.tier,
      });
    }
  }

  // ---- control surface ----

  /** Usage of one app (percentages and raw counts), as the control surface shows it. */
  async appSnapshot(app: App): Promise<Record<string, unknown>> {
    const now = this.deps.clock.now();
    const budget = this.appBudget(app);
    const calls = await this.counters.peek(`app:${app.id}:calls`, this.windowMs, now);
    const usage = await this.appUsage(app.id, budget, calls.total);
    return {
      app: app.id,
      budget_calls_per_window: budget,
      calls: calls.total,
      x_app_usage: usage,
      throttled: calls.total >= budget || usage.total_time >= 100 || usage.total_cputime >= 100,
      seconds_until_oldest_call_expires: Math.ceil(calls.msUntilFirstExpiry / 1000),
    };
  }

  async accountSnapshot(account: string, appId?: string): Promise<Record<string, unknown>> {
    const tier = this.tier(appId);
    const out: Record<string, unknown> = { ad_account: account, tier };
    for (const useCase of ['custom_audience', 'ads_management', 'ads_insights'] as const) {
      const budget = await this.bucBudget(account, useCase, tier);
      const entry = await this.bucEntry({ account, useCase, budget, calls: 0, tier, headers: new Set() });
      const now = this.deps.clock.now();
      const calls = await this.counters.peek(`buc:${account}:${useCase}:calls`, this.windowMs, now);
      out[useCase] = { budget_calls_per_window: budget, calls: calls.total, usage: entry };
    }
    return out;
  }

  /** Pushes a counter to a share of its budget (to throttle an app or account without making the calls). */
  async fill(key: string, budget: number, percent: number): Promise<void> {
    const now = this.deps.clock.now();
    const st = await this.counters.peek(key, this.windowMs, now);
    const target = Math.ceil((budget * percent) / 100);
    if (target > st.total) await this.counters.hit(key, this.windowMs, now, target - st.total);
  }
}

/** Where the running server keeps its limiter (`services.extensions`). */
export const RATE_LIMITER = 'ratelimit.limiter';
