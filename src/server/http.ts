/**
 * The HTTP front: Fastify with one catch-all route. Fastify's own body parsing is replaced by a
 * raw-buffer parser for every content type, because Graph merges parameters from the query and
 * the body in any encoding and on any method; `graph/` does the decoding. Node's header limit is
 * raised so the official SDK's 10,000-row DELETE (parameters in the URL, ~790 KB) is accepted.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { decodeBody } from '../graph/body.js';
import { GraphError } from '../graph/errors/graph-error.js';
import { invalidParameter, reduceData, transientError, unsupportedRequest } from '../graph/errors/catalogue.js';
import { parseForm, type ParamSource } from '../graph/params.js';
import { runGraphCall } from '../graph/pipeline.js';
import { errorResponse, JSON_TYPE, serialise, type GraphResponse } from '../graph/response.js';
import { newTraceId } from '../graph/trace.js';
import type { Services } from './services.js';
import { registerAdminRoutes } from '../admin/routes.js';

function readRawBody(req: FastifyRequest, limit: number): Promise<Buffer | undefined> {
  const h = req.headers;
  if (!h['transfer-encoding'] && (!h['content-length'] || h['content-length'] === '0')) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.raw.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(reduceData());
      else chunks.push(c);
    });
    req.raw.on('end', () => resolve(Buffer.concat(chunks)));
    req.raw.on('error', reject);
  });
}

/** Scheme and host the client used: paging links must lead back the same way. */
export function baseUrlOf(req: FastifyRequest): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? (req.protocol || 'http');
  const host = req.headers.host ?? `${req.hostname}`;
  return `${proto}://${host}`;
}

export function sendGraph(reply: import('fastify').FastifyReply, res: GraphResponse): void {
  if (res.drop) {
    reply.hijack();
    reply.raw.socket?.destroy();
    return;
  }
  reply.code(res.status).headers(res.headers).send(res.body);
}

/**
 * Requests Node rejects before Fastify sees them (a request line or headers beyond
 * `maxHeaderSize`, a malformed request) still get the Graph envelope rather than Node's empty 431
 * or Fastify's own JSON: the official SDK reports an empty body as "Unexpected end of JSON input".
 * The rest of the request is read and discarded, so the client is still writing to an open
 * socket when the answer arrives (closing at once makes it fail with EPIPE/ECONNRESET instead).
 */
export function graphClientErrorHandler(services: Services): (err: Error & { code?: string }, socket: Socket) => void {
  // Node may report the same broken request again as more of it arrives: answer once.
  const answered = new WeakSet<Socket>();
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
    answered.add(socket);
    socket.on('error', () => {});
    const graphErr =
      err.code === 'HPE_HEADER_OVERFLOW' || err.code === 'HPE_URI_TOO_LONG'
        ? reduceData()
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? transientError()
          : invalidParameter('The request could not be read');
    const res = errorResponse(graphErr, newTraceId(), services.versions.latest.name, { pretty: false, suppress: false });
    const headers = { ...res.headers, 'content-length': String(Buffer.byteLength(res.body)), connection: 'close' };
    const head = `HTTP/1.1 ${res.status} ${http.STATUS_CODES[res.status] ?? 'Error'}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`;
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.resume();
    socket.end(head + res.body);
    // A client that never stops sending must not hold the socket forever.
    setTimeout(() => socket.destroy(), 10_000).unref();
  };
}

export async function buildHttpApp(services: Services): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    logger: false,
    // During a graceful shutdown, requests still arriving on open keep-alive connections are
    // served (with `Connection: close`) rather than refused with Fastify's own non-Graph 503.
    return503OnClosing: false,
    bodyLimit: config.bodyLimit,
    clientErrorHandler: graphClientErrorHandler(services),
    // An 8 MiB-plus request line must be accepted; Node's default is 16 KiB.
    serverFactory: (handler) => http.createServer({ maxHeaderSize: config.maxHeaderSize, requestTimeout: 300_000 }, handler),
    // Graph accepts `;` and other odd characters in query strings; parsing is ours.
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: 64 * 1024,
      querystringParser: (s: string) => parseForm(s),
    },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.bodyLimit }, (_req, body, done) => done(null, body));

  // Errors Fastify raises itself (body too large, bad media type) get the Graph envelope too.
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    let graphErr: GraphError;
    if (err instanceof GraphError) graphErr = err;
    else if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') graphErr = reduceData();
    else if (err.statusCode && err.statusCode < 500) graphErr = invalidParameter(err.message);
    else {
      services.log.error({ err }, 'unexpected HTTP error');
      graphErr = transientError();
    }
    const last = services.versions.latest.name;
    sendGraph(reply, errorResponse(graphErr, newTraceId(), last, { pretty: false, suppress: false }));
  });

  // Methods the catch-all does not take (PATCH, …): Graph's "Unsupported … request".
  app.setNotFoundHandler((req, reply) => {
    const url = req.raw.url ?? '/';
    const qi = url.indexOf('?');
    const segments = safeDecodePath(qi < 0 ? url : url.slice(0, qi))
      .split('/')
      .filter((x) => x.length > 0);
    if (segments.length > 0 && /^v\d+\.\d+$/.test(segments[0])) segments.shift();
    const res = errorResponse(unsupportedRequest(req.method, segments[0] ?? ''), newTraceId(), services.versions.latest.name, {
      pretty: false,
      suppress: false,
    });
    sendGraph(reply, res);
  });

  await registerAdminRoutes(app, services);

  app.route({
    method: ['GET', 'POST', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'],
    url: '/*',
    handler: async (req, reply) => {
      if (req.method === 'OPTIONS') {
        // A CORS preflight: no body, but the JSON content type every Graph answer carries.
        reply
          .code(200)
          .headers({
            'content-type': JSON_TYPE,
            'access-control-allow-origin': '*',
            'access-control-allow-methods': 'GET, POST, DELETE',
            'access-control-allow-headers': 'authorization, content-type',
          })
          .send(serialise({ success: true }, false));
        return;
      }
      let raw = req.body as Buffer | undefined;
      if (raw === undefined && (req.method === 'GET' || req.method === 'HEAD')) raw = await readRawBody(req, config.bodyLimit);
      const decoded = await decodeBody(req.headers['content-type'], Buffer.isBuffer(raw) ? raw : undefined);
      const url = req.raw.url ?? '/';
      const qi = url.indexOf('?');
      const pathname = safeDecodePath(qi < 0 ? url : url.slice(0, qi));
      const query = (req.query ?? {}) as Record<string, unknown>;
      const sources: ParamSource[] = [];
      if (qi >= 0 && qi < url.length - 1) sources.push('query');
      if (decoded.source !== 'none') sources.push(decoded.source);
      const res = await runGraphCall(
        {
          method: req.method,
          pathname,
          query,
          body: decoded.params,
          sources,
          files: decoded.files,
          headers: req.headers as Record<string, string | undefined>,
          baseUrl: baseUrlOf(req),
        },
        services,
      );
      sendGraph(reply, res);
    },
  });
  return app;
}

function safeDecodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}
