/**
 * Batch requests (spec/graph-api-core.md §5; real-clients §1.2 step e, §1.4 step e, §1.8 item 5):
 * at `/`, `/vX.Y` and `/vX.Y/`; `batch` as a JSON array or a JSON string, in JSON or form bodies;
 * up to 50 operations, each with its own token or the top-level one; `name`, `depends_on`,
 * JSONPath references, `omit_response_on_success`, `include_headers`; answered as
 * `[{code, headers:[{name,value}], body:"<json string>"}]` with `null` where the real API gives it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { installProbe, PROBE_ROOT, TRANSPORTS, type Answer } from './support.js';

const W = '775000000000001';
const HEX = 'a3f1c2e4b5d6978812345678901234567890abcdefabcdefabcdefabcdef0123';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await installProbe(server).addWidget(W, 5);
});
afterAll(() => server.close());

interface Item {
  code: number;
  headers?: Array<{ name: string; value: string }>;
  body: string;
}

const bodyOf = (item: Item | null): any => (item ? JSON.parse(item.body) : null); // any: arbitrary JSON

function expectItems(r: Answer, n: number): Array<Item | null> {
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
  expect(Array.isArray(r.body)).toBe(true);
  expect(r.body).toHaveLength(n);
  return r.body as Array<Item | null>;
}

const twoReads = [
  { method: 'GET', relative_url: 'me?fields=id,name' },
  { method: 'GET', relative_url: `${W}?fields=name` },
];

describe.each(TRANSPORTS)('batch (%s)', (_name, send) => {
  it('runs a batch posted at /, /vX.Y and /vX.Y/ with a JSON body holding an array (the business SDK)', async () => {
    for (const path of ['/', '/v21.0', '/v21.0/']) {
      const r = await send(server, {
        method: 'POST',
        path: `${path}?access_token=${DEMO.aliceToken}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batch: twoReads }),
      });
      const [a, b] = expectItems(r, 2);
      expect(a?.code).toBe(200);
      expect(bodyOf(a)).toEqual({ id: DEMO.aliceAsid, name: 'Alice Example' });
      expect(bodyOf(b)).toEqual({ name: `Widget ${W}`, id: W });
      expect(typeof a?.body).toBe('string');
    }
  });

  it('runs a batch given as a JSON string in a form body, token in both query and body (fbgraph), and in a JSON body', async () => {
    const form = await send(server, {
      method: 'POST',
      path: `/v21.0/?access_token=${DEMO.aliceToken}`,
      body: `access_token=${DEMO.aliceToken}&batch=${encodeURIComponent(JSON.stringify(twoReads))}`,
    });
    expect(expectItems(form, 2).map((i) => i?.code)).toEqual([200, 200]);
    const jsonString = await send(server, {
      method: 'POST',
      path: '/v21.0',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: DEMO.aliceToken, batch: JSON.stringify(twoReads) }),
    });
    expect(expectItems(jsonString, 2).map((i) => i?.code)).toEqual([200, 200]);
  });

  it('accepts a batch posted to /me, as the docs sample does', async () => {
    const r = await send(server, { method: 'POST', path: `/v21.0/me?access_token=${DEMO.aliceToken}&batch=${encodeURIComponent(JSON.stringify(twoReads))}` });
    expect(expectItems(r, 2).map((i) => i?.code)).toEqual([200, 200]);
  });

  it('takes methods in any case, relative URLs with or without slashes, and raw or percent-encoded sub-bodies', async () => {
    const payload = { schema: ['EMAIL', 'FN'], data: [[HEX, HEX]] };
    const ops = [
      { method: 'get', relative_url: '/me/?fields=id' },
      { method: 'post', relative_url: `${W}/parts`, body: `payload=${JSON.stringify(payload)}&fields=`, attachedFiles: '' },
      { method: 'POST', relative_url: `/${W}/parts/`, body: `payload=${encodeURIComponent(JSON.stringify(payload))}&note=a+b` },
      { method: 'DELETE', relative_url: `${W}/parts?payload=${encodeURIComponent(JSON.stringify(payload))}` },
    ];
    const r = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(JSON.stringify(ops))}` });
    const [me, raw, encoded, del] = expectItems(r, 4);
    expect(bodyOf(me)).toEqual({ id: DEMO.aliceAsid });
    expect(bodyOf(raw).method).toBe('POST');
    expect(bodyOf(raw).payload_decoded).toEqual(payload);
    expect(bodyOf(encoded).payload_decoded).toEqual(payload);
    expect(bodyOf(encoded).params.note).toBe('a b');
    expect(bodyOf(del).method).toBe('DELETE');
    expect(bodyOf(del).payload_decoded).toEqual(payload);
  });

  it('runs each operation with its own token, or the top-level one', async () => {
    const ops = [
      { method: 'GET', relative_url: 'me' },
      { method: 'GET', relative_url: `me?access_token=${DEMO.bobToken}` },
      { method: 'POST', relative_url: `${PROBE_ROOT}`, body: `access_token=${DEMO.carolToken}` },
    ];
    const r = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(JSON.stringify(ops))}` });
    const [alice, bob, carol] = expectItems(r, 3);
    expect(bodyOf(alice).id).toBe(DEMO.aliceAsid);
    expect(bodyOf(bob).id).toBe(DEMO.bobAsid);
    expect(bodyOf(carol).token).toBe(DEMO.carolToken);
  });

  it('keeps an operation error in its item, with its status, error body and WWW-Authenticate header', async () => {
    const ops = [
      { method: 'GET', relative_url: '999000999000' },
      { method: 'GET', relative_url: 'me/nothing' },
      { method: 'GET', relative_url: 'me' },
    ];
    const r = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(JSON.stringify(ops))}` });
    const [unknown, path, ok] = expectItems(r, 3);
    expect(unknown?.code).toBe(400);
    expect(bodyOf(unknown).error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    expect(bodyOf(unknown).error.message).toMatch(/^Unsupported get request\. Object with ID '999000999000' does not exist/);
    const www = unknown?.headers?.find((h) => h.name === 'WWW-Authenticate');
    expect(www?.value).toMatch(/^OAuth "Facebook Platform" "invalid_request" "Unsupported get request\./);
    expect(unknown?.headers?.find((h) => h.name === 'Facebook-Api-Version')?.value).toBe('v21.0');
    expect(path?.code).toBe(400);
    expect(bodyOf(path).error).toMatchObject({ code: 2500, message: 'Unknown path components: /me/nothing' });
    expect(ok?.code).toBe(200);
  });

  it('substitutes JSONPath references to named results, and omits a referenced result unless asked to keep it', async () => {
    const ops = [
      { method: 'GET', relative_url: 'me?fields=id', name: 'who' },
      { method: 'GET', relative_url: '{result=who:$.id}?fields=name' },
      { method: 'GET', relative_url: `${W}/parts?limit=3`, name: 'parts', omit_response_on_success: false },
      { method: 'POST', relative_url: PROBE_ROOT, body: 'ids={result=parts:$.data.*.id}&first={result=parts:$.data[0].name}' },
    ];
    const r = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(JSON.stringify(ops))}` });
    const [who, name, parts, echo] = expectItems(r, 4);
    expect(who).toBeNull();
    expect(bodyOf(name)).toEqual({ name: 'Alice Example', id: DEMO.aliceAsid });
    expect(bodyOf(parts).data).toHaveLength(3);
    expect(bodyOf(echo).params.ids).toBe(`${W}0000,${W}0001,${W}0002`);
    expect(bodyOf(echo).params.first).toBe('part 0');
  });

  it('answers null for an operation whose dependency failed, and runs the others', async () => {
    const ops = [
      { method: 'GET', relative_url: '999000999001', name: 'broken' },
      { method: 'GET', relative_url: 'me', depends_on: 'broken' },
      { method: 'GET', relative_url: 'me?fields=name' },
    ];
    const r = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(JSON.stringify(ops))}` });
    const [broken, dependent, independent] = expectItems(r, 3);
    expect(broken?.code).toBe(400);
    expect(dependent).toBeNull();
    expect(bodyOf(independent).name).toBe('Alice Example');
    expect(r.text).toContain(',null,');
  });

  it('sends headers as [{name,value}] by default and leaves them out with include_headers=false', async () => {
    const batch = encodeURIComponent(JSON.stringify(twoReads));
    const withHeaders = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${batch}` });
    const [item] = expectItems(withHeaders, 2);
    // In the real answers' key order.
    expect(Object.keys(item ?? {})).toEqual(['code', 'headers', 'body']);
    expect(item?.headers).toEqual(
      expect.arrayContaining([
        { name: 'Content-Type', value: 'application/json; charset=UTF-8' },
        { name: 'Facebook-Api-Version', value: 'v21.0' },
        { name: 'Cache-Control', value: 'private, no-cache, no-store, must-revalidate' },
      ]),
    );
    const without = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${batch}&include_headers=false` });
    for (const i of expectItems(without, 2)) expect(Object.keys(i ?? {}).sort()).toEqual(['body', 'code']);
  });

  it('accepts 50 operations and refuses 51 with the batch-size error', async () => {
    const fifty = Array.from({ length: 50 }, () => ({ method: 'GET', relative_url: 'me?fields=id' }));
    const ok = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(JSON.stringify(fifty))}` });
    expect(expectItems(ok, 50).every((i) => i?.code === 200)).toBe(true);
    const tooMany = [...fifty, { method: 'GET', relative_url: 'me' }];
    const r = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(JSON.stringify(tooMany))}` });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 100, type: 'OAuthException', message: '(#100) Too many requests in batch message. Maximum batch size is 50' });
  });

  it('needs a top-level token even when every operation has its own', async () => {
    const ops = [{ method: 'GET', relative_url: `me?access_token=${DEMO.aliceToken}` }];
    const r = await send(server, { method: 'POST', path: '/v21.0', body: `batch=${encodeURIComponent(JSON.stringify(ops))}` });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(104);
  });

  it('answers a batch that is not a JSON array with (#100)', async () => {
    for (const batch of ['not json', '{"method":"GET"}', '[1,2]']) {
      const r = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(batch)}` });
      expect(r.status, batch).toBe(400);
      expect(r.body.error.code, batch).toBe(100);
    }
  });

  it('reads a raw + in a sub-body as a space, as Graph does, and says so in the journal', async () => {
    const ops = [{ method: 'POST', relative_url: PROBE_ROOT, body: 'email=a+b@example.com' }];
    const r = await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(JSON.stringify(ops))}` });
    const [item] = expectItems(r, 1);
    expect(bodyOf(item).params.email).toBe('a b@example.com');
    const entries = (await server.admin('/_localgraph/journal?limit=2')).body.data as Array<{ batchOf?: string; warnings?: string[] }>;
    const op = entries.find((e) => e.batchOf === 'batch');
    expect(op?.warnings).toEqual(["body has a raw '+', read as a space as Graph does: send %2B if it is data"]);
  });

  it('counts each operation as a call against the app rate limit (200 × daily users per hour)', async () => {
    const limited = await startTestServer();
    try {
      const token = 'EAABatchRateLimitedAppUserToken0000000000000000000000000000';
      const add = await limited.admin('/_localgraph/fixture?merge=1', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          apps: [{ id: '7750000000000009', secret: 'batch-limit-secret', name: 'One User App', daily_users: 1 }],
          people: [{ key: 'rl_ray', name: 'Ray Limit', apps: [{ app: '7750000000000009', asid: '7751000000000009' }], tokens: [{ app: '7750000000000009', token }] }],
        }),
      });
      expect(add.status).toBe(200);
      const fifty = encodeURIComponent(JSON.stringify(Array.from({ length: 50 }, () => ({ method: 'GET', relative_url: 'me?fields=id' }))));
      const codes: number[] = [];
      let last: Item | null = null;
      for (let i = 0; i < 5; i++) {
        const r = await send(limited, { method: 'POST', path: `/v21.0?access_token=${token}`, body: `batch=${fifty}&include_headers=false` });
        for (const item of expectItems(r, 50)) {
          codes.push(item?.code ?? 0);
          last = item;
        }
      }
      expect(bodyOf(last).error).toMatchObject({ code: 4, message: '(#4) Application request limit reached', is_transient: true });
      const ok = codes.filter((c) => c === 200).length;
      // 250 operations against a budget of 200 calls: the batch itself is not what is counted.
      expect(ok).toBeGreaterThanOrEqual(195);
      expect(ok).toBeLessThanOrEqual(200);
      expect(codes.slice(-40).every((c) => c === 403)).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('records each operation in the journal as a call of its own', async () => {
    const last = async (): Promise<Array<{ seq: number; batchOf?: string; path: string }>> => (await server.admin('/_localgraph/journal?limit=10')).body.data;
    const before = (await last())[0].seq;
    const ops = [
      { method: 'GET', relative_url: 'me' },
      { method: 'GET', relative_url: `${W}` },
      { method: 'GET', relative_url: `${W}/parts` },
    ];
    await send(server, { method: 'POST', path: `/v21.0?access_token=${DEMO.aliceToken}`, body: `batch=${encodeURIComponent(JSON.stringify(ops))}` });
    const entries = (await last()).filter((e) => e.seq > before);
    expect(entries).toHaveLength(4);
    expect(entries.filter((e) => e.batchOf === 'batch').map((e) => e.path).sort()).toEqual([`/v21.0/${W}`, `/v21.0/${W}/parts`, '/v21.0/me']);
  });
});
