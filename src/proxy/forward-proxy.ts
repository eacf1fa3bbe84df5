/**
 * Forward-proxy mode (`localgraph serve --proxy`): the way in for clients whose host is hard-coded
 * (the `fb` package, Python, PHP, curl, sync tools). Pointed at localgraph with `HTTPS_PROXY`, they
 * send `CONNECT graph.facebook.com:443`; localgraph answers the tunnel itself, terminates TLS with
 * a leaf certificate from its own CA, and hands each request inside to the same Fastify handler
 * that serves plain HTTP. Absolute-form requests (`GET https://graph.facebook.com/… HTTP/1.1`) are
 * served the same way. Every other host is refused: nothing here ever connects out.
 *
 * Paging links stay on the host the client asked for: requests from a tunnel arrive on a TLS
 * socket (so the protocol reads `https`) with `Host: graph.facebook.com`.
 */
import { STATUS_CODES, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { checkAdmin } from '../admin/guard.js';
import { graphClientErrorHandler } from '../server/http.js';
import type { Services } from '../server/services.js';
import { loadOrCreateCa, type CertificateAuthority } from './ca.js';
import { GRAPH_HOSTS, isGraphHost, parseHostPort } from './hosts.js';
import { ProxyLog } from './proxy-log.js';

export interface ForwardProxy {
  ca: CertificateAuthority;
  log: ProxyLog;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const ABSOLUTE_FORM = /^(https?):\/\/([^/?#]+)(.*)$/i;

/** Where the CA is kept: `--proxy-ca-dir`, else `<data>/proxy-ca`, else memory (`--ephemeral`). */
export function caDirOf(services: Services): string | null {
  const { config } = services;
  if (config.proxyCaDir) return config.proxyCaDir;
  if (config.ephemeral || !config.dataDir) return null;
  return path.join(config.dataDir, 'proxy-ca');
}

function sendJson(reply: FastifyReply, status: number, body: unknown): void {
  reply.code(status).header('content-type', 'application/json; charset=UTF-8').header('cache-control', 'no-store').send(JSON.stringify(body));
}

function refusalBody(message: string, code = 403): string {
  return JSON.stringify({ error: { message, type: 'LocalgraphProxyException', code } });
}

function refusalText(host: string, port: number): string {
  return (
    `localgraph's proxy serves only the Graph API hosts (${GRAPH_HOSTS.join(', ')}) on ports 443 and 80; ` +
    `it refused ${host}:${port} and never connects out. Exclude other hosts from the proxy with NO_PROXY.`
  );
}

/**
 * Routes that exist whether or not proxy mode is on, so that asking for the CA of a server
 * started without `--proxy` gets an answer a person can act on rather than a Graph error.
 */
function registerProxyRoutes(app: FastifyInstance, services: Services, proxy: ForwardProxy | undefined): void {
  const token = services.config.adminToken as string;
  // The CA certificate is public material (the key never leaves the data folder), so it is served
  // without the admin token: scripts fetch it before they have anything else.
  app.get('/_localgraph/ca.pem', async (_req, reply) => {
    if (!proxy) {
      sendJson(reply, 404, {
        error: {
          message: 'Proxy mode is off, so there is no CA: start the server with `localgraph serve --proxy` (or startServer({ proxy: true })).',
          type: 'LocalgraphProxyException',
          code: 404,
        },
      });
      return;
    }
    reply
      .code(200)
      .header('content-type', 'application/x-pem-file')
      .header('content-disposition', 'attachment; filename="localgraph-ca.pem"')
      .header('cache-control', 'no-store')
      .send(proxy.ca.certPem);
  });
  app.get('/_localgraph/proxy', async (req, reply) => {
    if (!checkAdmin(req, reply, token)) return;
    if (!proxy) {
      sendJson(reply, 200, { enabled: false });
      return;
    }
    const n = Number((req.query as Record<string, string | undefined>).limit ?? 50);
    sendJson(reply, 200, {
      enabled: true,
      hosts: GRAPH_HOSTS,
      ca: { fingerprint256: proxy.ca.fingerprint256, stored_in: proxy.ca.dir ?? '(memory: --ephemeral)' },
      totals: proxy.log.totals(),
      data: proxy.log.last(Number.isFinite(n) && n > 0 ? n : 50),
    });
  });
}

/**
 * Installs proxy mode on a built (not yet listening) Fastify app when `config.proxy` is set, and
 * the `/_localgraph/ca.pem` and `/_localgraph/proxy` routes in every case.
 */
export function installProxyMode(app: FastifyInstance, services: Services): ForwardProxy | undefined {
  if (!services.config.proxy) {
    registerProxyRoutes(app, services, undefined);
    return undefined;
  }
  const ca = loadOrCreateCa(caDirOf(services));
  const leaf = ca.issueLeaf(GRAPH_HOSTS);
  const log = new ProxyLog(500, () => services.clock.now());
  const proxy: ForwardProxy = { ca, log };
  registerProxyRoutes(app, services, proxy);

  const server = app.server as HttpServer;
  // Fastify's request listener, taken off the server so that absolute-form requests can be
  // rewritten (or refused) before Fastify routes them, and so that the TLS server can share it.
  const fastifyListeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const serveLocally: RequestListener = (req, res) => {
    for (const l of fastifyListeners) l.call(server, req, res);
  };

  // Sockets handed to us by CONNECT leave the HTTP server's own bookkeeping, so closing the
  // server must end them here: idle ones at once, busy ones when their answer is written.
  const tunnels = new Set<Duplex>();
  let active = 0;
  let closing = false;
  const endTunnels = (): void => {
    for (const s of tunnels) s.destroy();
    tunnels.clear();
  };
  const track = (req: IncomingMessage, res: ServerResponse): void => {
    active += 1;
    res.once('close', () => {
      active -= 1;
      if (closing && active === 0) endTunnels();
    });
  };

  const tlsServer = https.createServer(
    {
      key: leaf.keyPem,
      cert: leaf.certPem,
      // The same limits as the plain server: the SDK's 10,000-row DELETE rides in the URL.
      maxHeaderSize: services.config.maxHeaderSize,
      requestTimeout: 300_000,
    },
    (req, res) => {
      track(req, res);
      serveLocally(req, res);
    },
  );
  // A request Node cannot read inside the tunnel (headers past the limit, garbage) gets the Graph
  // envelope, as on the plain port, rather than Node's empty 431/400.
  tlsServer.on('clientError', graphClientErrorHandler(services));
  tlsServer.on('secureConnection', (s) => {
    tunnels.add(s);
    s.once('close', () => tunnels.delete(s));
  });
  tlsServer.on('tlsClientError', (err, socket) => {
    log.add({
      kind: 'tls-failed',
      host: socket.servername || '(no SNI)',
      port: 443,
      reason: `${err.message} (does the client trust the CA from /_localgraph/ca.pem?)`,
    });
    socket.destroy();
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (tunnels.has(req.socket)) track(req, res);
    const m = ABSOLUTE_FORM.exec(req.url ?? '');
    if (!m) {
      serveLocally(req, res);
      return;
    }
    const scheme = m[1].toLowerCase();
    const target = parseHostPort(m[2].replace(/^[^@]*@/, ''), scheme === 'https' ? 443 : 80);
    const ownPort = (server.address() as { port?: number } | null)?.port;
    const isSelf = target !== undefined && target.port === ownPort && ['127.0.0.1', 'localhost', '::1', services.config.host].includes(target.host);
    if (!target || !((isGraphHost(target.host) && (target.port === 443 || target.port === 80)) || isSelf)) {
      const host = target?.host ?? m[2];
      const port = target?.port ?? 0;
      log.add({ kind: 'refused', host, port, reason: 'absolute-form request for a host localgraph does not serve' });
      res.writeHead(403, { 'content-type': 'application/json; charset=UTF-8', 'x-localgraph-proxy': 'refused' });
      res.end(refusalBody(refusalText(host, port)));
      return;
    }
    log.add({ kind: 'absolute-form', host: target.host, port: target.port, tls: false });
    const rest = m[3] === '' || m[3].startsWith('?') ? '/' + m[3] : m[3];
    req.url = rest;
    req.headers.host = m[2].replace(/^[^@]*@/, '');
    // The client asked for this scheme; paging links must send it back the same way.
    req.headers['x-forwarded-proto'] = scheme;
    serveLocally(req, res);
  });

  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = parseHostPort(req.url ?? '', 443);
    const refuse = (status: number, reason: string, body: string): void => {
      const head = [
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
        'content-type: application/json; charset=UTF-8',
        'x-localgraph-proxy: refused',
        `content-length: ${Buffer.byteLength(body)}`,
        'connection: close',
      ];
      socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
      log.add({ kind: 'refused', host: target?.host ?? String(req.url), port: target?.port ?? 0, reason });
    };
    if (!target) {
      refuse(400, 'CONNECT target is not host:port', refusalBody(`CONNECT needs host:port, got "${req.url}"`, 400));
      return;
    }
    if (closing) {
      refuse(503, 'server closing', refusalBody('localgraph is shutting down', 503));
      return;
    }
    if (!isGraphHost(target.host) || (target.port !== 443 && target.port !== 80)) {
      refuse(403, 'not a Graph API host', refusalBody(refusalText(target.host, target.port)));
      return;
    }
    const tls = target.port === 443;
    log.add({ kind: 'connect', host: target.host, port: target.port, tls });
    tunnels.add(socket);
    socket.once('close', () => tunnels.delete(socket));
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    // Port 443: TLS ends here, in-process. Port 80: plain HTTP inside the tunnel, served by the
    // plain server (its Host header still names the Graph host, so links stay on it).
    if (tls) tlsServer.emit('connection', socket);
    else server.emit('connection', socket);
  });

  app.addHook('preClose', (done) => {
    closing = true;
    if (active === 0) endTunnels();
    done();
  });
  return proxy;
}
