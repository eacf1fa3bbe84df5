/**
 * Versions in the path (spec/graph-api-core.md §3.1, §1.7): v10.0…v25.0 served as themselves, the
 * list is configuration, an unversioned call uses the app's default version (else the oldest
 * available), an expired version falls back to the oldest usable one, a malformed one is 2500, and
 * `facebook-api-version` always names the version that served the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { advanceClock, installProbe, mergeFixture, PROBE_ROOT, TRANSPORTS } from './support.js';

const PINNED_APP = '4440000000000001';
const PINNED_TOKEN = 'EAAPinnedVersionAppUserToken000000000000000000000000000000';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  installProbe(server);
  await mergeFixture(server, {
    apps: [{ id: PINNED_APP, secret: 'pinned-app-secret-000000', name: 'Pinned App', default_version: 'v19.0' }],
    people: [{ key: 'ver_pat', name: 'Pat Pinned', apps: [{ app: PINNED_APP, asid: '4441000000000001' }], tokens: [{ app: PINNED_APP, token: PINNED_TOKEN }] }],
  });
});
afterAll(() => server.close());

describe.each(TRANSPORTS)('versions (%s)', (_name, send) => {
  it('serves every version from v10.0 to v25.0 as itself and says so in facebook-api-version', async () => {
    for (let major = 10; major <= 25; major++) {
      const v = `v${major}.0`;
      const r = await send(server, { path: `/${v}/me?access_token=${DEMO.aliceToken}` });
      expect(r.status).toBe(200);
      expect(r.headers['facebook-api-version']).toBe(v);
      expect(r.body.id).toBe(DEMO.aliceAsid);
    }
  });

  it('serves an unversioned call with the app default version', async () => {
    const r = await send(server, { path: `/me?access_token=${PINNED_TOKEN}` });
    expect(r.status).toBe(200);
    expect(r.headers['facebook-api-version']).toBe('v19.0');
    const echo = await send(server, { path: `/${PROBE_ROOT}?access_token=${PINNED_TOKEN}` });
    expect(echo.body.version).toBe('v19.0');
  });

  it('serves an unversioned call with the oldest available version when the app has no default, or there is no token', async () => {
    const withToken = await send(server, { path: `/me?access_token=${DEMO.aliceToken}` });
    expect(withToken.headers['facebook-api-version']).toBe('v10.0');
    const anonymous = await send(server, { path: `/${PROBE_ROOT}` });
    expect(anonymous.body.version).toBe('v10.0');
    expect(anonymous.headers['facebook-api-version']).toBe('v10.0');
  });

  it('serves a historic version (v2.8, v3.3) with the oldest available version', async () => {
    for (const v of ['v2.8', 'v3.3', 'v9.0']) {
      const r = await send(server, { path: `/${v}/me?access_token=${DEMO.aliceToken}` });
      expect(r.status).toBe(200);
      expect(r.headers['facebook-api-version']).toBe('v10.0');
    }
  });

  it('answers a malformed version with 2500 Unknown path components', async () => {
    const cases: Array<[string, string]> = [
      ['/v2.80/me', 'Unknown path components: /v2.80/me'],
      ['/v21/me', 'Unknown path components: /v21/me'],
      ['/v99.0/me', 'Unknown path components: /v99.0/me'],
      // A version without its `v` is read as a path (facebook-swift-sdk#28).
      ['/2.7/me', 'Unknown path components: /me'],
    ];
    for (const [path, message] of cases) {
      const r = await send(server, { path: `${path}?access_token=${DEMO.aliceToken}` });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 2500, type: 'OAuthException', message });
      expect(r.headers['facebook-api-version']).toBeDefined();
    }
  });
});

describe('version table as configuration', () => {
  it('serves a version the configuration adds (v26.0) and refuses it when the configuration does not have it', async () => {
    const custom = await startTestServer({ versions: ['v24.0', 'v25.0', 'v26.0'] });
    try {
      const r = await custom.call(`/v26.0/me?access_token=${DEMO.aliceToken}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('facebook-api-version')).toBe('v26.0');
      // Unversioned: the oldest configured.
      const u = await custom.call(`/me?access_token=${DEMO.aliceToken}`);
      expect(u.headers.get('facebook-api-version')).toBe('v24.0');
    } finally {
      await custom.close();
    }
    const r = await server.call(`/v26.0/me?access_token=${DEMO.aliceToken}`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(2500);
  });
});

describe('expired versions', () => {
  let expiring: TestServer;
  beforeAll(async () => {
    const soon = Math.floor(Date.now() / 1000) + 3600;
    expiring = await startTestServer({ versionExpiries: { 'v10.0': soon, 'v11.0': new Date(soon * 1000).toISOString() } });
  });
  afterAll(() => expiring.close());

  it('serves a version as itself until its end date, then with the oldest usable version, as the clock moves', async () => {
    const before = await expiring.call(`/v10.0/me?access_token=${DEMO.aliceToken}`);
    expect(before.headers.get('facebook-api-version')).toBe('v10.0');
    await advanceClock(expiring, 7200);
    for (const v of ['v10.0', 'v11.0', 'v2.8']) {
      const after = await expiring.call(`/${v}/me?access_token=${DEMO.aliceToken}`);
      expect(after.status).toBe(200);
      expect(after.headers.get('facebook-api-version')).toBe('v12.0');
    }
    const current = await expiring.call(`/v12.0/me?access_token=${DEMO.aliceToken}`);
    expect(current.headers.get('facebook-api-version')).toBe('v12.0');
    const unversioned = await expiring.call(`/me?access_token=${DEMO.aliceToken}`);
    expect(unversioned.headers.get('facebook-api-version')).toBe('v12.0');
  });
});
