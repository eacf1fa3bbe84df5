/**
 * Rate-limit usage headers (spec/graph-api-core.md §2.2, §8). Field names are
 * kept as Graph sends them. Absent or unparsable headers are left undefined:
 * Graph only sends them "once enough calls have been made".
 */

/** `x-app-usage`: percentages (0–100) of the app's rolling-hour budget. */
export interface AppUsage {
  readonly call_count: number;
  readonly total_cputime: number;
  readonly total_time: number;
}

/** One entry of `x-business-use-case-usage`. */
export interface BusinessUseCaseUsage {
  readonly type: string;
  readonly call_count: number;
  readonly total_cputime: number;
  readonly total_time: number;
  /** Minutes until calls are accepted again; > 0 while throttled. */
  readonly estimated_time_to_regain_access: number;
  readonly ads_api_access_tier?: string;
}

/** `x-ad-account-usage`. */
export interface AdAccountUsage {
  readonly acc_id_util_pct: number;
  /** Seconds. */
  readonly reset_time_duration?: number;
  readonly ads_api_access_tier?: string;
}

export interface UsageHeaders {
  readonly app?: AppUsage;
  /** Keyed by business object id (an ad account id without `act_`). */
  readonly businessUseCase?: Readonly<Record<string, readonly BusinessUseCaseUsage[]>>;
  readonly adAccount?: AdAccountUsage;
}

interface HeaderSource {
  get(name: string): string | null;
}

export function parseUsageHeaders(headers: HeaderSource): UsageHeaders {
  const app = parseObject(headers.get('x-app-usage'));
  const buc = parseObject(headers.get('x-business-use-case-usage'));
  const adAccount = parseObject(headers.get('x-ad-account-usage'));
  // The casts trust Graph's documented shapes; readers such as
  // regainAccessMinutes still check each number before using it.
  return {
    ...(app !== undefined && { app: app as unknown as AppUsage }),
    ...(buc !== undefined && { businessUseCase: buc as unknown as Record<string, BusinessUseCaseUsage[]> }),
    ...(adAccount !== undefined && { adAccount: adAccount as unknown as AdAccountUsage }),
  };
}

/**
 * The longest `estimated_time_to_regain_access` (minutes) across all
 * business-use-case entries, 0 when none is throttled.
 */
export function regainAccessMinutes(usage: UsageHeaders): number {
  let minutes = 0;
  for (const entries of Object.values(usage.businessUseCase ?? {})) {
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      const value = Number(entry?.estimated_time_to_regain_access);
      if (Number.isFinite(value) && value > minutes) minutes = value;
    }
  }
  return minutes;
}

// The header values are JSON objects; anything else is ignored rather than
// failing the call, since usage reporting must never break a request.
function parseObject(text: string | null): Record<string, unknown> | undefined {
  if (text === null || text === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
