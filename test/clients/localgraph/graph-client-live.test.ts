/**
 * localgraph's own TypeScript client (`localgraph/client`'s GraphClient) against a real localgraph
 * server started in-process — the same calls it makes to graph.facebook.com, with only the base URL
 * changed. What the server received is checked on its journal where it matters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphApiError, GraphClient } from '../../../src/client/index.js';
import type { RetryEvent } from '../../../src/client/index.js';
import { sha256Hex } from '../../../src/client/normalize/hash.js';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';

const ACT = `act_${DEMO.adAccountId}`;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ journalSize: 1000 });
});
afterAll(() => s?.close());

const adminPost = (path: string, body: unknown) =>
  s.admin(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function client(extra: Partial<ConstructorParameters<typeof GraphClient>[0]> = {}): GraphClient {
  return new GraphClient({ baseUrl: s.url, version: 'v21.0', accessToken: DEMO.aliceToken, appSecret: DEMO.appSecret, sleep: async () => {}, ...extra });
}

async function lastJournal(): Promise<{ method: string; path: string; params: Record<string, unknown>; status: number }> {
  const r = await s.admin('/_localgraph/journal?limit=1');
  return r.body.data[0];
}

/** Waits until matching is done, then returns the audience's size fields. */
async function settledSize(graph: GraphClient, id: string) {
  for (let i = 0; i < 1000; i++) {
    const a = await graph.getCustomAudience(id, ['operation_status', 'approximate_count_lower_bound', 'approximate_count_upper_bound']);
    if (a.operation_status?.code !== 441 && a.operation_status?.code !== 414) return a;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('matching did not finish');
}

describe('GraphClient against localgraph: the User node', () => {
  it('reads /me with fields, the token in Authorization and appsecret_proof computed', async () => {
    const me = await client().getUser('me', ['id', 'name', 'email']);
    expect(me).toEqual({ id: DEMO.aliceAsid, name: 'Alice Example', email: 'alice@example.com' });
    const seen = await lastJournal();
    expect(seen).toMatchObject({ method: 'GET', status: 200 });
    expect(seen.path).toMatch(/\/v21\.0\/me$/);
  });

  it('sends the token as a parameter when asked, and reads a user by id', async () => {
    const bob = await new GraphClient({ baseUrl: s.url, accessToken: DEMO.bobToken, tokenIn: 'param' }).getUser(DEMO.bobAsid, ['id', 'name']);
    expect(bob).toEqual({ id: DEMO.bobAsid, name: 'Bob Sample' });
  });

  it('turns a wrong appsecret_proof into a GraphApiError with Graph\'s code, type and trace id', async () => {
    const error = await client({ appSecret: 'not-the-secret' }).getUser('me').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphApiError);
    const e = error as GraphApiError;
    expect(e).toMatchObject({ kind: 'graph', status: 400, code: 100, type: 'GraphMethodException', is_transient: false });
    expect(e.message).toBe('Invalid appsecret_proof provided in the API argument');
    expect(e.fbtrace_id).toMatch(/^\S+$/);
  });

  it('an unknown field is (#100) with Graph\'s wording', async () => {
    const error = (await client().get('me', { fields: 'id,nonsense' }).catch((e: unknown) => e)) as GraphApiError;
    expect(error).toMatchObject({ kind: 'graph', code: 100, type: 'OAuthException' });
    expect(error.message).toBe('(#100) Tried accessing nonexisting field (nonsense) on node type (User)');
  });

  it('a batch answers each operation in order, failures as GraphApiError', async () => {
    const results = await client().batch([
      { method: 'GET', relative_url: 'me?fields=id,name' },
      { method: 'GET', relative_url: 'me/nothing' },
    ]);
    expect(results[0]).toMatchObject({ ok: true, status: 200, body: { id: DEMO.aliceAsid, name: 'Alice Example' } });
    expect(results[1]).toMatchObject({ ok: false, status: 400 });
    expect((results[1] as { error: GraphApiError }).error).toBeInstanceOf(GraphApiError);
  });
});

