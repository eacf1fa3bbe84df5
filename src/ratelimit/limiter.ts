/**
 * The rate-limit interface the rest of the server sees. The platform limits (app, user) are
 * charged by a pipeline hook; business-use-case limits are charged by the handlers that know the
 * ad account (`chargeBusinessUseCase`). The default is a limiter that never throttles; the real
 * one (ratelimit/) replaces it at start-up.
 */
import type { GraphContext } from '../graph/context.js';

export type BusinessUseCase = 'custom_audience' | 'ads_management' | 'ads_insights';

export interface RateLimiter {
  /**
   * Counts one call against the ad account's business-use-case budget; throws the real 80003 /
   * 80004 GraphError when exceeded, and sets `x-business-use-case-usage` on `ctx.responseHeaders`.
   */
  chargeBusinessUseCase(ctx: GraphContext, adAccountId: string, useCase: BusinessUseCase): Promise<void>;
}

export const NO_LIMITS: RateLimiter = {
  async chargeBusinessUseCase() {},
};
