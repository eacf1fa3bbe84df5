/**
 * The rate-limit interface the rest of the server sees. The platform limits (app, user) are
 * charged by a pipeline hook; business-use-case limits are charged by the handlers that know the
 * ad account (`chargeBusinessUseCase`). The default is a limiter that never throttles; the real
 * one (graph-limiter.ts) replaces it at start-up.
 */
import type { GraphContext } from '../graph/context.js';

export type BusinessUseCase = 'custom_audience' | 'ads_management' | 'ads_insights';

/** Which usage headers a charge sets (default: both, as on the real `/act_…/customaudiences` calls). */
export interface ChargeOptions {
  /**
   * `x-business-use-case-usage` and/or `x-ad-account-usage`. The real POST `/{audience}/users`
   * answered with `x-ad-account-usage` only (spec/custom-audience-users.md §5.4). A throttled call
   * (80003/80004) carries `x-business-use-case-usage` whatever is asked, for its wait time.
   */
  headers?: Array<'business_use_case' | 'ad_account'>;
}

export interface RateLimiter {
  /**
   * Counts one call against the ad account's business-use-case budget; throws the real 80003 /
   * 80004 GraphError when exceeded, and sets `x-business-use-case-usage` (keyed by the account id
   * without `act_`) and `x-ad-account-usage` on `ctx.responseHeaders`.
   */
  chargeBusinessUseCase(ctx: GraphContext, adAccountId: string, useCase: BusinessUseCase, options?: ChargeOptions): Promise<void>;
}

export const NO_LIMITS: RateLimiter = {
  async chargeBusinessUseCase() {},
};

/**
 * Budgets grow with active objects ("+ 40 * Number of Active custom audiences"). The domain that
 * owns them registers a counter under these names in `services.extensions`; absent, 0 is used.
 */
export const ACTIVE_CUSTOM_AUDIENCES = 'ratelimit.activeCustomAudiences';
export const ACTIVE_ADS = 'ratelimit.activeAds';
export type ActiveCounter = (adAccountId: string) => Promise<number>;
