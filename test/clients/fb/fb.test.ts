/**
 * The `fb` package (node-facebook 2.0) has no base-URL option: `https://graph.facebook.com` is
 * written into it. It comes in through proxy mode only, unchanged, in a child process launched with
 * HTTPS_PROXY and NODE_EXTRA_CA_CERTS; `request` opens a CONNECT tunnel per call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSessionId, sha, type FlowInput, type FlowName } from '../flows/data.js';
import { childReport, createAudienceDirect, DEMO, ensureAudiences, runChild, startClientServer, type ClientServer, type JournalEntry } from '../helpers.js';

let server: ClientServer;

beforeAll(async () => {
  server = await startClientServer({ proxy: true });
});
afterAll(async () => {
  await server?.close();
});

// any: each flow reports its own shape
async function run(flow: FlowName, extra: Partial<FlowInput> = {}): Promise<{ report: any; sent: JournalEntry[] }> {
  const input: FlowInput = { token: DEMO.aliceToken, accountId: DEMO.adAccountId, appSecret: DEMO.appSecret, ...extra };
  const mark = await server.journalMark();
  const report = childReport(await runChild('run-flow.ts', { HTTPS_PROXY: server.url, NODE_EXTRA_CA_CERTS: server.caFile as string }, ['fb', flow, JSON.stringify(input)]));
  if ('crashed' in report) throw new Error(`the fb flow "${flow}" failed: ${String(report.crashed)}`);
  return { report, sent: await server.journalSince(mark) };
}

describe('fb through HTTPS_PROXY + NODE_EXTRA_CA_CERTS', () => {
  it('reads the current user with fields sent as a JSON array', async () => {
    const { report, sent } = await run('me');
    expect(report.res).toEqual({ id: DEMO.aliceAsid, name: 'Alice Example', email: 'alice@example.com' });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/v24.0/me', encodings: ['query'], status: 200 });
    expect(sent[0].params.fields).toBe('["id","name","email"]');
    const log = await server.admin('/_localgraph/proxy?limit=1');
    expect(log.body.data[0]).toMatchObject({ kind: 'connect', host: 'graph.facebook.com', port: 443, tls: true });
  });

  it('creates a custom audience with a urlencoded form and the token in the query', async () => {
    const { report, sent } = await run('createAudience');
    expect(report.res.id).toMatch(/^\d+$/);
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/v24.0/act_${DEMO.adAccountId}/customaudiences`, encodings: ['query', 'urlencoded'], status: 200 });
    expect(sent[0].params).toMatchObject({ name: 'fb audience', subtype: 'CUSTOM' });
  });

  it('adds users with payload and session JSON-stringified into the form', async () => {
    const audienceId = await createAudienceDirect(server, 'fb add');
    const sessionId = newSessionId();
    const { report, sent } = await run('addUsers', { audienceId, sessionId });
    expect(report.res).toMatchObject({ audience_id: audienceId, num_received: 3, num_invalid_entries: 0 });
    expect(String(report.res.session_id)).toBe(String(sessionId));
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/v24.0/${audienceId}/users`, encodings: ['query', 'urlencoded'], status: 200 });
    expect(sent[0].params.payload).toMatchObject({ schema: ['EMAIL', 'FN'] });
  });

  it('removes 10,000 users with a real DELETE whose parameters ride in the query string', async () => {
    const audienceId = await createAudienceDirect(server, 'fb remove');
    await server.call(`/v24.0/${audienceId}/users?access_token=${DEMO.aliceToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: { schema: 'EMAIL_SHA256', data: [sha('alice@example.com')] } }),
    });
    const { report, sent } = await run('removeUsers', { audienceId, removeCount: 10_000 });
    expect(report.res).toMatchObject({ audience_id: audienceId, num_received: 10_000, num_invalid_entries: 0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'DELETE', path: `/v24.0/${audienceId}/users`, encodings: ['query'], status: 200 });
  });

  it('lists audiences page by page, with paging links on https://graph.facebook.com', async () => {
    const all = await ensureAudiences(server, 5);
    const { report } = await run('listAudiences', { pageSize: 2 });
    expect((report.pages as string[][]).flat()).toEqual(all);
    expect((report.links as string[]).length).toBeGreaterThan(0);
    for (const link of report.links as string[]) expect(link.startsWith(`https://graph.facebook.com/v24.0/act_${DEMO.adAccountId}/customaudiences?`)).toBe(true);
  });

  it('runs a batch posted as a form to /v24.0/ with lowercase methods', async () => {
    const audienceId = await createAudienceDirect(server, 'fb batch');
    const { report, sent } = await run('batch', { audienceId });
    const items = report.res as Array<{ code: number; body: string }>;
    expect(items.map((i) => i.code)).toEqual([200, 200, 400]);
    expect(JSON.parse(items[0].body)).toEqual({ id: DEMO.aliceAsid, name: 'Alice Example' });
    expect(JSON.parse(items[1].body)).toMatchObject({ audience_id: audienceId, num_received: 3 });
    const outer = sent.find((e) => e.batchOf === undefined);
    expect(outer).toMatchObject({ method: 'POST', path: '/v24.0/', encodings: ['query', 'urlencoded'], status: 200 });
  });

  it('rejects with FacebookApiException whose response carries the Graph error', async () => {
    const { report, sent } = await run('error');
    expect(report.thrown).toBe(true);
    expect(report.name).toBe('FacebookApiException');
    expect(report.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    expect(report.error.message).toMatch(/^Unsupported get request\./);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/v24.0/999999999', status: 400 });
  });
});
