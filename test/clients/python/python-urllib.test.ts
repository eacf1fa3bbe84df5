/**
 * Python comes in unchanged through proxy mode: a standard-library caller whose host is
 * https://graph.facebook.com, launched with HTTPS_PROXY and SSL_CERT_FILE (the CA from
 * /_localgraph/ca.pem). Python's TLS checks (hostname, CA constraints) pass on the generated chain.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILDREN_DIR, DEMO, startClientServer, type ClientServer } from '../helpers.js';

let server: ClientServer;

beforeAll(async () => {
  server = await startClientServer({ proxy: true });
});
afterAll(async () => {
  await server?.close();
});

function python(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/proxy|ssl_cert|requests_ca/i.test(k)) base[k] = v;
  return new Promise((resolve) => {
    const child = spawn('python3', [path.join(CHILDREN_DIR, 'graph_urllib.py'), DEMO.aliceToken, DEMO.adAccountId], { env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Python urllib through HTTPS_PROXY + SSL_CERT_FILE', () => {
  it('reads the user, gets the Graph error with its status, and creates an audience', async () => {
    const mark = await server.journalMark();
    const r = await python({ HTTPS_PROXY: server.url, SSL_CERT_FILE: server.caFile as string });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout.trim());
    expect(report.me).toEqual({ status: 200, body: { id: DEMO.aliceAsid, name: 'Alice Example', email: 'alice@example.com' } });
    expect(report.error.status).toBe(400);
    expect(report.error.body.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    const sent = await server.journalSince(mark);
    expect(sent.map((e) => `${e.method} ${e.path} ${e.encodings.join('+')}`)).toEqual([
      'GET /v24.0/me query',
      'GET /v24.0/999999999 query',
      `POST /v24.0/act_${DEMO.adAccountId}/customaudiences query+urlencoded`,
    ]);
    const log = await server.admin('/_localgraph/proxy?limit=3');
    expect((log.body.data as Array<{ kind: string; host: string }>).every((e) => e.kind === 'connect' && e.host === 'graph.facebook.com')).toBe(true);
    expect(report.create.status).toBe(200);
    expect(report.create.body.id).toMatch(/^\d+$/);
  });
});
