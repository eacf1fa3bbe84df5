import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appSecretProof } from '../../../src/client/graph/appsecret-proof.js';
import { GraphApiError } from '../../../src/client/graph/graph-api-error.js';
import { GraphClient } from '../../../src/client/graph/graph-client.js';
import type { GraphClientOptions } from '../../../src/client/graph/graph-client.js';
import { JsonRows } from '../../../src/client/graph/request-encoding.js';
import { isRetryable, retryDelay } from '../../../src/client/graph/retry-policy.js';

interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: new URL(req.url ?? '/', 'http://localhost'), headers: req.headers, body };
      seen.push(entry);
      handler(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  handler = (_req, res) => json(res, 200, { id: '1' });
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

function client(options: Partial<GraphClientOptions> = {}): GraphClient & { sleeps: number[] } {
  const sleeps: number[] = [];
  const c = new GraphClient({
    baseUrl,
    version: 'v21.0',
    accessToken: 'EAAtestTOKEN',
    appSecret: 'app-secret-xyz',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0,
    ...options,
  });
  return Object.assign(c, { sleeps });
}

describe('GraphClient requests', () => {
  it('computes appsecret_proof as HMAC-SHA256(app secret, token) in hex', () => {
    expect(appSecretProof('EAAtestTOKEN', 'app-secret-xyz')).toBe('9c7f9d84f3f8679bc74e7c6eca017e4f1b4b20225ff312c41576753f4779ee56');
  });

  it('GET: versioned path, params in the query, token in the Authorization header, appsecret_proof', async () => {
    handler = (_req, res) => json(res, 200, { id: '10', name: 'Jane' }, { 'x-app-usage': '{"call_count":3,"total_cputime":1,"total_time":2}' });
    const c = client();
    const response = await c.request('GET', 'me', { fields: 'id,name', limit: 5, filtering: [{ field: 'x' }] });
    expect(response.body).toEqual({ id: '10', name: 'Jane' });
    expect(response.usage.app).toEqual({ call_count: 3, total_cputime: 1, total_time: 2 });
    const req = seen[0]!;
    expect(req.url.pathname).toBe('/v21.0/me');
    expect(Object.fromEntries(req.url.searchParams)).toEqual({
      fields: 'id,name',
      limit: '5',
      filtering: '[{"field":"x"}]',
      appsecret_proof: '9c7f9d84f3f8679bc74e7c6eca017e4f1b4b20225ff312c41576753f4779ee56',
    });
    expect(req.headers.authorization).toBe('Bearer EAAtestTOKEN');
  });

  it('POST and DELETE: parameters as a JSON body, nested objects kept as objects', async () => {
    handler = (_req, res) => json(res, 200, { audience_id: '5', session_id: '9', num_received: 1, num_invalid_entries: 0, invalid_entry_samples: {} });
    const c = client({ tokenIn: 'param' });
    const payload = { schema: ['EMAIL'], data: [['f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79']] };
    await c.addUsers('5', payload, { session_id: 9, batch_seq: 1, last_batch_flag: true });
    await c.removeUsers('5', payload);
    await c.replaceUsers('5', payload, { session_id: 9, batch_seq: 1, last_batch_flag: false });
    expect(seen.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['POST /v21.0/5/users', 'DELETE /v21.0/5/users', 'POST /v21.0/5/usersreplace']);
    for (const r of seen) expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body)).toEqual({
      payload,
      session: { session_id: 9, batch_seq: 1, last_batch_flag: true },
      access_token: 'EAAtestTOKEN',
      appsecret_proof: '9c7f9d84f3f8679bc74e7c6eca017e4f1b4b20225ff312c41576753f4779ee56',
    });
    expect(JSON.parse(seen[1]!.body)).toMatchObject({ payload });
    expect(seen[1]!.url.search).toBe('');
  });

  it('typed custom-audience calls use act_ ids and CUSTOM by default', async () => {
    handler = (_req, res) => json(res, 200, { id: '238' });
    const c = client();
    await c.createCustomAudience('123', { name: 'Buyers', customer_file_source: 'USER_PROVIDED_ONLY' });
    await c.getCustomAudience('238', ['approximate_count_lower_bound', 'operation_status']);
    expect(seen[0]!.url.pathname).toBe('/v21.0/act_123/customaudiences');
    expect(JSON.parse(seen[0]!.body)).toMatchObject({ name: 'Buyers', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' });
    expect(seen[1]!.url.searchParams.get('fields')).toBe('approximate_count_lower_bound,operation_status');
  });
});

describe('GraphClient errors', () => {
  it('turns the error envelope into a GraphApiError with every field and the usage headers', async () => {
    handler = (_req, res) =>
      json(
        res,
        400,
        {
          error: {
            message: 'Permissions error', type: 'OAuthException', code: 200, error_subcode: 1870047, is_transient: false,
            error_user_title: 'Audience Size too Low', error_user_msg: 'You cannot remove users from this audience because it will result in a low audience size.',
            fbtrace_id: 'Az732jExHaoZeTVY1sDg8pE',
          },
        },
        {
          'x-business-use-case-usage': '{"542676646349772":[{"type":"custom_audience","call_count":10,"total_cputime":1,"total_time":3,"estimated_time_to_regain_access":0}]}',
          'x-ad-account-usage': '{"acc_id_util_pct":10}',
          'x-app-usage': '{"call_count":0,"total_cputime":0,"total_time":0}',
        },
      );
    const error = await client().delete('5/users', { payload: { schema: 'EMAIL_SHA256', data: ['x'] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphApiError);
    expect(error).toMatchObject({
      kind: 'graph', status: 400, code: 200, subcode: 1870047, type: 'OAuthException', is_transient: false,
      fbtrace_id: 'Az732jExHaoZeTVY1sDg8pE', error_user_title: 'Audience Size too Low', message: 'Permissions error',
      method: 'DELETE', path: '/v21.0/5/users',
      usage: {
        adAccount: { acc_id_util_pct: 10 },
        app: { call_count: 0, total_cputime: 0, total_time: 0 },
        businessUseCase: { '542676646349772': [expect.objectContaining({ type: 'custom_audience', estimated_time_to_regain_access: 0 })] },
      },
    });
  });

  it('an HTML 500 page becomes a transient GraphApiError, not a SyntaxError, and GETs are retried', async () => {
    let calls = 0;
    handler = (_req, res) => {
      if (++calls === 1) {
        res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!DOCTYPE html><html><head><title>Facebook | Error</title></head><body>Sorry, something went wrong.</body></html>');
      } else json(res, 200, { id: '1' });
    };
    const noRetry = await client({ retry: false }).get('me').catch((e: unknown) => e);
    expect(noRetry).toBeInstanceOf(GraphApiError);
    expect(noRetry).toMatchObject({ kind: 'http', status: 500, is_transient: true, code: 1 });
    expect((noRetry as Error).message).toContain('Facebook | Error');

    calls = 0;
    const c = client();
    expect(await c.get('me')).toEqual({ id: '1' });
    expect(c.sleeps).toEqual([500]);
  });

  it('does not repeat a POST after an ambiguous failure unless told it is idempotent', async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    };
    await expect(client().post('5/users', {})).rejects.toMatchObject({ kind: 'http', status: 502 });
    expect(calls).toBe(1);
    calls = 0;
    await expect(client({ retry: { maxAttempts: 3 } }).post('5/users', {}, { idempotent: true })).rejects.toBeInstanceOf(GraphApiError);
    expect(calls).toBe(3);
  });

  it('retries a transient Graph error on a POST, waiting estimated_time_to_regain_access on throttles', async () => {
    let calls = 0;
    handler = (_req, res) => {
      if (++calls === 1) {
        json(
          res,
          400,
          { error: { message: '(#80003) There have been too many calls to this ad-account.', type: 'OAuthException', code: 80003, error_subcode: 2446079, fbtrace_id: 'T' } },
          { 'x-business-use-case-usage': '{"1":[{"type":"custom_audience","call_count":100,"total_cputime":5,"total_time":5,"estimated_time_to_regain_access":2}]}' },
        );
      } else json(res, 200, { num_received: 1, num_invalid_entries: 0 });
    };
    const c = client();
    await c.post('5/users', { payload: {} });
    expect(c.sleeps).toEqual([120_000]);
  });

  it('a 200 answer with an error body (suppress_http_code) is an error', async () => {
    handler = (_req, res) => json(res, 200, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
    await expect(client({ retry: false }).get('me')).rejects.toMatchObject({ code: 190, status: 200 });
  });

  it('a refused connection is a transient network GraphApiError', async () => {
    const c = new GraphClient({ baseUrl: 'http://127.0.0.1:9', retry: false, accessToken: 't' });
    const error = await c.get('me').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', status: 0, is_transient: true });
    expect(isRetryable(error)).toBe(true);
  });

  it('sends a body of byte parts (encoded upload rows) with its length declared, not chunked, and byte-exact', async () => {
    const rows = [['a'.repeat(64), ''], ['b'.repeat(64), 'ü']];
    const parts = [Buffer.from('['), Buffer.from(JSON.stringify(rows[0])), Buffer.from(','), Buffer.from(JSON.stringify(rows[1])), Buffer.from(']')];
    await client({ retry: false }).post('1/users', { payload: { schema: ['EMAIL', 'FN'], data: new JsonRows(parts, 2) } });
    const [request] = seen;
    expect(request!.headers['transfer-encoding']).toBeUndefined();
    expect(Number(request!.headers['content-length'])).toBe(Buffer.byteLength(request!.body));
    expect(JSON.parse(request!.body)).toMatchObject({ payload: { schema: ['EMAIL', 'FN'], data: rows } });
  });

  it('a server that never answers times out as a transient network error naming the timeout', async () => {
    handler = () => undefined; // no answer
    const error = await client({ retry: false, timeoutMs: 150 }).get('me').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', status: 0, is_transient: true });
    expect((error as Error).message).toMatch(/request failed: .*timeout/);
  });

  it("a caller's abort is the caller's error, not a Graph failure", async () => {
    handler = () => undefined;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await client({ retry: false }).get('me', {}, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(GraphApiError);
    expect((error as Error).name).toBe('AbortError');
  });

  it('follows a redirect as fetch would, and keeps repeated response headers', async () => {
    handler = (req, res) => {
      if (req.url.pathname === '/v21.0/old') {
        res.writeHead(302, { location: '/v21.0/me' }).end();
        return;
      }
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      json(res, 200, { id: '7' });
    };
    const response = await client({ retry: false }).request<{ id: string }>('GET', 'old', {});
    expect(response.body).toEqual({ id: '7' });
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(seen.map((r) => r.url.pathname)).toEqual(['/v21.0/old', '/v21.0/me']);
  });
});

describe('retry policy', () => {
  const err = (status: number, envelope: Record<string, unknown>) =>
    GraphApiError.fromResponse({ status, bodyText: JSON.stringify({ error: envelope }), contentType: 'application/json', method: 'GET', path: '/', usage: {} });

  it.each([
    [1, true], [2, true], [4, true], [17, true], [613, true], [80003, true], [80004, true], [100, false], [190, false], [200, false], [2650, false],
  ])('code %i retryable: %s', (code, expected) => {
    expect(isRetryable(err(400, { message: 'x', code }))).toBe(expected);
  });

  it('honours is_transient and 5xx whatever the code', () => {
    expect(isRetryable(err(400, { message: 'x', code: 100, is_transient: true }))).toBe(true);
    expect(isRetryable(err(503, { message: 'x', code: 100 }))).toBe(true);
  });

  it('backs off exponentially with equal jitter, capped, and stops after maxAttempts', () => {
    const e = err(500, { message: 'x', code: 2 });
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => retryDelay(e, attempt, { maxAttempts: 8, maxDelayMs: 10_000 }, () => 1)?.delayMs);
    expect(delays).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, undefined]);
    expect(retryDelay(e, 1, {}, () => 0)?.delayMs).toBe(500);
  });

  it('gives up on a throttle longer than maxThrottleWaitMs', () => {
    const throttled = GraphApiError.fromResponse({
      status: 400,
      bodyText: JSON.stringify({ error: { message: 'x', code: 80003 } }),
      contentType: 'application/json',
      method: 'POST',
      path: '/',
      usage: { businessUseCase: { '1': [{ type: 'custom_audience', call_count: 100, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 90 }] } },
    });
    expect(retryDelay(throttled, 1, {}, () => 0)).toBeUndefined();
    expect(retryDelay(throttled, 1, { maxThrottleWaitMs: 2 * 60 * 60_000 }, () => 0)).toEqual({ delayMs: 90 * 60_000, throttled: true });
  });
});

