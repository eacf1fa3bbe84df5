/**
 * A small Graph API client over HTTP (undici): versioned URLs, the access
 * token, `appsecret_proof`, JSON bodies, paging, batch, one error type and a
 * retry policy. Works against graph.facebook.com and localgraph alike.
 *
 * @example
 * const graph = new GraphClient({ accessToken: process.env.FB_ACCESS_TOKEN, appSecret });
 * const me = await graph.getUser('me', ['id', 'name']);
 * for await (const audience of graph.listCustomAudiences('act_123', ['id', 'name'])) console.log(audience.id);
 */
import { appSecretProof } from './appsecret-proof.js';
import { decodeBatch, encodeBatch } from './batch.js';
import type { BatchOperation, BatchResult } from './batch.js';
import { GraphApiError, envelopeOf } from './graph-api-error.js';
import { fetchExchange, undiciExchange } from './http-exchange.js';
import type { HttpExchange, HttpResponse } from './http-exchange.js';
import { appendQuery, jsonBody, usersBody } from './request-encoding.js';
import type { HttpMethod, Params, RequestBody } from './request-encoding.js';
import { DEFAULT_RETRY, realSleep, withRetry } from './retry-policy.js';
import type { RetryEvent, RetryOptions } from './retry-policy.js';
import { parseUsageHeaders } from './usage-headers.js';
import type { UsageHeaders } from './usage-headers.js';
import type {
  AudienceUploadSession, AudienceUsersPayload, AudienceUsersResponse, CreateCustomAudienceParams, EncodedAudienceUsersPayload,
  CustomAudience, CustomAudienceField, Page, SuccessResponse, User, UserField,
} from './wire-types.js';

export const DEFAULT_BASE_URL = 'https://graph.facebook.com';
export const DEFAULT_VERSION = 'v21.0';

export interface GraphClientOptions {
  /** Default https://graph.facebook.com; a localgraph server's URL works the same. */
  readonly baseUrl?: string | undefined;
  /** e.g. `v21.0`; '' for unversioned calls. */
  readonly version?: string | undefined;
  readonly accessToken?: string | undefined;
  /** When given, every call carries `appsecret_proof`. */
  readonly appSecret?: string | undefined;
  /**
   * `header` (default): `Authorization: Bearer`, which keeps tokens out of
   * URLs and proxy logs. `param`: `access_token` in the query (GET) or body.
   */
  readonly tokenIn?: 'header' | 'param' | undefined;
  /** Retry policy for failed calls, or false to never retry. */
  readonly retry?: RetryOptions | false | undefined;
  /**
   * Retry POST/DELETE after failures where the server may have applied the call
   * (network errors, non-Graph 5xx pages). Off by default: only the caller knows
   * whether a write is idempotent. Graph error envelopes are always safe to retry.
   */
  readonly retryWrites?: boolean | undefined;
  /** Per-request timeout. Default 120 s. */
  readonly timeoutMs?: number | undefined;
  /** A fetch to send every call through (a test double, a proxy); default undici's `request`, which is cheaper per call. */
  readonly fetch?: typeof fetch | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  readonly random?: (() => number) | undefined;
  readonly onRetry?: ((event: RetryEvent & { method: HttpMethod; path: string }) => void) | undefined;
  readonly userAgent?: string | undefined;
}

export interface RequestOptions {
  /** Overrides the client's retry policy for this call. */
  readonly retry?: RetryOptions | false | undefined;
  /** This write may be repeated safely (e.g. an upload batch with a fixed batch_seq). */
  readonly idempotent?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Extra query-string parameters, for any method (e.g. `debug=warning` next to a JSON body). */
  readonly query?: Params | undefined;
}

export interface GraphResponse<T> {
  readonly body: T;
  readonly status: number;
  readonly headers: Headers;
  readonly usage: UsageHeaders;
}

export class GraphClient {
  readonly baseUrl: string;
  readonly version: string;
  readonly #token: string | undefined;
  readonly #proof: string | undefined;
  readonly #tokenIn: 'header' | 'param';
  readonly #retry: RetryOptions | false;
  readonly #retryWrites: boolean;
  readonly #timeoutMs: number;
  readonly #exchange: HttpExchange;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #onRetry: GraphClientOptions['onRetry'];
  readonly #userAgent: string;

  constructor(options: GraphClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.version = options.version ?? DEFAULT_VERSION;
    this.#token = options.accessToken;
    this.#proof =
      options.accessToken !== undefined && options.appSecret !== undefined
        ? appSecretProof(options.accessToken, options.appSecret)
        : undefined;
    this.#tokenIn = options.tokenIn ?? 'header';
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#retryWrites = options.retryWrites ?? false;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#exchange = options.fetch === undefined ? undiciExchange : fetchExchange(options.fetch);
    this.#sleep = options.sleep ?? realSleep;
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
    this.#userAgent = options.userAgent ?? 'localgraph-client';
  }

