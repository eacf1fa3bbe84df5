/**
 * Meta's facebook-nodejs-business-sdk against localgraph, two ways in: its `GRAPH` getter pointed
 * at the base URL (in this process), and untouched behind HTTPS_PROXY with NODE_EXTRA_CA_CERTS (a
 * child process, since both are read at launch). Each flow checks what the SDK handed back and what
 * the journal shows it sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBusinessSdkFlow } from '../flows/business-sdk.js';
import { newSessionId, sha, type FlowInput, type FlowName, type FlowReport } from '../flows/data.js';
import { childReport, createAudienceDirect, DEMO, ensureAudiences, runChild, startClientServer, type ClientServer, type JournalEntry } from '../helpers.js';

let server: ClientServer;

beforeAll(async () => {
  server = await startClientServer({ proxy: true });
});
afterAll(async () => {
  await server?.close();
});

type Way = 'base-url' | 'proxy';

async function run(way: Way, flow: FlowName, extra: Partial<FlowInput> = {}): Promise<{ report: FlowReport; sent: JournalEntry[] }> {
  const input: FlowInput = { token: DEMO.aliceToken, accountId: DEMO.adAccountId, ...extra };
  const mark = await server.journalMark();
  let report: FlowReport;
  if (way === 'base-url') report = await runBusinessSdkFlow(flow, { ...input, graphBase: server.url });
  else {
    const r = await runChild('run-flow.ts', { HTTPS_PROXY: server.url, NODE_EXTRA_CA_CERTS: server.caFile as string }, ['business-sdk', flow, JSON.stringify(input)]);
    report = childReport(r);
  }
  if ('crashed' in report) throw new Error(`the SDK flow "${flow}" failed: ${String(report.crashed)}\n${String(report.stack)}`);
  return { report, sent: await server.journalSince(mark) };
}

describe.each<Way>(['base-url', 'proxy'])('facebook-nodejs-business-sdk, way in: %s', (way) => {
  it('reads the current user with fields (GET with a JSON {} body)', async () => {
    const { report, sent } = await run(way, 'me');
    expect(report.data).toEqual({ id: DEMO.aliceAsid, name: 'Alice Example', email: 'alice@example.com' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/v24.0/me', status: 200 });
    expect(sent[0].encodings).toEqual(['query', 'json']);
    expect(sent[0].params.fields).toBe('id,name,email');
  });

  it('creates a custom audience on an ad account (JSON body, parent id injected)', async () => {
    const { report, sent } = await run(way, 'createAudience');
    expect(report.id).toMatch(/^\d+$/);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/v24.0/act_${DEMO.adAccountId}/customaudiences`, status: 200, encodings: ['query', 'json'] });
    expect(sent[0].params).toMatchObject({ name: 'SDK audience', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY', id: `act_${DEMO.adAccountId}` });
    const read = await server.call(`/v24.0/${String(report.id)}?fields=id,name,subtype&access_token=${DEMO.aliceToken}`);
    expect(read.body).toMatchObject({ id: report.id, name: 'SDK audience', subtype: 'CUSTOM' });
  });

  it('adds users with a multi-key schema in a session', async () => {
    const audienceId = await createAudienceDirect(server, `sdk add ${way}`);
    const sessionId = newSessionId();
    const { report, sent } = await run(way, 'addUsers', { audienceId, sessionId });
    const data = report.data as Record<string, unknown>;
    expect(data).toMatchObject({ audience_id: audienceId, num_received: 3, num_invalid_entries: 0 });
    expect(String(data.session_id)).toBe(String(sessionId));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/v24.0/${audienceId}/users`, status: 200, encodings: ['query', 'json'] });
    expect(sent[0].params.payload).toMatchObject({ schema: ['EMAIL', 'FN'], rows: 3 });
    expect(sent[0].params.session).toMatchObject({ session_id: sessionId, batch_seq: 1, last_batch_flag: true });
  });

  it('removes 10,000 users with a DELETE whose payload rides in the query string', async () => {
    const audienceId = await createAudienceDirect(server, `sdk remove ${way}`);
    await server.call(`/v24.0/${audienceId}/users?access_token=${DEMO.aliceToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: { schema: 'EMAIL_SHA256', data: [sha('alice@example.com')] } }),
    });
    const { report, sent } = await run(way, 'removeUsers', { audienceId, removeCount: 10_000 });
    expect(report.data).toMatchObject({ audience_id: audienceId, num_received: 10_000, num_invalid_entries: 0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'DELETE', path: `/v24.0/${audienceId}/users`, status: 200, encodings: ['query', 'json'] });
    // The query-string payload is a JSON string of 10,000 hashes: about 700 KB of URL.
    const payload = sent[0].params.payload as { schema: unknown; chars: number };
    expect(payload.schema).toBe('EMAIL_SHA256');
    expect(payload.chars).toBeGreaterThan(10_000 * 64);
  });

  it('lists audiences and follows paging.next verbatim to the end', async () => {
    const all = await ensureAudiences(server, 5);
    const { report, sent } = await run(way, 'listAudiences', { pageSize: 2 });
    const pages = report.pages as string[][];
    expect(pages.flat()).toEqual(all);
    expect(pages.every((p) => p.length <= 2)).toBe(true);
    // The next links lead back the way the SDK came in.
    const prefix = way === 'base-url' ? `${server.url}/v24.0/act_${DEMO.adAccountId}/customaudiences?` : `https://graph.facebook.com/v24.0/act_${DEMO.adAccountId}/customaudiences?`;
    for (const link of report.links as string[]) expect(link.startsWith(prefix)).toBe(true);
    expect(sent.map((e) => e.path)).toEqual(pages.map(() => `/v24.0/act_${DEMO.adAccountId}/customaudiences`));
    expect(sent[1].params.after).toBeTypeOf('string');
    expect(sent.every((e) => e.status === 200)).toBe(true);
  });

  it('runs a batch: JSON array, unencoded sub-bodies, per-item JSON-string bodies', async () => {
    const audienceId = await createAudienceDirect(server, `sdk batch ${way}`);
    const { report, sent } = await run(way, 'batch', { audienceId });
    const items = report.items as Array<{ status: number; isSuccess: boolean; body: Record<string, unknown> }>;
    expect(report.retry).toBe(false);
    expect(items).toHaveLength(3);
    expect(items[0]).toMatchObject({ status: 200, isSuccess: true, body: { id: DEMO.aliceAsid, name: 'Alice Example' } });
    expect(items[1]).toMatchObject({ status: 200, isSuccess: true, body: { audience_id: audienceId, num_received: 3 } });
    expect(items[2]).toMatchObject({ status: 400, isSuccess: false });
    expect(items[2].body.error).toMatchObject({ code: 100, type: 'GraphMethodException' });
    const outer = sent.find((e) => e.batchOf === undefined);
    expect(outer).toMatchObject({ method: 'POST', path: '/v24.0', encodings: ['query', 'json'], status: 200 });
    expect(sent.filter((e) => e.batchOf !== undefined).map((e) => `${e.method} ${e.path}`)).toEqual([
      'GET /v24.0/me',
      `POST /v24.0/${audienceId}/users`,
      'GET /v24.0/no_such_object_999',
    ]);
  });

  it('throws FacebookRequestError carrying the code, subcode, type and message', async () => {
    const { report, sent } = await run(way, 'error');
    expect(report).toMatchObject({
      thrown: true,
      name: 'FacebookRequestError',
      status: 400,
      code: 100,
      subcode: 33,
      type: 'GraphMethodException',
      method: 'GET',
    });
    expect(report.message).toMatch(/^Unsupported get request\. Object with ID '999999999' does not exist/);
    expect(report.fbtrace_id).toBeTypeOf('string');
    expect(report.urlHost).toBe(way === 'base-url' ? new URL(server.url).host : 'graph.facebook.com');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/v24.0/999999999', status: 400, errorCode: 100, errorSubcode: 33 });
  });
});

describe('facebook-nodejs-business-sdk through the proxy', () => {
  it('opened CONNECT tunnels to graph.facebook.com:443 (not plain requests)', async () => {
    await run('proxy', 'me');
    const log = await server.admin('/_localgraph/proxy?limit=1');
    expect(log.body.data[0]).toMatchObject({ kind: 'connect', host: 'graph.facebook.com', port: 443, tls: true });
  });
});
