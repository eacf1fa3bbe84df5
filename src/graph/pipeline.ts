/**
 * One Graph API call from decoded parts to a response: version, method override, parameters,
 * token, hooks (rate limits, faults), dispatch, and rendering — the same path for HTTP requests
 * and for each operation of a batch.
 */
import { resolveToken } from '../auth/resolve.js';
import { checkAppsecretProof } from '../auth/appsecret-proof.js';
import type { Principal } from '../auth/principal.js';
import type { Services } from '../server/services.js';
import { maskParams } from '../journal/mask.js';
import { RawResponse, type GraphContext, type GraphMethod } from './context.js';
import { unknownPath, transientError } from './errors/catalogue.js';
import { GraphError } from './errors/graph-error.js';
import { dispatch } from './dispatch.js';
import type { FieldNode } from './fields/types.js';
import { parseFields } from './fields/parse.js';
import { Params, type ParamMap, type ParamSource } from './params.js';
import { errorResponse, successResponse, baseHeaders, type GraphResponse } from './response.js';
import { newTraceId } from './trace.js';
import { VERSION_PATTERN, type VersionInfo } from './versions.js';

export interface GraphCall {
  /** The HTTP method (GET, POST, DELETE, PUT, …). */
  method: string;
  /** Decoded path, without the query string: `/v21.0/me`. */
  pathname: string;
  query: ParamMap;
  body: ParamMap;
  sources: ParamSource[];
  files: Record<string, Buffer>;
  headers: Record<string, string | undefined>;
  baseUrl: string;
  inBatch?: boolean;
  /** For batch operations: the top-level token to fall back on. */
  fallbackToken?: string;
  /** Things worth telling whoever reads the journal about this call (e.g. a raw `+` in a batch body). */
  warnings?: string[];
}

/** Real (historic) versions older than any we serve: well-formed, so served by the oldest. */
function isHistoricVersion(name: string): boolean {
  const m = VERSION_PATTERN.exec(name);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 1 || (major >= 4 && major <= 9)) return minor === 0;
  if (major === 2) return minor <= 12;
  if (major === 3) return minor <= 3;
  return false;
}

function tokenFrom(params: Params, headers: Record<string, string | undefined>): string | undefined {
  const explicit = params.string('access_token');
  if (explicit) return explicit;
  const auth = headers.authorization;
  if (auth) {
    const m = /^\s*(bearer|oauth)\s+(.+?)\s*$/i.exec(auth);
    if (m) return m[2];
  }
  return undefined;
}

function isTrue(v: string | undefined): boolean {
  const t = v?.trim().toLowerCase();
  return t === '1' || t === 'true';
}

function methodOf(httpMethod: string, params: Params): GraphMethod {
  const override = params.string('method')?.toUpperCase();
  const m = override === 'GET' || override === 'POST' || override === 'DELETE' ? override : httpMethod.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'GET';
  if (m === 'DELETE') return 'DELETE';
  return 'POST';
}

