/**
 * Errors as the real API renders them (spec/graph-api-core.md §1): one envelope with the real HTTP
 * status per code; an unknown node or unsupported method is 100/33 `GraphMethodException`; an
 * unknown path is 2500; an unexpected exception is code 2 with HTTP 500 and `is_transient`, never a
 * stack trace or an HTML page; every response is `application/json; charset=UTF-8`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { installProbe, socket, TRANSPORTS } from './support.js';

const W = '776000000000001';
const tok = `access_token=${DEMO.aliceToken}`;
const UNSUPPORTED = (method: string, id: string): string =>
  `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await installProbe(server).addWidget(W, 2);
});
afterAll(() => server.close());

describe.each(TRANSPORTS)('errors (%s)', (_name, send) => {
  it('renders the envelope with message, type, code, subcode and fbtrace_id, the trace id also in x-fb-trace-id', async () => {
    const r = await send(server, { path: `/v21.0/999000999000?${tok}` });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body)).toEqual(['error']);
    expect(Object.keys(r.body.error)).toEqual(['message', 'type', 'code', 'error_subcode', 'fbtrace_id']);
    expect(r.body.error.fbtrace_id).toMatch(/^A[A-Za-z0-9_-]{22}$/);
    expect(r.headers['x-fb-trace-id']).toBe(r.body.error.fbtrace_id);
  });

  it('answers an unknown node with 100/33 GraphMethodException, naming the method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const r = await send(server, { method, path: `/v21.0/999000999000?${tok}` });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException', message: UNSUPPORTED(method.toLowerCase(), '999000999000') });
      expect(r.headers['www-authenticate']).toBe(`OAuth "Facebook Platform" "invalid_request" "${UNSUPPORTED(method.toLowerCase(), '999000999000')}"`);
    }
  });

  it('answers a method a node or edge does not support with 100/33', async () => {
    const r = await send(server, { method: 'DELETE', path: `/v21.0/${W}/gallery?${tok}` });
    expect(r.body.error).toMatchObject({ code: 100, error_subcode: 33, message: UNSUPPORTED('delete', W) });
    const patch = await send(server, { method: 'PATCH', path: `/v21.0/${W}?${tok}`, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(patch.status).toBe(400);
    expect(patch.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(patch.body.error).toMatchObject({ code: 100, error_subcode: 33, message: UNSUPPORTED('patch', W) });
  });

  it('answers an unknown path or edge with 2500 Unknown path components', async () => {
    const r = await send(server, { path: `/v21.0/me/messages?${tok}` });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ message: 'Unknown path components: /me/messages', type: 'OAuthException', code: 2500, fbtrace_id: r.headers['x-fb-trace-id'] });
    const deep = await send(server, { path: `/v21.0/${W}/parts/extra/more?${tok}` });
    expect(deep.body.error.message).toBe(`Unknown path components: /${W}/parts/extra/more`);
  });

  it('answers an unexpected exception with code 2, HTTP 500 and is_transient, and no trace of the exception', async () => {
    const r = await send(server, { path: `/v21.0/${W}?fields=id,boom&${tok}` });
    expect(r.status).toBe(500);
    expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(r.body.error).toEqual({
      message: 'An unexpected error has occurred. Please retry your request later.',
      type: 'OAuthException',
      code: 2,
      is_transient: true,
      fbtrace_id: r.headers['x-fb-trace-id'],
    });
    expect(r.text).not.toMatch(/kaput|stack|at .*\.ts|Error:/);
  });

  it('answers a JSON body that is not JSON, or not an object, with (#100) — not a framework error page', async () => {
    for (const body of ['{not json', '[1,2]', '"text"']) {
      const r = await send(server, { method: 'POST', path: `/v21.0/me?${tok}`, headers: { 'content-type': 'application/json' }, body });
      expect(r.status, body).toBe(400);
      expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
      expect(r.body.error.code).toBe(100);
    }
  });

  it('answers a broken multipart body with (#100)', async () => {
    const r = await send(server, { method: 'POST', path: `/v21.0/me?${tok}`, headers: { 'content-type': 'multipart/form-data' }, body: 'garbage' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(100);
  });

  it('sends application/json; charset=UTF-8 on every answer: success, error, preflight, HEAD, and the control surface', async () => {
    const answers = [
      await send(server, { path: `/v21.0/me?${tok}` }),
      await send(server, { path: '/v21.0/me' }),
      await send(server, { method: 'OPTIONS', path: '/v21.0/me' }),
      await send(server, { method: 'HEAD', path: `/v21.0/me?${tok}` }),
      await send(server, { method: 'PUT', path: `/v21.0/me?${tok}` }),
      await send(server, { path: '/_localgraph/journal' }),
      await send(server, { path: '/_localgraph/health' }),
      await send(server, { path: '/' }),
      await send(server, { path: '/favicon.ico' }),
    ];
    for (const a of answers) expect(a.headers['content-type']).toBe('application/json; charset=UTF-8');
  });
});

describe('errors over a real socket only', () => {
  it('answers a malformed request line with the Graph envelope, not Node’s bare 400', async () => {
    const net = await import('node:net');
    const url = new URL(server.url);
    const text = await new Promise<string>((resolve, reject) => {
      const s = net.connect(Number(url.port), url.hostname, () => s.write('GET /v21.0/me HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'));
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text.toLowerCase()).toContain('content-type: application/json; charset=utf-8');
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: { code: number; fbtrace_id: string } };
    expect(body.error.code).toBe(100);
  });

  it('logs an unexpected exception with its trace id, while the client sees none of it', async () => {
    const spy = vi.spyOn(server.services.log, 'error').mockImplementation(() => undefined);
    try {
      const r = await socket(server, { path: `/v21.0/${W}?fields=boom&${tok}` });
      expect(r.body.error.code).toBe(2);
      const call = spy.mock.calls.find((c) => (c[0] as { traceId?: string }).traceId === r.body.error.fbtrace_id);
      expect(call).toBeDefined();
      expect(String((call?.[0] as { err: Error }).err.message)).toContain('kaput');
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps serving after an unexpected exception', async () => {
    await socket(server, { path: `/v21.0/${W}?fields=boom&${tok}` });
    const r = await socket(server, { path: `/v21.0/${W}?${tok}` });
    expect(r.status).toBe(200);
  });
});
