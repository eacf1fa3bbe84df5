/**
 * The request-wide options (spec/graph-api-core.md §3.4, §3.5, §3.7, §3.8): `ids=` multi-id reads,
 * the `method=` override, `pretty`, `suppress_http_code=1`, `debug=` with `__debug__`,
 * `metadata=1` where the version still has it, and client extras (`format`, `sdk`…) ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { installProbe, PROBE_ROOT, TRANSPORTS } from './support.js';

const W1 = '773000000000001';
const W2 = '773000000000002';
const tok = `access_token=${DEMO.aliceToken}`;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const probe = installProbe(server);
  await probe.addWidget(W1, 3);
  await probe.addWidget(W2, 1);
});
afterAll(() => server.close());

describe.each(TRANSPORTS)('request options (%s)', (_name, send) => {
  it('reads several nodes with ids=, keyed by the ids as given, at / and at /vX.Y', async () => {
    for (const prefix of ['', '/v21.0']) {
      const r = await send(server, { path: `${prefix}/?ids=${W1},${W2},me&fields=name&${tok}` });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        [W1]: { name: `Widget ${W1}`, id: W1 },
        [W2]: { name: `Widget ${W2}`, id: W2 },
        me: { name: 'Alice Example', id: DEMO.aliceAsid },
      });
    }
  });

  it('answers ids= naming something that does not exist with (#803), HTTP 404', async () => {
    const r = await send(server, { path: `/v21.0/?ids=${W1},404404404&${tok}` });
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ code: 803, type: 'OAuthException', message: '(#803) Some of the aliases you requested do not exist: 404404404' });
    expect(r.headers['www-authenticate']).toContain('"not_found"');
  });

  it('overrides the HTTP method with method=, in any case, from the query or the body', async () => {
    const cases: Array<{ http: string; where: 'query' | 'body'; method: string; expected: string }> = [
      { http: 'POST', where: 'query', method: 'delete', expected: 'DELETE' },
      { http: 'POST', where: 'body', method: 'DELETE', expected: 'DELETE' },
      { http: 'POST', where: 'body', method: 'Get', expected: 'GET' },
      { http: 'GET', where: 'query', method: 'post', expected: 'POST' },
      { http: 'DELETE', where: 'query', method: 'GET', expected: 'GET' },
    ];
    for (const c of cases) {
      const q = c.where === 'query' ? `?method=${c.method}` : '';
      const body = c.where === 'body' ? `method=${c.method}` : undefined;
      const r = await send(server, { method: c.http, path: `/v21.0/${PROBE_ROOT}${q}`, body });
      expect(r.body.method, JSON.stringify(c)).toBe(c.expected);
    }
    // Through to a node: POST /{id}?method=delete reaches the node's delete handler.
    const node = await send(server, { method: 'POST', path: `/v21.0/${W1}/parts?method=delete&${tok}`, body: 'payload=x' });
    expect(node.body.method).toBe('DELETE');
    expect(node.body.params.payload).toBe('x');
  });

  it('indents the answer with pretty=1 and not with pretty=0, errors included', async () => {
    const pretty = await send(server, { path: `/v21.0/me?pretty=1&${tok}` });
    expect(pretty.text).toBe(JSON.stringify({ name: 'Alice Example', id: DEMO.aliceAsid }, null, 2));
    const compact = await send(server, { path: `/v21.0/me?pretty=0&${tok}` });
    expect(compact.text).toBe(JSON.stringify({ name: 'Alice Example', id: DEMO.aliceAsid }));
    const err = await send(server, { path: '/v21.0/me?pretty=true' });
    expect(err.text).toContain('\n  "error": {\n');
    // A client's odd value is not an error.
    const odd = await send(server, { path: `/v21.0/me?pretty=yes&${tok}` });
    expect(odd.status).toBe(200);
  });

  it('answers errors with HTTP 200 and the normal error body under suppress_http_code=1', async () => {
    const r = await send(server, { path: '/v21.0/me?suppress_http_code=1' });
    expect(r.status).toBe(200);
    expect(r.body.error.code).toBe(2500);
    expect(r.headers['www-authenticate']).toBeDefined();
    const ok = await send(server, { path: `/v21.0/me?suppress_http_code=1&${tok}` });
    expect(ok.status).toBe(200);
    expect(ok.body.id).toBe(DEMO.aliceAsid);
  });

  it('adds __debug__ with debug=all|info|warning, saying when a permission-gated field was left out', async () => {
    const bob = `access_token=${DEMO.bobToken}`;
    const warning = {
      message: 'Field secret is only accessible with the user_likes permission',
      type: 'warning',
    };
    for (const level of ['all', 'info', 'warning']) {
      const r = await send(server, { path: `/v21.0/${W1}?fields=id,secret&debug=${level}&${bob}` });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ id: W1, __debug__: { messages: [warning] } });
    }
    const clean = await send(server, { path: `/v21.0/${W1}?fields=id,name&debug=all&${bob}` });
    expect(clean.body.__debug__).toEqual({});
    const none = await send(server, { path: `/v21.0/${W1}?fields=id,secret&${bob}` });
    expect(none.body).toEqual({ id: W1 });
  });

  it('adds node metadata with metadata=1 before v25.0, and not from v25.0 on', async () => {
    const r = await send(server, { path: `/v24.0/${W1}?metadata=1&fields=name&${tok}` });
    expect(r.status).toBe(200);
    expect(r.body.name).toBe(`Widget ${W1}`);
    expect(r.body.id).toBe(W1);
    expect(r.body.metadata.type).toBe('widget');
    const names = r.body.metadata.fields.map((f: { name: string }) => f.name);
    expect(names).toEqual(expect.arrayContaining(['id', 'name', 'color', 'owner']));
    expect(r.body.metadata.fields.find((f: { name: string }) => f.name === 'id')).toEqual({ name: 'id', description: 'The widget id', type: 'numeric string' });
    expect(Object.keys(r.body.metadata.connections).sort()).toEqual(['gallery', 'parts']);
    // The connection URLs are real paths on this server.
    const follow = await send(server, { path: `${new URL(r.body.metadata.connections.parts).pathname}?${tok}` });
    expect(follow.body.data).toHaveLength(3);
    // Fields a version does not have are not listed for it.
    const old = await send(server, { path: `/v19.0/${W1}?metadata=1&${tok}` });
    expect(old.body.metadata.fields.map((f: { name: string }) => f.name)).not.toContain('color');
    const v25 = await send(server, { path: `/v25.0/${W1}?metadata=1&${tok}` });
    expect(v25.status).toBe(200);
    expect(v25.body.metadata).toBeUndefined();
  });

  it('ignores format, sdk and other client extras', async () => {
    const r = await send(server, {
      path: `/v21.0/me?format=json&sdk=joey&sdk_version=2&locale=en_US&callback_hint=x&batch_app_id=${DEMO.appId}&${tok}`,
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ name: 'Alice Example', id: DEMO.aliceAsid });
    // Graph Explorer's own set of extras.
    const explorer = await send(server, { path: `/v21.0/me?debug=all&format=json&method=get&pretty=0&suppress_http_code=1&${tok}` });
    expect(explorer.body).toEqual({ name: 'Alice Example', id: DEMO.aliceAsid, __debug__: {} });
  });
});
