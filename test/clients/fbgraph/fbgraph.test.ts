/**
 * fbgraph 1.4 against localgraph, two ways in: `setGraphUrl` (its documented setter, in this
 * process) and untouched behind HTTPS_PROXY with NODE_EXTRA_CA_CERTS (a child process). It signs
 * every call with appsecret_proof, posts forms without a Content-Type, encodes object payloads in
 * qs brackets, deletes with `POST ?method=delete`, and ignores HTTP statuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFbgraphFlow } from '../flows/fbgraph.js';
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

// any: each flow reports its own shape
async function run(way: Way, flow: FlowName, extra: Partial<FlowInput> = {}): Promise<{ report: any; sent: JournalEntry[] }> {
  const input: FlowInput = { token: DEMO.aliceToken, accountId: DEMO.adAccountId, appSecret: DEMO.appSecret, ...extra };
  const mark = await server.journalMark();
  let report: FlowReport;
  if (way === 'base-url') report = await runFbgraphFlow(flow, { ...input, graphBase: server.url });
  else report = childReport(await runChild('run-flow.ts', { HTTPS_PROXY: server.url, NODE_EXTRA_CA_CERTS: server.caFile as string }, ['fbgraph', flow, JSON.stringify(input)]));
  if ('crashed' in report) throw new Error(`the fbgraph flow "${flow}" failed: ${String(report.crashed)}`);
  return { report, sent: await server.journalSince(mark) };
}

describe.each<Way>(['base-url', 'proxy'])('fbgraph, way in: %s', (way) => {
  it('reads the current user with fields, signed with appsecret_proof', async () => {
    const { report, sent } = await run(way, 'me');
    expect(report.err).toBeNull();
    expect(report.res).toEqual({ id: DEMO.aliceAsid, name: 'Alice Example', email: 'alice@example.com' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/v24.0/me', encodings: ['query'], status: 200 });
    expect(sent[0].params.appsecret_proof).toMatch(/masked/);
  });

  it('creates a custom audience with a form body that has no Content-Type', async () => {
    const { report, sent } = await run(way, 'createAudience');
    expect(report.err).toBeNull();
    expect(report.res.id).toMatch(/^\d+$/);
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/v24.0/act_${DEMO.adAccountId}/customaudiences`, encodings: ['query', 'urlencoded'], status: 200 });
    expect(sent[0].params).toMatchObject({ name: 'fbgraph audience', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' });
  });

  it('adds users with an object payload sent in qs bracket notation', async () => {
    const audienceId = await createAudienceDirect(server, `fbgraph add ${way}`);
    const sessionId = newSessionId();
    const { report, sent } = await run(way, 'addUsers', { audienceId, sessionId });
    expect(report.err).toBeNull();
    expect(report.res).toMatchObject({ audience_id: audienceId, num_received: 3, num_invalid_entries: 0 });
    expect(String(report.res.session_id)).toBe(String(sessionId));
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/v24.0/${audienceId}/users`, encodings: ['query', 'urlencoded'], status: 200 });
    expect(sent[0].params.payload).toMatchObject({ schema: ['EMAIL', 'FN'], rows: 3 });
  });

  it('removes 10,000 users with POST ?method=delete and a form body', async () => {
    const audienceId = await createAudienceDirect(server, `fbgraph remove ${way}`);
    await server.call(`/v24.0/${audienceId}/users?access_token=${DEMO.aliceToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: { schema: 'EMAIL_SHA256', data: [sha('alice@example.com')] } }),
    });
    const { report, sent } = await run(way, 'removeUsers', { audienceId, removeCount: 10_000 });
    expect(report.err).toBeNull();
    expect(report.res).toMatchObject({ audience_id: audienceId, num_received: 10_000, num_invalid_entries: 0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'DELETE', path: `/v24.0/${audienceId}/users`, encodings: ['query', 'urlencoded'], status: 200 });
    expect(sent[0].params.method).toBe('delete');
  });

  it('lists audiences and follows paging.next as given', async () => {
    const all = await ensureAudiences(server, 5);
    const { report, sent } = await run(way, 'listAudiences', { pageSize: 2 });
    expect(report.err).toBeUndefined();
    expect((report.pages as string[][]).flat()).toEqual(all);
    const prefix = way === 'base-url' ? `${server.url}/v24.0/` : 'https://graph.facebook.com/v24.0/';
    expect((report.links as string[]).length).toBeGreaterThan(0);
    for (const link of report.links as string[]) expect(link.startsWith(prefix)).toBe(true);
    expect(sent.every((e) => e.status === 200 && e.path === `/v24.0/act_${DEMO.adAccountId}/customaudiences`)).toBe(true);
  });

  it('runs a batch posted as a form with the token in the query and the body', async () => {
    const audienceId = await createAudienceDirect(server, `fbgraph batch ${way}`);
    const { report, sent } = await run(way, 'batch', { audienceId });
    expect(report.err).toBeNull();
    const items = report.res as Array<{ code: number; body: string }>;
    expect(items.map((i) => i.code)).toEqual([200, 200, 400]);
    expect(JSON.parse(items[0].body)).toEqual({ id: DEMO.aliceAsid, name: 'Alice Example' });
    expect(JSON.parse(items[1].body)).toMatchObject({ audience_id: audienceId, num_received: 3 });
    expect(JSON.parse(items[2].body).error).toMatchObject({ code: 100, error_subcode: 33 });
    const outer = sent.find((e) => e.batchOf === undefined);
    expect(outer).toMatchObject({ method: 'POST', path: '/v24.0/', encodings: ['query', 'urlencoded'], status: 200 });
  });

  it('reports the Graph error object (code, subcode, type, message) as err', async () => {
    const { report, sent } = await run(way, 'error');
    expect(report.err).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    expect(report.err.message).toMatch(/^Unsupported get request\. Object with ID '999999999' does not exist/);
    expect(report.err.fbtrace_id).toBeTypeOf('string');
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/v24.0/999999999', status: 400, errorCode: 100 });
  });
});
