/**
 * When and how long to retry a failed call. Shared by GraphClient and the
 * uploader so both treat Graph's failures the same way.
 *
 * Retryable: the server's `is_transient`, HTTP 5xx, network failures, and the
 * codes Graph uses for "try again later" — 1 unknown error, 2 service
 * unavailable, 4 app throttled, 17 user throttled, 32 page throttled, 341 app
 * limit, 613 custom rate limit, 80000–80014 business-use-case throttles
 * (80003 is the custom-audience one). RudderStack's Graph error map retries
 * the same set (spec/real-clients-and-anchors.md §2c).
 *
 * Delay: for a throttle carrying `estimated_time_to_regain_access` (minutes,
 * x-business-use-case-usage) exactly that long; otherwise exponential back-off
 * with "equal jitter" (half fixed, half random), so parallel uploaders that
 * failed together do not retry together.
 */
import { GraphApiError } from './graph-api-error.js';

export interface RetryOptions {
  /** Attempts in total, the first included. Default 5. */
  readonly maxAttempts?: number | undefined;
  /** Back-off before the 2nd attempt; doubles each time. Default 1 s. */
  readonly baseDelayMs?: number | undefined;
  /** Cap of one back-off step. Default 60 s. */
  readonly maxDelayMs?: number | undefined;
  /** Longest `estimated_time_to_regain_access` honoured; beyond it the error is final. Default 60 min. */
  readonly maxThrottleWaitMs?: number | undefined;
}

export interface RetryEvent {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: GraphApiError;
  /** True when the delay comes from `estimated_time_to_regain_access`. */
  readonly throttled: boolean;
}

export interface RetryRuntime {
  readonly sleep: (ms: number) => Promise<void>;
  /** In [0, 1). */
  readonly random: () => number;
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
}

const RETRYABLE_CODES: ReadonlySet<number> = new Set([1, 2, 4, 17, 32, 341, 613]);
const THROTTLE_CODES: ReadonlySet<number> = new Set([4, 17, 32, 613]);

export const DEFAULT_RETRY = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  maxThrottleWaitMs: 60 * 60_000,
} as const;

function isBusinessUseCaseThrottle(code: number): boolean {
  return code >= 80000 && code <= 80014;
}

/** Rate-limit errors (as opposed to failures). */
export function isThrottle(error: GraphApiError): boolean {
  return THROTTLE_CODES.has(error.code) || isBusinessUseCaseThrottle(error.code);
}

export function isRetryable(error: unknown): error is GraphApiError {
  if (!(error instanceof GraphApiError)) return false;
  return (
    error.is_transient ||
    error.kind === 'network' ||
    error.status >= 500 ||
    RETRYABLE_CODES.has(error.code) ||
    isBusinessUseCaseThrottle(error.code)
  );
}

/**
 * Delay before attempt `attempt + 1`, or undefined when the error should not
 * be retried any more.
 */
export function retryDelay(
  error: unknown,
  attempt: number,
  options: RetryOptions,
  random: () => number,
): { delayMs: number; throttled: boolean } | undefined {
  const maxAttempts = options.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  if (!isRetryable(error) || attempt >= maxAttempts) return undefined;
  const regainMs = error.estimated_time_to_regain_access * 60_000;
  if (regainMs > 0) {
    if (regainMs > (options.maxThrottleWaitMs ?? DEFAULT_RETRY.maxThrottleWaitMs)) return undefined;
    // A little jitter on top, so that clients released together do not all hit the reopened quota at once.
    return { delayMs: Math.round(regainMs + random() * 1_000), throttled: true };
  }
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const cap = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const step = Math.min(cap, base * 2 ** (attempt - 1));
  return { delayMs: Math.round(step / 2 + random() * (step / 2)), throttled: false };
}

/** Run `call` until it succeeds, the error is not retryable, or attempts run out. */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  options: RetryOptions,
  runtime: RetryRuntime,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      const next = retryDelay(error, attempt, options, runtime.random);
      if (next === undefined) throw error;
      // retryDelay only returns a delay for GraphApiErrors.
      runtime.onRetry?.({ attempt, delayMs: next.delayMs, error: error as GraphApiError, throttled: next.throttled });
      await runtime.sleep(next.delayMs);
    }
  }
}

export const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
