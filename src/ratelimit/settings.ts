/**
 * Rate-limit budgets: the documented ones by default (spec/graph-api-core.md §8,
 * spec/custom-audience-users.md §5.4), each configurable or off through the control surface.
 * Budgets Meta does not disclose (the per-user quota, custom 613 limits) carry a chosen default
 * recorded in docs/decisions/012-rate-limit-budgets.md.
 */
export type AccessTier = 'development_access' | 'standard_access';

export interface CustomLimitRule {
  /** Path pattern after the version, `*` matching within a segment and `**` across: `/*​/users`. */
  path: string;
  method?: 'GET' | 'POST' | 'DELETE';
  app?: string;
  /** Calls allowed per window, per app and caller (person, or the app for app tokens). */
  limit: number;
  window_seconds: number;
  /** Optional subcode on the 613 answer (e.g. 1996 "inconsistent request volume"). */
  subcode?: number;
}

export interface UseCaseBudget {
  /** Base budget per rolling hour on the development tier / standard tier. */
  development: number;
  standard: number;
  /** Added per active object (custom audiences for custom_audience, ads for the ads types). */
  per_active: number;
  /** Upper bound, if any ("No more than 700000"). */
  cap?: number;
}

export interface AppOverride {
  /** Calls per rolling hour for this app, replacing 200 × daily users. */
  calls_per_hour?: number;
  tier?: AccessTier;
}

export interface RateLimitSettings {
  enabled: boolean;
  window_seconds: number;
  app: {
    enabled: boolean;
    /** "Calls within one hour = 200 * Number of Users". */
    calls_per_user: number;
    /** Wall-time and CPU-time budgets per budgeted call, for `total_time` / `total_cputime`. */
    time_ms_per_call: number;
    cputime_ms_per_call: number;
  };
  user: { enabled: boolean; calls_per_window: number };
  custom: CustomLimitRule[];
  business_use_case: {
    enabled: boolean;
    custom_audience: UseCaseBudget;
    ads_management: UseCaseBudget;
    ads_insights: UseCaseBudget;
    time_ms_per_call: number;
    cputime_ms_per_call: number;
  };
  apps: Record<string, AppOverride>;
  /** Per ad account (id without `act_`) budget overrides, by use case. */
  ad_accounts: Record<string, Partial<Record<'custom_audience' | 'ads_management' | 'ads_insights', number>>>;
}

export function defaultSettings(enabled: boolean): RateLimitSettings {
  return {
    enabled,
    window_seconds: 3600,
    app: { enabled: true, calls_per_user: 200, time_ms_per_call: 1000, cputime_ms_per_call: 500 },
    user: { enabled: true, calls_per_window: 4800 },
    custom: [],
    business_use_case: {
      enabled: true,
      custom_audience: { development: 5000, standard: 190000, per_active: 40, cap: 700000 },
      ads_management: { development: 300, standard: 100000, per_active: 40 },
      ads_insights: { development: 600, standard: 190000, per_active: 400 },
      time_ms_per_call: 1000,
      cputime_ms_per_call: 500,
    },
    apps: {},
    ad_accounts: {},
  };
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Merges a partial settings document into the current one (deep for objects, replacing for
 * arrays), checking types so a typo is reported rather than silently ignored.
 */
export function mergeSettings(current: RateLimitSettings, patch: unknown): RateLimitSettings {
  if (!isObj(patch)) throw new Error('the body must be a JSON object');
  const merged = deepMerge(current as unknown as Json, patch, '') as unknown as RateLimitSettings;
  for (const [i, r] of merged.custom.entries()) {
    if (!isObj(r) || typeof r.path !== 'string' || typeof r.limit !== 'number' || typeof r.window_seconds !== 'number') {
      throw new Error(`custom[${i}] needs path (string), limit (number) and window_seconds (number)`);
    }
  }
  for (const [id, o] of Object.entries(merged.apps)) {
    if (o.tier !== undefined && o.tier !== 'development_access' && o.tier !== 'standard_access') {
      throw new Error(`apps.${id}.tier must be development_access or standard_access`);
    }
  }
  return merged;
}

/** Maps keyed by ids (apps, ad_accounts) take new keys and `null` to drop one; elsewhere an unknown key is a mistake. */
function isOpen(path: string): boolean {
  return path === 'apps' || path === 'ad_accounts' || path.startsWith('apps.') || path.startsWith('ad_accounts.');
}

function deepMerge(base: Json, patch: Json, path: string): Json {
  const out: Json = { ...base };
  const open = isOpen(path);
  for (const [k, v] of Object.entries(patch)) {
    const here = path ? `${path}.${k}` : k;
    if (v === null && open) {
      delete out[k];
      continue;
    }
    const b = base[k];
    if (b === undefined) {
      if (!open) throw new Error(`unknown setting ${here}`);
      out[k] = v;
    } else if (isObj(b) && isObj(v)) out[k] = deepMerge(b, v, here);
    else if (Array.isArray(b) !== Array.isArray(v) || typeof b !== typeof v) {
      throw new Error(`${here} must be a ${Array.isArray(b) ? 'list' : typeof b}`);
    } else out[k] = v;
  }
  return out;
}
