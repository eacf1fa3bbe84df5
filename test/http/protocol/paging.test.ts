/**
 * Paging on every edge (spec/graph-api-core.md §4; real-clients §1.8 item 7): `limit` (default 25),
 * `after`, `before`, `paging.cursors` (base64 of the boundary ids), absolute `next`/`previous`
 * links on the scheme and host the client came in on, carrying the token and the original
 * parameters, that work when followed; `summary=total_count`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { installProbe, socket, TRANSPORTS } from './support.js';

const W = '774000000000001';
const EMPTY = '774000000000002';
const cursor = (id: string): string => Buffer.from(id).toString('base64');
const partId = (i: number): string => `${W}${String(i).padStart(4, '0')}`;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const probe = installProbe(server);
  await probe.addWidget(W, 30);
  await probe.addWidget(EMPTY, 0);
});
afterAll(() => server.close());

/** A path on this server from an absolute paging link, checking it points at `origin`. */
function pathOf(link: string, origin: string): string {
  const u = new URL(link);
  expect(u.origin).toBe(origin);
  return u.pathname + u.search;
}

describe.each(TRANSPORTS)('paging (%s)', (_name, send) => {
  const host = '127.0.0.1:1';
  // In process there is no real host: a fixed Host header stands in for it.
  const headers = { host };

  it('pages an edge 25 at a time by default, with cursors and a next link but no previous on the first page', async () => {
    const r = await send(server, { path: `/v21.0/${W}/parts?access_token=${DEMO.aliceToken}`, headers });
    expect(r.status).toBe(200);
    expect(r.body.data).toHaveLength(25);
    expect(r.body.data[0]).toEqual({ id: partId(0), name: 'part 0' });
    expect(r.body.paging.cursors).toEqual({ before: cursor(partId(0)), after: cursor(partId(24)) });
    expect(r.body.paging.previous).toBeUndefined();
    const next = new URL(r.body.paging.next);
    expect(next.origin).toBe(`http://${host}`);
    expect(next.pathname).toBe(`/v21.0/${W}/parts`);
    expect(next.searchParams.get('access_token')).toBe(DEMO.aliceToken);
    expect(next.searchParams.get('limit')).toBe('25');
    expect(next.searchParams.get('after')).toBe(cursor(partId(24)));
  });

  it('follows next and previous links to the following and preceding pages', async () => {
    const first = await send(server, { path: `/v21.0/${W}/parts?limit=10&fields=n&access_token=${DEMO.aliceToken}`, headers });
    expect(first.body.data.map((p: { n: number }) => p.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const second = await send(server, { path: pathOf(first.body.paging.next, `http://${host}`), headers });
    expect(second.body.data.map((p: { n: number }) => p.n)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(second.body.paging.previous).toBeDefined();
    const third = await send(server, { path: pathOf(second.body.paging.next, `http://${host}`), headers });
    expect(third.body.data.map((p: { n: number }) => p.n)).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    // The last page has no next link ("stop paging when the next link no longer appears").
    expect(third.body.paging.next).toBeUndefined();
    const back = await send(server, { path: pathOf(third.body.paging.previous, `http://${host}`), headers });
    expect(back.body.data.map((p: { n: number }) => p.n)).toEqual(second.body.data.map((p: { n: number }) => p.n));
    expect(back.body.data[0]).toEqual({ n: 10, id: partId(10) });
  });

  it('takes after and before cursors as parameters', async () => {
    const after = await send(server, { path: `/v21.0/${W}/parts?limit=2&after=${cursor(partId(27))}&access_token=${DEMO.aliceToken}` });
    expect(after.body.data.map((p: { id: string }) => p.id)).toEqual([partId(28), partId(29)]);
    expect(after.body.paging.next).toBeUndefined();
    const before = await send(server, { path: `/v21.0/${W}/parts?limit=3&before=${cursor(partId(2))}&access_token=${DEMO.aliceToken}` });
    expect(before.body.data.map((p: { id: string }) => p.id)).toEqual([partId(0), partId(1)]);
    expect(before.body.paging.previous).toBeUndefined();
  });

  it('answers a cursor that is not one of ours with (#100)', async () => {
    const r = await send(server, { path: `/v21.0/${W}/parts?after=%%%notbase64&access_token=${DEMO.aliceToken}` });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(100);
  });

  it('builds links on the scheme and host the client came in on (a proxy in front, or graph.facebook.com via the forward proxy)', async () => {
    const r = await send(server, {
      path: `/v21.0/${W}/parts?limit=5&access_token=${DEMO.aliceToken}`,
      headers: { host: 'graph.facebook.com', 'x-forwarded-proto': 'https' },
    });
    expect(r.body.paging.next.startsWith(`https://graph.facebook.com/v21.0/${W}/parts?`)).toBe(true);
  });

  it('carries the token and every original parameter, a token from the Authorization header included', async () => {
    const r = await send(server, {
      path: `/v21.0/${W}/parts?limit=4&fields=name,n&summary=total_count&pretty=0&appsecret_time=1`,
      headers: { ...headers, authorization: `Bearer ${DEMO.aliceToken}` },
    });
    const next = new URL(r.body.paging.next);
    expect(Object.fromEntries(next.searchParams)).toEqual({
      limit: '4',
      fields: 'name,n',
      summary: 'total_count',
      pretty: '0',
      appsecret_time: '1',
      access_token: DEMO.aliceToken,
      after: cursor(partId(3)),
    });
    // Followed without the header, the link alone is enough.
    const page = await send(server, { path: pathOf(r.body.paging.next, `http://${host}`), headers });
    expect(page.body.data[0]).toEqual({ name: 'part 4', n: 4, id: partId(4) });
    expect(page.body.summary).toEqual({ kind: 'parts', total_count: 30 });
  });

  it('counts the whole edge with summary=total_count or summary=true', async () => {
    for (const s of ['total_count', 'true']) {
      const r = await send(server, { path: `/v21.0/${W}/parts?limit=1&summary=${s}&access_token=${DEMO.aliceToken}` });
      expect(r.body.summary.total_count).toBe(30);
    }
    const none = await send(server, { path: `/v21.0/${W}/parts?limit=1&access_token=${DEMO.aliceToken}` });
    expect(none.body.summary).toBeUndefined();
  });

  it('answers an empty edge with empty data and no links', async () => {
    const r = await send(server, { path: `/v21.0/${EMPTY}/parts?summary=true&access_token=${DEMO.aliceToken}` });
    expect(r.body).toEqual({ data: [], summary: { kind: 'parts', total_count: 0 } });
  });

  it('gives an edge expanded inside fields a next link that pages that edge', async () => {
    const r = await send(server, { path: `/v21.0/${W}?fields=parts.limit(2){name}&access_token=${DEMO.aliceToken}`, headers });
    const next = new URL(r.body.parts.paging.next);
    expect(next.pathname).toBe(`/v21.0/${W}/parts`);
    expect(next.searchParams.get('fields')).toBe('name');
    expect(next.searchParams.get('limit')).toBe('2');
    const page = await send(server, { path: pathOf(r.body.parts.paging.next, `http://${host}`), headers });
    expect(page.body.data).toEqual([
      { name: 'part 2', id: partId(2) },
      { name: 'part 3', id: partId(3) },
    ]);
  });
});

describe('paging links over a real socket', () => {
  it('points next at the very server the client called, and following it with fetch works', async () => {
    const r = await socket(server, { path: `/v21.0/${W}/parts?limit=20&access_token=${DEMO.aliceToken}` });
    expect(r.body.paging.next.startsWith(`${server.url}/v21.0/${W}/parts?`)).toBe(true);
    const res = await fetch(r.body.paging.next);
    const body = (await res.json()) as { data: unknown[]; paging: { next?: string; previous?: string } };
    expect(body.data).toHaveLength(10);
    expect(body.paging.next).toBeUndefined();
    expect(body.paging.previous?.startsWith(server.url)).toBe(true);
  });

  it('uses the configured public URL when one is set', async () => {
    const behind = await startTestServer({ publicUrl: 'https://graph.example.test' });
    try {
      await installProbe(behind).addWidget(W, 3);
      const r = await behind.call(`/v21.0/${W}/parts?limit=1&access_token=${DEMO.aliceToken}`);
      expect(r.body.paging.next.startsWith(`https://graph.example.test/v21.0/${W}/parts?`)).toBe(true);
    } finally {
      await behind.close();
    }
  });
});