export async function runGraphCall(call: GraphCall, services: Services): Promise<GraphResponse> {
  const started = performance.now();
  const traceId = newTraceId();
  const params = new Params({ ...call.query, ...call.body });
  // Read leniently: a client extra like `pretty=yes` must not turn a good call into an error.
  const pretty = isTrue(params.string('pretty'));
  const suppress = isTrue(params.string('suppress_http_code'));
  const segments = call.pathname.split('/').filter((s) => s.length > 0);
  let version: VersionInfo = services.versions.oldestAvailable(services.clock.nowSeconds());
  let ctx: GraphContext | undefined;
  let response: GraphResponse;
  let injected: string | undefined;
  try {
    let versionInPath = false;
    if (segments.length > 0 && /^v\d/.test(segments[0])) {
      const v = services.versions.resolve(segments[0], services.clock.nowSeconds());
      const known = v && (services.versions.get(segments[0]) || isHistoricVersion(segments[0]));
      if (!v || !known) throw unknownPath('/' + segments.join('/'));
      version = v;
      versionInPath = true;
      segments.shift();
    } else if (segments.length > 0 && /^\d+\.\d+$/.test(segments[0])) {
      // `2.7/me` (a version without its `v`) reads as an unknown path, as on Graph.
      throw unknownPath('/' + segments.slice(1).join('/'));
    }
    const token = tokenFrom(params, call.headers) ?? call.fallbackToken;
    let principal: Principal | undefined;
    let authError: unknown;
    let resolved = false;
    const auth = async (): Promise<Principal> => {
      if (!resolved) {
        resolved = true;
        try {
          if (!token) {
            const { tokenRequired } = await import('./errors/catalogue.js');
            throw tokenRequired();
          }
          principal = await resolveToken(token, services.store, services.clock);
          checkAppsecretProof(principal.app, token, params.string('appsecret_proof'), params.string('appsecret_time'));
        } catch (e) {
          authError = e;
        }
      }
      if (authError) throw authError;
      return principal as Principal;
    };
    let fieldsCache: FieldNode[] | undefined | null = null;
    ctx = {
      method: methodOf(call.method, params),
      version,
      versionInPath,
      path: segments,
      params,
      paramSources: call.sources,
      files: call.files,
      token,
      baseUrl: services.config.publicUrl ?? call.baseUrl,
      traceId,
      services,
      debugMessages: [],
      responseHeaders: {},
      auth,
      optionalAuth: async () => (token ? auth() : undefined),
      fields: () => {
        if (fieldsCache === null) {
          const raw = params.raw('fields');
          const text = Array.isArray(raw) ? raw.map(String).join(',') : params.string('fields');
          fieldsCache = text === undefined || text.trim() === '' ? undefined : parseFields(text);
        }
        return fieldsCache;
      },
      inBatch: call.inBatch === true,
    };
    if (!versionInPath && token) {
      // An unversioned call uses the app's default version, else the oldest available.
      const p = await auth().catch(() => undefined);
      const def = p?.app.default_version ? services.versions.resolve(p.app.default_version, services.clock.nowSeconds()) : undefined;
      if (def) ctx.version = version = def;
    }
    // A token that was sent must be valid and its proof right, whatever the path.
    if (token) await auth();
    let result: unknown;
    let answered = false;
    for (const hook of services.hooks.before) {
      const r = await hook(ctx);
      if (r instanceof RawResponse) {
        result = r;
        answered = true;
        injected = 'fault';
        break;
      }
      if (r && 'drop' in r) {
        injected = 'fault';
        response = { status: 0, headers: {}, body: '', drop: true };
        return finish(response);
      }
      if (r && 'delayMs' in r) await new Promise((res) => setTimeout(res, r.delayMs));
    }
    if (!answered) {
      // A batch is a call of its own at `/` or `/vX.Y`; its operations each run this pipeline.
      // The docs also post batches to `/me` ("POST /ENDPOINT?batch=…" with `me` in the samples).
      const batchPath = segments.length === 0 || (segments.length === 1 && segments[0] === 'me');
      if (batchPath && ctx.method === 'POST' && params.has('batch') && !call.inBatch) {
        const { runBatch } = await import('./batch.js');
        result = await runBatch(ctx, services);
      } else result = await dispatch(ctx);
    }
    if (result instanceof RawResponse) {
      response = { status: result.status, headers: { ...baseHeaders(traceId, version.name), ...result.headers }, body: result.body };
    } else {
      const debug = params.string('debug');
      if (debug && ctx.debugMessages.length > 0 && result && typeof result === 'object' && !Array.isArray(result)) {
        const wanted = ctx.debugMessages.filter((m) => debug === 'all' || debug === 'info' || m.type === 'warning');
        result = { ...(result as object), __debug__: { messages: wanted } };
      } else if (debug && result && typeof result === 'object' && !Array.isArray(result)) {
        result = { ...(result as object), __debug__: {} };
      }
      response = successResponse(result, traceId, version.name, { pretty });
    }
  } catch (e) {
    let err: GraphError;
    if (e instanceof GraphError) err = e;
    else {
      services.log.error({ err: e, traceId }, 'unexpected error while handling a Graph API call');
      err = transientError();
    }
    response = errorResponse(err, traceId, version.name, { pretty, suppress });
  }
  if (ctx) Object.assign(response.headers, ctx.responseHeaders);
  return finish(response);

  async function finish(r: GraphResponse): Promise<GraphResponse> {
    if (ctx) {
      for (const hook of services.hooks.after) {
        try {
          await hook(ctx, { status: r.status, errorCode: r.errorCode });
        } catch (e) {
          services.log.error({ err: e }, 'after-hook failed');
        }
      }
      Object.assign(r.headers, ctx.responseHeaders);
    }
    services.journal.add({
      at: new Date(services.clock.now()).toISOString(),
      method: ctx?.method ?? call.method,
      path: call.pathname,
      encodings: call.sources,
      params: maskParams(params.toObject()),
      status: r.drop ? 0 : r.status,
      errorCode: r.errorCode,
      errorSubcode: r.errorSubcode,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      traceId,
      injected: ctx?.injected ?? injected,
      batchOf: call.inBatch ? 'batch' : undefined,
      warnings: call.warnings,
    });
    return r;
  }
}
