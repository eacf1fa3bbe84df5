/**
 * The one error type of localgraph. Anything thrown anywhere in request handling that is a
 * GraphError is rendered as the real Graph API error envelope by `render.ts`; anything else
 * becomes a transient code-2 error (and is logged), so a client never sees a stack trace.
 */
export type GraphErrorType =
  | 'OAuthException'
  | 'GraphMethodException'
  | 'FacebookApiException'
  | 'Exception';

export interface GraphErrorInit {
  code: number;
  message: string;
  type?: GraphErrorType;
  subcode?: number;
  status?: number;
  userTitle?: string;
  userMsg?: string;
  isTransient?: boolean;
  /** Extra members of the envelope, e.g. `error_data` (459) or `original_response`. */
  extra?: Record<string, unknown>;
  /** Headers the real API sends with this error (e.g. the rate-limit usage headers). */
  headers?: Record<string, string>;
}

export class GraphError extends Error {
  readonly code: number;
  readonly type: GraphErrorType;
  readonly subcode: number | undefined;
  readonly status: number;
  readonly userTitle: string | undefined;
  readonly userMsg: string | undefined;
  readonly isTransient: boolean | undefined;
  readonly extra: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(init: GraphErrorInit) {
    super(init.message);
    this.name = 'GraphError';
    this.code = init.code;
    this.type = init.type ?? 'OAuthException';
    this.subcode = init.subcode;
    this.status = init.status ?? defaultStatus(init.code);
    this.userTitle = init.userTitle;
    this.userMsg = init.userMsg;
    this.isTransient = init.isTransient;
    this.extra = init.extra;
    this.headers = init.headers;
  }

  /** The `error` object of the envelope, in the key order the real API uses. */
  toEnvelope(fbtraceId: string): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { message: this.message, type: this.type, code: this.code };
    if (this.subcode !== undefined) error.error_subcode = this.subcode;
    if (this.isTransient !== undefined) error.is_transient = this.isTransient;
    if (this.userTitle !== undefined) error.error_user_title = this.userTitle;
    if (this.userMsg !== undefined) error.error_user_msg = this.userMsg;
    if (this.extra) Object.assign(error, this.extra);
    error.fbtrace_id = fbtraceId;
    return { error };
  }
}

/**
 * HTTP status per code, from spec/graph-api-core.md §1.3: observed values where they exist,
 * the spec's recommendation (400, or 403 for permission errors) where they do not.
 */
export function defaultStatus(code: number): number {
  if (code === 1 || code === 2) return 500;
  if (code === 803) return 404;
  if (code === 4 || code === 10 || (code >= 200 && code <= 299)) return 403;
  return 400;
}

export function isGraphError(e: unknown): e is GraphError {
  return e instanceof GraphError;
}
