/**
 * Extension points of the request pipeline, so that rate limits, fault injection and the journal
 * plug in without the pipeline knowing them. A `before` hook may throw a GraphError (the call is
 * answered with it) or return a RawResponse / a `drop` to answer instead of the handler.
 */
import type { GraphContext } from './context.js';
import type { RawResponse } from './context.js';

export type BeforeResult = void | RawResponse | { drop: true } | { delayMs: number };

export interface GraphHooks {
  before: Array<(ctx: GraphContext) => Promise<BeforeResult>>;
  /** Called with every finished call (status, error code), e.g. for usage headers. */
  after: Array<(ctx: GraphContext, outcome: { status: number; errorCode?: number }) => Promise<void>>;
}

export function emptyHooks(): GraphHooks {
  return { before: [], after: [] };
}
