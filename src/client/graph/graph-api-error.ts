/**
 * The one error type of the client: every failed call, whether Graph answered
 * with its error envelope, with something that is not JSON (the HTML "Sorry,
 * something went wrong" page), or not at all (network), becomes a
 * GraphApiError. Wire field names are kept as Graph sends them.
 */
import type { UsageHeaders } from './usage-headers.js';
import { regainAccessMinutes } from './usage-headers.js';

/**
 * - `graph`: Graph's `{"error": {...}}` envelope;
 * - `http`: an error status with a body that is not the envelope (HTML, empty, truncated);
 * - `network`: no HTTP answer (DNS, refused, reset, timeout).
 */
export type GraphErrorKind = 'graph' | 'http' | 'network';

/** Graph's error envelope, `body.error` (spec/graph-api-core.md §1.1). */
export interface GraphErrorEnvelope {
  readonly message?: string;
  readonly type?: string;
  readonly code?: number;
  readonly error_subcode?: number;
  readonly is_transient?: boolean;
  readonly error_user_title?: string;
  readonly error_user_msg?: string;
  readonly error_data?: unknown;
  readonly fbtrace_id?: string;
}

export interface GraphApiErrorInit {
  readonly kind: GraphErrorKind;
  readonly message: string;
  readonly status: number;
  readonly method: string;
  /** Path only: never the query string, which may carry an access token. */
  readonly path: string;
  readonly envelope?: GraphErrorEnvelope | undefined;
  readonly usage?: UsageHeaders | undefined;
  readonly cause?: unknown;
}

export class GraphApiError extends Error {
  override readonly name = 'GraphApiError';
  readonly kind: GraphErrorKind;
  /** HTTP status; 0 when there was no answer. */
  readonly status: number;
  /** Graph error code. `http` errors use 1 ("An unknown error occurred"), `network` errors 0. */
  readonly code: number;
  readonly subcode: number | undefined;
  readonly type: string | undefined;
  /**
   * The server's `is_transient` when it sent one; otherwise true for network
   * failures and for non-envelope 5xx/429 answers, false for the rest.
   */
  readonly is_transient: boolean;
  readonly fbtrace_id: string | undefined;
  readonly error_user_title: string | undefined;
  readonly error_user_msg: string | undefined;
  readonly error_data: unknown;
  /** Parsed x-app-usage, x-business-use-case-usage and x-ad-account-usage of the failed response. */
  readonly usage: UsageHeaders;
  readonly method: string;
  readonly path: string;

  constructor(init: GraphApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    const e = init.envelope ?? {};
    this.kind = init.kind;
    this.status = init.status;
    this.method = init.method;
    this.path = init.path;
    this.code = typeof e.code === 'number' ? e.code : init.kind === 'network' ? 0 : 1;
    this.subcode = typeof e.error_subcode === 'number' ? e.error_subcode : undefined;
    this.type = e.type;
    this.is_transient =
      typeof e.is_transient === 'boolean'
        ? e.is_transient
        : init.kind === 'network' || (init.kind === 'http' && (init.status >= 500 || init.status === 429));
    this.fbtrace_id = e.fbtrace_id;
    this.error_user_title = e.error_user_title;
    this.error_user_msg = e.error_user_msg;
    this.error_data = e.error_data;
    this.usage = init.usage ?? {};
  }

  /** Minutes to wait according to x-business-use-case-usage (0 when not throttled or absent). */
  get estimated_time_to_regain_access(): number {
    return regainAccessMinutes(this.usage);
  }

  /** Build from an HTTP answer that is an error (status ≥ 400, or an `error` body). */
  static fromResponse(args: {
    status: number;
    bodyText: string;
    contentType: string | null;
    method: string;
    path: string;
    usage: UsageHeaders;
  }): GraphApiError {
    const envelope = envelopeOf(args.bodyText);
    if (envelope !== undefined) {
      return new GraphApiError({
        kind: 'graph',
        message: envelope.message ?? `Graph error ${envelope.code ?? ''}`.trim(),
        status: args.status,
        method: args.method,
        path: args.path,
        envelope,
        usage: args.usage,
      });
    }
    return new GraphApiError({
      kind: 'http',
      message: `HTTP ${args.status} with a non-Graph body (${args.contentType ?? 'no content type'}): ${summarise(args.bodyText)}`,
      status: args.status,
      method: args.method,
      path: args.path,
      usage: args.usage,
    });
  }

  static network(cause: unknown, method: string, path: string): GraphApiError {
    const reason = cause instanceof Error ? describeNetworkError(cause) : String(cause);
    return new GraphApiError({ kind: 'network', message: `request failed: ${reason}`, status: 0, method, path, cause });
  }
}

/** `body.error` when the text is a Graph error envelope. */
export function envelopeOf(bodyText: string): GraphErrorEnvelope | undefined {
  if (!bodyText.trimStart().startsWith('{')) return undefined;
  try {
    const body: unknown = JSON.parse(bodyText);
    if (typeof body !== 'object' || body === null) return undefined;
    const error = (body as { error?: unknown }).error;
    // Graph's envelope is an object; some old endpoints answered {"error": "text"}.
    if (typeof error === 'string') return { message: error };
    return typeof error === 'object' && error !== null ? (error as GraphErrorEnvelope) : undefined;
  } catch {
    return undefined;
  }
}

/** A short, single-line description of a non-JSON body: the HTML <title> or the first text. */
function summarise(bodyText: string): string {
  if (bodyText.trim() === '') return '(empty body)';
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(bodyText)?.[1];
  const text = (title ?? bodyText.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
  return JSON.stringify(text.length > 160 ? `${text.slice(0, 160)}…` : text);
}

function describeNetworkError(error: Error): string {
  // undici puts the useful part (ECONNREFUSED, ENOTFOUND …) in `cause`.
  const cause = (error as { cause?: unknown }).cause;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return error.message;
  if (cause instanceof Error) return `${error.message} (${(cause as { code?: string }).code ?? cause.message})`;
  return error.message;
}