describe('GraphClient against localgraph: custom audiences', () => {
  it('creates audiences, pages through the list, reads one, deletes one', async () => {
    const graph = client();
    const ids: string[] = [];
    for (const name of ['Client A', 'Client B', 'Client C']) {
      const { id } = await graph.createCustomAudience(ACT, { name, customer_file_source: 'USER_PROVIDED_ONLY' });
      ids.push(id);
    }
    const listed: string[] = [];
    for await (const page of graph.pages<{ id: string }>(`${ACT}/customaudiences`, { fields: 'id,name', limit: 1 })) {
      expect(page.data.length).toBeLessThanOrEqual(1);
      listed.push(...page.data.map((a) => a.id));
    }
    expect(listed).toEqual(expect.arrayContaining(ids));
    const viaItems: string[] = [];
    for await (const a of graph.listCustomAudiences(ACT, ['id', 'name'], { limit: 2 })) viaItems.push(a.id);
    expect(viaItems).toEqual(listed);

    expect(await graph.getCustomAudience(ids[1]!, ['id', 'name', 'subtype'])).toEqual({ id: ids[1], name: 'Client B', subtype: 'CUSTOM' });
    expect(await graph.deleteCustomAudience(ids[2]!)).toEqual({ success: true });
    const gone = (await graph.getCustomAudience(ids[2]!).catch((e: unknown) => e)) as GraphApiError;
    expect(gone).toMatchObject({ kind: 'graph', code: 100, subcode: 33 });
  });

  it('adds, removes and replaces members in sessions, with the counts Graph reports', async () => {
    const graph = client();
    const { id } = await graph.createCustomAudience(ACT, { name: 'Members', customer_file_source: 'USER_PROVIDED_ONLY' });
    const rows = (...emails: string[]) => ({ schema: ['EMAIL' as const], data: emails.map((e) => [sha256Hex(e)]) });

    const added = await graph.addUsers(id, rows('alice@example.com', 'bob@example.com'), { session_id: 7001, batch_seq: 1, last_batch_flag: false, estimated_num_total: 3 });
    expect(added).toMatchObject({ audience_id: id, session_id: '7001', num_received: 2, num_invalid_entries: 0, invalid_entry_samples: {} });
    const more = await graph.addUsers(id, rows('carol_tester@tfbnw.net'), { session_id: 7001, batch_seq: 2, last_batch_flag: true });
    expect(more.num_received).toBe(3);
    expect(await settledSize(graph, id)).toMatchObject({ approximate_count_lower_bound: 3 });

    const removed = await graph.removeUsers(id, rows('bob@example.com'), { session_id: 7002, batch_seq: 1, last_batch_flag: true });
    expect(removed).toMatchObject({ session_id: '7002', num_received: 1 });
    const journal = await lastJournal();
    expect(journal).toMatchObject({ method: 'DELETE', status: 200 });
    expect(await settledSize(graph, id)).toMatchObject({ approximate_count_lower_bound: 2 });

    const replaced = await graph.replaceUsers(id, rows('bob@example.com'), { session_id: 7003, batch_seq: 1, last_batch_flag: true });
    expect(replaced).toMatchObject({ num_received: 1 });
    expect(await settledSize(graph, id)).toMatchObject({ approximate_count_lower_bound: 1, approximate_count_upper_bound: 1 });

    const sessions = await graph.get<{ data: Array<{ session_id: string; num_received: string }> }>(`${id}/sessions`);
    expect(sessions.data.map((x) => [x.session_id, x.num_received]).sort()).toEqual([['7001', '3'], ['7002', '1'], ['7003', '1']]);
  });

  it('a repeated batch comes back with a __debug__ warning when debug=warning is asked for in the query', async () => {
    const graph = client();
    const { id } = await graph.createCustomAudience(ACT, { name: 'Debug', customer_file_source: 'USER_PROVIDED_ONLY' });
    const payload = { schema: ['EMAIL' as const], data: [[sha256Hex('alice@example.com')]] };
    const session = { session_id: 7101, batch_seq: 1, last_batch_flag: false };
    await graph.addUsers(id, payload, session);
    const again = await graph.addUsers(id, payload, session, { query: { debug: 'warning' } });
    expect(again.num_received).toBe(1);
    expect(again.__debug__?.messages).toEqual([{ type: 'warning', message: 'Batch 1 of session 7101 was already received; it was not counted again.' }]);
  });
});

describe('GraphClient against localgraph: failures and retries', () => {
  it('retries a GET after the HTML error page and succeeds', async () => {
    await adminPost('/_localgraph/faults', { path: '/me', method: 'GET', fault: 'html_500', times: 1 });
    const events: RetryEvent[] = [];
    const me = await client({ onRetry: (e) => events.push(e) }).getUser('me', ['id']);
    expect(me).toEqual({ id: DEMO.aliceAsid });
    expect(events).toHaveLength(1);
    expect(events[0]!.error).toMatchObject({ kind: 'http', status: 500 });
  });

  it('a throttled app: code 4, is_transient, the usage header parsed, and retried after the wait', async () => {
    await adminPost('/_localgraph/ratelimits/usage', { app: DEMO.appId, percent: 100 });
    const once = (await client({ retry: false }).getUser('me').catch((e: unknown) => e)) as GraphApiError;
    expect(once).toBeInstanceOf(GraphApiError);
    expect(once).toMatchObject({ kind: 'graph', code: 4, is_transient: true });
    expect(once.usage.app?.call_count).toBeGreaterThanOrEqual(100);

    // The retry policy waits, then tries again; the budget is back by then.
    const waits: number[] = [];
    const graph = client({
      sleep: async (ms) => {
        waits.push(ms);
        await s.admin('/_localgraph/ratelimits/usage', { method: 'DELETE' });
      },
    });
    expect(await graph.getUser('me', ['id'])).toEqual({ id: DEMO.aliceAsid });
    expect(waits).toHaveLength(1);
  });

  it('a write is not repeated after an ambiguous failure unless marked idempotent', async () => {
    let posts = 0;
    const counting: typeof fetch = (input, init) => {
      if (init?.method === 'POST') posts++;
      return fetch(input, init);
    };
    const graph = client({ fetch: counting });
    const { id } = await graph.createCustomAudience(ACT, { name: 'Drop', customer_file_source: 'USER_PROVIDED_ONLY' });
    await adminPost('/_localgraph/faults', { path: `/${id}/users`, method: 'POST', fault: 'drop', times: 1 });
    const payload = { schema: ['EMAIL' as const], data: [[sha256Hex('alice@example.com')]] };
    posts = 0;
    const error = (await graph.addUsers(id, payload).catch((e: unknown) => e)) as GraphApiError;
    expect(error).toMatchObject({ kind: 'network' });
    expect(posts).toBe(1); // the server may have applied it: not sent again

    await adminPost('/_localgraph/faults', { path: `/${id}/users`, method: 'POST', fault: 'drop', times: 1 });
    posts = 0;
    const answer = await graph.addUsers(id, payload, { session_id: 7201, batch_seq: 1, last_batch_flag: true }, { idempotent: true });
    expect(answer).toMatchObject({ session_id: '7201', num_received: 1 });
    expect(posts).toBe(2); // dropped, then repeated with the same batch_seq
  });
});