describe('GraphClient paging and batch', () => {
  it('iterates pages by following paging.next, on the configured host only', async () => {
    handler = (req, res) => {
      const after = req.url.searchParams.get('after');
      // `next` names another host, as a server behind a proxy might: the client must stay on its own.
      const next = (cursor: string) => `https://graph.example.invalid/v21.0/act_1/customaudiences?limit=2&after=${cursor}`;
      if (after === null) json(res, 200, { data: [{ id: 'a' }, { id: 'b' }], paging: { cursors: { after: 'Mg' }, next: next('Mg') } });
      else if (after === 'Mg') json(res, 200, { data: [{ id: 'c' }], paging: { cursors: { after: 'Mw' }, next: next('Mw') } });
      else json(res, 200, { data: [], paging: { cursors: {} } });
    };
    const ids: string[] = [];
    for await (const audience of client().listCustomAudiences('1', ['id'], { limit: 2 })) ids.push(audience.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(seen).toHaveLength(3);
    expect(seen.map((r) => r.url.pathname)).toEqual(Array(3).fill('/v21.0/act_1/customaudiences'));
    expect(seen[2]!.headers.authorization).toBe('Bearer EAAtestTOKEN');
    expect(seen[2]!.url.searchParams.get('appsecret_proof')).toBe('9c7f9d84f3f8679bc74e7c6eca017e4f1b4b20225ff312c41576753f4779ee56');
  });

  it('sends a batch and decodes each item, errors and nulls included', async () => {
    handler = (_req, res) =>
      json(res, 200, [
        { code: 200, headers: [{ name: 'Content-Type', value: 'application/json' }], body: '{"id":"10","name":"Jane"}' },
        { code: 400, headers: [], body: '{"error":{"message":"(#100) Unknown fields: x.","type":"OAuthException","code":100,"fbtrace_id":"Q"}}' },
        null,
      ]);
    const results = await client().batch([
      { method: 'GET', relative_url: 'me?fields=id,name' },
      { method: 'POST', relative_url: '5/users', body: { payload: { schema: 'EMAIL_SHA256', data: ['a'] } } },
      { method: 'DELETE', relative_url: '6' },
    ]);
    expect(results[0]).toEqual({ ok: true, status: 200, headers: { 'content-type': 'application/json' }, body: { id: '10', name: 'Jane' } });
    expect(results[1]).toMatchObject({ ok: false, status: 400, error: { code: 100, fbtrace_id: 'Q', path: '/5/users' } });
    expect(results[2]).toBeNull();
    const sent = JSON.parse(seen[0]!.body) as { batch: { body?: string }[]; access_token: string; include_headers: boolean };
    expect(seen[0]!.url.pathname).toBe('/v21.0');
    expect(sent.access_token).toBe('EAAtestTOKEN');
    expect(new URLSearchParams(sent.batch[1]!.body).get('payload')).toBe('{"schema":"EMAIL_SHA256","data":["a"]}');
  });

  it('refuses more than 50 operations', async () => {
    const ops = Array.from({ length: 51 }, () => ({ method: 'GET' as const, relative_url: 'me' }));
    await expect(client().batch(ops)).rejects.toThrow(RangeError);
  });
});