  // ── Generic calls ─────────────────────────────────────────────────────────

  async get<T = unknown>(path: string, params: Params = {}, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('GET', path, params, options)).body;
  }

  async post<T = unknown>(path: string, params: Params = {}, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('POST', path, params, options)).body;
  }

  async delete<T = unknown>(path: string, params: Params = {}, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('DELETE', path, params, options)).body;
  }

  /** A call with its status, headers and parsed usage headers. Throws GraphApiError on failure. */
  async request<T = unknown>(
    method: HttpMethod,
    path: string,
    params: Params = {},
    options: RequestOptions = {},
  ): Promise<GraphResponse<T>> {
    const policy = options.retry ?? this.#retry;
    const send = (): Promise<GraphResponse<T>> => this.#send<T>(method, path, params, options.signal, options.query);
    if (policy === false) return send();
    const mayRepeat = method === 'GET' || options.idempotent === true || this.#retryWrites;
    return withRetry(
      async () => {
        try {
          return await send();
        } catch (error) {
          // A write that may have reached the server is only repeated when allowed.
          if (!mayRepeat && error instanceof GraphApiError && error.kind !== 'graph') throw new FinalError(error);
          throw error;
        }
      },
      policy,
      {
        sleep: this.#sleep,
        random: this.#random,
        onRetry: (event) => this.#onRetry?.({ ...event, method, path: pathOnly(path) }),
      },
    ).catch((error: unknown) => {
      throw error instanceof FinalError ? error.error : error;
    });
  }

  /** Pages of an edge, following `paging.next` until the last page. */
  async *pages<T>(path: string, params: Params = {}, options: RequestOptions = {}): AsyncGenerator<Page<T>> {
    let page = await this.get<Page<T>>(path, params, options);
    const seen = new Set<string>();
    for (;;) {
      yield page;
      const next = page.paging?.next;
      // A repeated `next` would loop forever; Graph never sends one, a buggy server might.
      if (next === undefined || next === '' || seen.has(next)) return;
      seen.add(next);
      page = await this.get<Page<T>>(next, {}, options);
    }
  }

  /** Every item of an edge, across pages. */
  async *items<T>(path: string, params: Params = {}, options: RequestOptions = {}): AsyncGenerator<T> {
    for await (const page of this.pages<T>(path, params, options)) yield* page.data;
  }

  /** Up to 50 operations in one request; results in request order (null = not run). */
  async batch<T = unknown>(
    operations: readonly BatchOperation[],
    options: RequestOptions & { includeHeaders?: boolean } = {},
  ): Promise<BatchResult<T>[]> {
    const params: Params = {
      batch: encodeBatch(operations),
      include_headers: options.includeHeaders ?? true,
      // The top-level access_token is mandatory for batches, whatever tokenIn says (§5).
      ...(this.#token !== undefined && { access_token: this.#token }),
    };
    const answer = await this.request<unknown>('POST', '', params, options);
    return decodeBatch(answer.body, operations) as BatchResult<T>[];
  }

  // ── User node ─────────────────────────────────────────────────────────────

  async getUser<F extends UserField>(id = 'me', fields?: readonly F[]): Promise<Pick<User, F | 'id'>> {
    return this.get(encodeURIComponent(id), fields === undefined ? {} : { fields: fields.join(',') });
  }

  // ── Custom audiences ──────────────────────────────────────────────────────

  async createCustomAudience(adAccountId: string, params: CreateCustomAudienceParams): Promise<{ id: string }> {
    return this.post(`${actId(adAccountId)}/customaudiences`, { subtype: 'CUSTOM', ...params });
  }

  async getCustomAudience<F extends CustomAudienceField>(
    audienceId: string,
    fields?: readonly F[],
  ): Promise<Pick<CustomAudience, F | 'id'>> {
    return this.get(encodeURIComponent(audienceId), fields === undefined ? {} : { fields: fields.join(',') });
  }

  listCustomAudiences<F extends CustomAudienceField>(
    adAccountId: string,
    fields?: readonly F[],
    params: { limit?: number; filtering?: readonly object[] } = {},
  ): AsyncGenerator<Pick<CustomAudience, F | 'id'>> {
    return this.items(`${actId(adAccountId)}/customaudiences`, {
      ...(fields !== undefined && { fields: fields.join(',') }),
      ...params,
    });
  }

  async deleteCustomAudience(audienceId: string): Promise<SuccessResponse> {
    return this.delete(encodeURIComponent(audienceId));
  }

  /** POST /{audience_id}/users. */
  async addUsers(
    audienceId: string,
    payload: AudienceUsersPayload | EncodedAudienceUsersPayload,
    session?: AudienceUploadSession,
    options?: RequestOptions,
  ): Promise<AudienceUsersResponse> {
    return this.post(`${encodeURIComponent(audienceId)}/users`, usersBody(payload, session), options);
  }

  /** DELETE /{audience_id}/users, parameters in a JSON body (no URL-length limit). */
  async removeUsers(
    audienceId: string,
    payload: AudienceUsersPayload | EncodedAudienceUsersPayload,
    session?: AudienceUploadSession,
    options?: RequestOptions,
  ): Promise<AudienceUsersResponse> {
    return this.delete(`${encodeURIComponent(audienceId)}/users`, usersBody(payload, session), options);
  }

  /** POST /{audience_id}/usersreplace; `session` is required there (batch_seq 1 starts the replace). */
  async replaceUsers(
    audienceId: string,
    payload: AudienceUsersPayload | EncodedAudienceUsersPayload,
    session: AudienceUploadSession,
    options?: RequestOptions,
  ): Promise<AudienceUsersResponse> {
    return this.post(`${encodeURIComponent(audienceId)}/usersreplace`, usersBody(payload, session), options);
  }

  // ── Transport ─────────────────────────────────────────────────────────────

  async #send<T>(method: HttpMethod, path: string, params: Params, signal?: AbortSignal, query?: Params): Promise<GraphResponse<T>> {
    const url = this.#url(path);
    if (query !== undefined) appendQuery(url, query);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent };
    const auth: Record<string, string> = {};
    if (this.#token !== undefined) {
      if (this.#tokenIn === 'header') headers.authorization = `Bearer ${this.#token}`;
      else if (!url.searchParams.has('access_token')) auth.access_token = this.#token;
    }
    if (this.#proof !== undefined && !url.searchParams.has('appsecret_proof')) auth.appsecret_proof = this.#proof;
    let body: RequestBody | undefined;
    if (method === 'GET') {
      appendQuery(url, { ...params, ...auth });
    } else {
      headers['content-type'] = 'application/json';
      body = jsonBody({ ...params, ...auth });
    }
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const where = url.pathname;
    let response: HttpResponse;
    try {
      response = await this.#exchange(url, {
        method,
        headers,
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
        ...(body !== undefined && { body }),
      });
    } catch (error) {
      if (signal?.aborted === true) throw error; // the caller cancelled: not a Graph failure
      throw GraphApiError.network(error, method, where);
    }
    const { text } = response;
    const usage = parseUsageHeaders(response.headers);
    const contentType = response.headers.get('content-type');
    const ok = response.status >= 200 && response.status < 300;
    // Graph can answer 200 with an error body (suppress_http_code=1), so the body decides too.
    if (!ok || envelopeOf(text) !== undefined) {
      throw GraphApiError.fromResponse({ status: response.status, bodyText: text, contentType, method, path: where, usage });
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw GraphApiError.fromResponse({ status: response.status, bodyText: text, contentType, method, path: where, usage });
    }
    // The body's type is the caller's claim about this endpoint; nothing here can check it.
    return { body: parsed as T, status: response.status, headers: response.headers, usage };
  }

  /**
   * Relative paths get the base URL and version. Absolute URLs (paging.next)
   * are used as they are, except that their origin is replaced by the base
   * URL's: a token is never sent to a host the client was not configured for.
   */
  #url(path: string): URL {
    if (/^https?:\/\//i.test(path)) {
      const url = new URL(path);
      const base = new URL(this.baseUrl);
      url.protocol = base.protocol;
      url.host = base.host;
      return url;
    }
    const clean = path.replace(/^\/+/, '');
    const prefix = this.version === '' ? '' : `/${this.version}`;
    return new URL(`${this.baseUrl}${prefix}${clean === '' ? '' : `/${clean}`}`);
  }
}

/** Wraps an error that must not be retried (withRetry only retries GraphApiErrors); unwrapped before it reaches the caller. */
class FinalError extends Error {
  constructor(readonly error: GraphApiError) {
    super(error.message);
  }
}

/** Ad account ids are written `act_<id>` in paths; accept both forms. */
export function actId(adAccountId: string): string {
  return adAccountId.startsWith('act_') ? adAccountId : `act_${adAccountId}`;
}

function pathOnly(path: string): string {
  return path.split('?')[0] ?? path;
}
