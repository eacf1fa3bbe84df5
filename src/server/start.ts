/**
 * Starts a localgraph server: opens the store (SQLite by default, PostgreSQL with a URL), loads
 * the demo fixture into an empty store, wires the domains, and listens. `startServer()` is also
 * the programmatic entry for test runners in other projects.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { emptyHooks } from '../graph/hooks.js';
import { Registry } from '../graph/registry.js';
import { VersionTable } from '../graph/versions.js';
import { Journal } from '../journal/journal.js';
import { loadFixture } from '../fixtures/load.js';
import { openStore, type Store } from '../storage/store.js';
import { defaultConfig, type ServerConfig } from './config.js';
import { DOMAINS } from './domains.js';
import { buildHttpApp } from './http.js';
import { createLogger } from './logger.js';
import type { Services } from './services.js';
import { NO_LIMITS } from '../ratelimit/limiter.js';
import { EventBus } from './events.js';
import { installProxyMode } from '../proxy/forward-proxy.js';
import { installLifecycle, shutdownHttp } from '../scaling/lifecycle.js';
import { defaultAdminToken, openClock, stopClock } from '../scaling/process-setup.js';

export const DEMO_FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'demo.json');

export interface RunningServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  adminToken: string;
  services: Services;
  store: Store;
  http: FastifyInstance;
  /** Proxy mode (`proxy: true`): `HTTPS_PROXY` for clients, and the CA certificate they must trust. */
  proxy?: { url: string; caPem: string };
  close(): Promise<void>;
}

/** `versionExpiries` values are unix seconds or ISO dates; the table wants seconds. */
function expiriesInSeconds(given: Record<string, number | string> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(given ?? {})) {
    const seconds = typeof v === 'number' ? v : Math.floor(Date.parse(v) / 1000);
    if (!Number.isFinite(seconds)) throw new Error(`versionExpiries.${name}: "${String(v)}" is not a date`);
    out[name] = seconds;
  }
  return out;
}

export async function startServer(options: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config = defaultConfig(options);
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    pgSchema: config.pgSchema,
    sqliteFile: config.ephemeral || !config.dataDir ? null : path.join(config.dataDir, 'localgraph.sqlite'),
  });
  // On PostgreSQL, processes behind one balancer share the admin token and the clock (scaling/).
  config.adminToken ??= await defaultAdminToken(store);
  const clock = await openClock(store);
  const services: Services = {
    config,
    store,
    clock,
    versions: new VersionTable(config.versions, expiriesInSeconds(config.versionExpiries)),
    registry: new Registry(),
    hooks: emptyHooks(),
    journal: new Journal(config.journalSize),
    log: createLogger(config.logRequests),
    limits: NO_LIMITS,
    events: new EventBus(),
    extensions: new Map(),
    onClose: [],
  };
  for (const d of DOMAINS) await d(services.registry, services);

  // Processes starting together on one database: one loads, the others then find it loaded.
  await store.locks.exclusive('startup-fixture', async () => {
    if (config.fixture) {
      await loadFixture(store, clock, JSON.parse(fs.readFileSync(config.fixture, 'utf8')) as unknown, { replace: true });
    } else if (config.demo && (await store.world.listApps()).length === 0) {
      await loadFixture(store, clock, JSON.parse(fs.readFileSync(DEMO_FIXTURE, 'utf8')) as unknown, { replace: false });
    }
  });

  const http = await buildHttpApp(services);
  const proxy = installProxyMode(http, services);
  installLifecycle(http, services);
  await http.listen({ port: config.port, host: config.host });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const hostForUrl = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let closed = false;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    adminToken: config.adminToken,
    services,
    store,
    http,
    proxy: proxy ? { url: `http://${hostForUrl}:${port}`, caPem: proxy.ca.certPem } : undefined,
    async close() {
      if (closed) return;
      closed = true;
      // Turn unready, stop accepting, let in-flight requests finish, then stop workers and the store.
      await shutdownHttp(http, services, { drainDelayMs: config.shutdownDelayMs ?? 0, graceMs: config.shutdownGraceMs ?? 30_000 });
      for (const c of services.onClose) await c();
      stopClock(clock);
      await store.close();
    },
  };
}
