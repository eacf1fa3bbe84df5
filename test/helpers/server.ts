/**
 * A server for HTTP tests: in memory, the demo fixture loaded, matching without delay, on a real
 * socket (port 0). `call()` speaks plain HTTP to it; `inject()` goes through Fastify in-process.
 *
 * With `LOCALGRAPH_TEST_DATABASE_URL` set (the `postgres` vitest project sets it), each server
 * runs on PostgreSQL instead, in a schema of its own that is dropped when the server closes.
 */
import { randomBytes } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { dropPostgresSchema } from '../../src/storage/postgres.js';
import type { ServerConfig } from '../../src/server/config.js';

export const DEMO = {
  appId: '1234567890123456',
  appSecret: 'demo-app-secret-0123456789abcdef',
  appToken: '1234567890123456|demo-app-secret-0123456789abcdef',
  secondAppId: '6543210987654321',
  secondAppSecret: 'second-app-secret-fedcba9876543210',
  aliceToken: 'EAADemoAliceUserTokenForDemoApp0000000000000000000000000000',
  aliceSecondAppToken: 'EAADemoAliceUserTokenForSecondApp000000000000000000000000000',
  aliceAsid: '102938475610293',
  aliceSecondAsid: '109876543210987',
  bobToken: 'EAADemoBobUserTokenForDemoApp000000000000000000000000000000',
  bobAsid: '104857392018475',
  carolToken: 'EAADemoCarolTestUserToken0000000000000000000000000000000000',
  carolAsid: '100000000000001',
  pageId: '111222333444555',
  pageToken: 'EAADemoPageTokenForDemoPage0000000000000000000000000000000',
  systemUserToken: 'EAADemoSystemUserTokenForDemoBusiness0000000000000000000000',
  businessId: '100200300400500',
  adAccountId: '1029384756',
};

export interface TestServer extends RunningServer {
  /** fetch against the server: `call('/v21.0/me?access_token=…')`. */
  call(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: any }>; // any: tests read arbitrary JSON shapes
  admin(path: string, init?: RequestInit): Promise<{ status: number; body: any }>; // any: as above
}

/** The PostgreSQL URL HTTP tests run against, when the run asks for PostgreSQL. */
export const TEST_PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || undefined;

/** A schema name no other test run uses: `lgt_<pid>_<random>`. */
export function freshSchemaName(prefix = 'lgt'): string {
  return `${prefix}_${process.pid}_${randomBytes(5).toString('hex')}`;
}

export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const pg = TEST_PG_URL && overrides.databaseUrl === undefined ? { databaseUrl: TEST_PG_URL, pgSchema: freshSchemaName() } : {};
  let server: RunningServer;
  try {
    server = await startServer({ port: 0, ephemeral: true, dataDir: null, matchDelayMs: 0, ...pg, ...overrides });
  } catch (e) {
    if (pg.databaseUrl && pg.pgSchema) await dropPostgresSchema(pg.databaseUrl, pg.pgSchema).catch(() => undefined);
    throw e;
  }
  if (pg.databaseUrl && pg.pgSchema) {
    const { databaseUrl, pgSchema } = pg;
    const closeServer = server.close.bind(server);
    let dropped: Promise<void> | undefined;
    server.close = () => (dropped ??= closeServer().finally(() => dropPostgresSchema(databaseUrl, pgSchema)));
  }
  // LOCALGRAPH_TEST_LOG_ERRORS=1 prints what a 500 hides (tests run with logging off).
  if (process.env.LOCALGRAPH_TEST_LOG_ERRORS) {
    (server.services.log as unknown as { error: (...a: unknown[]) => void }).error = (...a: unknown[]) => console.error('localgraph error:', ...a);
  }
  const call: TestServer['call'] = async (path, init) => {
    const res = await fetch(server.url + path, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (the HTML fault page, a redirect): the raw text is the body
    }
    return { status: res.status, headers: res.headers, body };
  };
  const admin: TestServer['admin'] = async (path, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${server.adminToken}`);
    const res = await fetch(server.url + path, { ...init, headers });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  return Object.assign(server, { call, admin });
}
