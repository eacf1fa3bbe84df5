/**
 * Response headers (spec/graph-api-core.md §2, §1.4): `x-fb-trace-id` (equal to the body's
 * `fbtrace_id` on errors), `x-fb-rev`, `facebook-api-version`, the real cache headers on success
 * and on errors, and the usage headers' shape where the server sends them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { TRANSPORTS } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe.each(TRANSPORTS)('response headers (%s)', (_name, send) => {
  it('sends the real success headers', async () => {
    const r = await send(server, { path: `/v21.0/me?access_token=${DEMO.aliceToken}` });
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({
      'content-type': 'application/json; charset=UTF-8',
      'facebook-api-version': 'v21.0',
      'cache-control': 'private, no-cache, no-store, must-revalidate',
      pragma: 'no-cache',
      expires: 'Sat, 01 Jan 2000 00:00:00 GMT',
      'access-control-allow-origin': '*',
    });
    expect(r.headers['x-fb-rev']).toMatch(/^\d+$/);
    expect(r.headers['x-fb-trace-id']).toMatch(/^A[A-Za-z0-9_-]{22}$/);
    expect(r.headers['x-fb-request-id']).toBeDefined();
  });

  it('sends Cache-Control: no-store on errors, and the error trace id in x-fb-trace-id', async () => {
    const r = await send(server, { path: '/v21.0/me?access_token=garbage' });
    expect(r.status).toBe(400);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-fb-trace-id']).toBe(r.body.error.fbtrace_id);
    expect(r.headers['x-fb-rev']).toMatch(/^\d+$/);
    expect(r.headers['facebook-api-version']).toBe('v21.0');
  });

  it('gives every call its own trace id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await send(server, { path: `/v21.0/me?access_token=${DEMO.aliceToken}` })).headers['x-fb-trace-id']);
    expect(ids.size).toBe(5);
  });

  it('sends usage headers, when it sends them, in the real shapes', async () => {
    for (let i = 0; i < 3; i++) await send(server, { path: `/v21.0/me?access_token=${DEMO.aliceToken}` });
    const r = await send(server, { path: `/v21.0/me?access_token=${DEMO.aliceToken}` });
    const appUsage = r.headers['x-app-usage'];
    if (appUsage !== undefined) {
      const u = JSON.parse(appUsage) as Record<string, unknown>;
      expect(Object.keys(u).sort()).toEqual(['call_count', 'total_cputime', 'total_time']);
      for (const v of Object.values(u)) expect(Number.isInteger(v)).toBe(true);
    }
    const buc = r.headers['x-business-use-case-usage'];
    if (buc !== undefined) {
      const u = JSON.parse(buc) as Record<string, Array<Record<string, unknown>>>;
      for (const entries of Object.values(u)) for (const e of entries) expect(e).toHaveProperty('type');
    }
    // The header is never sent broken: if present, it parses.
    expect(r.status).toBe(200);
  });
});
