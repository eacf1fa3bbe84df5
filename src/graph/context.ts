/**
 * What every handler receives: one decoded Graph API call. The HTTP server builds it from a
 * socket; the batch endpoint builds one per operation; handlers never see Fastify.
 */
import type { FieldNode } from './fields/types.js';
import type { Params, ParamSource } from './params.js';
import type { VersionInfo } from './versions.js';
import type { Principal } from '../auth/principal.js';
import type { Services } from '../server/services.js';

export type GraphMethod = 'GET' | 'POST' | 'DELETE';

export interface DebugMessage {
  message: string;
  type: 'warning' | 'info';
  link?: string;
}

export interface GraphContext {
  method: GraphMethod;
  version: VersionInfo;
  /** Whether the path named a version (unversioned calls use the app's default). */
  versionInPath: boolean;
  /** Path segments after the version: `/v21.0/me/permissions` → ['me', 'permissions']. */
  path: string[];
  params: Params;
  paramSources: ParamSource[];
  files: Record<string, Buffer>;
  /** The access token as sent (query, body or Authorization header), if any. */
  token: string | undefined;
  /** Scheme and host the client came in on: paging links are built on it. */
  baseUrl: string;
  traceId: string;
  services: Services;
  /** Messages for `__debug__` when the request asked for `debug=`. */
  debugMessages: DebugMessage[];
  /** Extra response headers set by handlers or middleware (usage headers). */
  responseHeaders: Record<string, string>;
  /** Resolves the token once (throws 104/190 errors); cached. */
  auth(): Promise<Principal>;
  /** The token's principal if one was sent and is valid; undefined when no token was sent. */
  optionalAuth(): Promise<Principal | undefined>;
  /** The parsed `fields` parameter (undefined when absent), parsed once. */
  fields(): FieldNode[] | undefined;
  /** Set when this call is one operation of a batch. */
  inBatch: boolean;
  /** Set by fault injection when a rule shaped this answer: the rule's id, for the journal. */
  injected?: string;
}

/** A handler's answer: a JSON body, or a special response (the picture edge's 302). */
export type HandlerResult = unknown | RawResponse;

export class RawResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
    readonly body: string,
  ) {}
}
