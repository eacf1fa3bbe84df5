/**
 * passport-facebook with graph.facebook.com hard-coded (its defaults: no URL options), brought in
 * through proxy mode without a line of the app changed. node-oauth, its HTTP library, calls
 * `https.request` with no agent and ignores HTTPS_PROXY on Node 20, so the way in is a preload:
 *
 *   GLOBAL_AGENT_HTTPS_PROXY=http://127.0.0.1:8080 NODE_EXTRA_CA_CERTS=localgraph-ca.pem \
 *     node -r global-agent/bootstrap app.js
 *
 * The app (`children/passport-login-app.cjs`) runs in a child process and does the login callback:
 * the code exchange (`POST /v24.0/oauth/access_token`) and the profile read (`GET /v24.0/me` with
 * appsecret_proof). Every run also preloads `children/loopback-only.cjs`, a test guard that fails
 * any lookup of a non-local host, so a request that went around the proxy fails here instead of
 * trying the internet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childReport, DEMO, runChild, startClientServer, type ClientServer, type JournalEntry } from '../helpers.js';

const CALLBACK_URL = 'http://localhost:3000/auth/facebook/callback'; // as written in the app
const GUARD = ['-r', './test/clients/children/loopback-only.cjs'];

let server: ClientServer;

beforeAll(async () => {
  server = await startClientServer({ proxy: true });
});
afterAll(async () => {
  await server?.close();
});

/** A login code for alice, as the login dialog would hand the app in its callback's `?code=`. */
async function loginCode(): Promise<string> {
  const r = await server.admin('/_localgraph/oauth/codes', { method: 'POST', body: JSON.stringify({ app: DEMO.appId, person: 'alice', redirect_uri: CALLBACK_URL }) });
  expect(r.status).toBe(200);
  return r.body.code as string;
}

interface ProxyEvent {
  seq: number;
  kind: string;
  host: string;
  port: number;
  tls?: boolean;
  reason?: string;
}

async function proxyLogMark(): Promise<number> {
  const r = await server.admin('/_localgraph/proxy?limit=1');
  return (r.body.data as ProxyEvent[])[0]?.seq ?? 0;
}

/** What the proxy did after `seq`, oldest first. */
async function proxyLogSince(seq: number): Promise<ProxyEvent[]> {
  const r = await server.admin('/_localgraph/proxy?limit=1000');
  return (r.body.data as ProxyEvent[]).filter((e) => e.seq > seq).reverse();
}

interface LoginRun {
  report: any; // any: the child reports passport's outcome as it came
  sent: JournalEntry[];
  stderr: string;
}

async function login(env: Record<string, string>, nodeArgs: string[], otherUrl?: string): Promise<LoginRun> {
  const code = await loginCode();
  const mark = await server.journalMark();
  const appEnv = { FACEBOOK_APP_ID: DEMO.appId, FACEBOOK_APP_SECRET: DEMO.appSecret };
  const r = await runChild('passport-login-app.cjs', { ...appEnv, ...env }, otherUrl ? [code, otherUrl] : [code], 30_000, [...GUARD, ...nodeArgs]);
  const report = childReport(r);
  if ('crashed' in report) throw new Error(`the passport app crashed: ${String(report.crashed)}\n${r.stderr}`);
  return { report, sent: await server.journalSince(mark), stderr: r.stderr };
}

function expectLoggedInAsAlice(run: LoginRun): void {
  expect(run.report.outcome, JSON.stringify(run.report)).toBe('success');
  expect(run.report.user).toMatchObject({
    provider: 'facebook',
    id: DEMO.aliceAsid,
    displayName: 'Alice Example',
    name: { familyName: 'Example', givenName: 'Alice' },
    emails: [{ value: 'alice@example.com' }],
  });
  expect(run.report.user.accessToken).toMatch(/^EAA/);
  expect(run.stderr).not.toMatch(/loopback-only/);
}

describe('passport-facebook through the proxy with global-agent', () => {
  it('logs in with node -r global-agent/bootstrap: code exchange and profile read go to https://graph.facebook.com via CONNECT', async () => {
    const proxyMark = await proxyLogMark();
    const run = await login({ GLOBAL_AGENT_HTTPS_PROXY: server.url, NODE_EXTRA_CA_CERTS: server.caFile as string }, ['-r', 'global-agent/bootstrap']);
    expectLoggedInAsAlice(run);

    // What localgraph was sent: node-oauth's form POST for the code, then GET /me with the proof.
    expect(run.sent).toHaveLength(2);
    const [exchange, me] = run.sent;
    expect(exchange).toMatchObject({ method: 'POST', path: '/v24.0/oauth/access_token', encodings: ['urlencoded'], status: 200 });
    expect(exchange.params).toMatchObject({ grant_type: 'authorization_code', redirect_uri: CALLBACK_URL, client_id: DEMO.appId });
    expect(exchange.params.code).toMatch(/masked/);
    expect(exchange.params.client_secret).toMatch(/masked/);
    expect(me).toMatchObject({ method: 'GET', path: '/v24.0/me', encodings: ['query'], status: 200 });
    expect(String(me.params.fields).split(',').sort()).toEqual(['email', 'first_name', 'id', 'last_name', 'middle_name', 'name']);
    expect(me.params.appsecret_proof).toMatch(/masked/);
    expect(me.params.access_token).toMatch(/masked/);

    // Both arrived through CONNECT graph.facebook.com:443 tunnels with TLS terminated by localgraph.
    const tunnels = await proxyLogSince(proxyMark);
    expect(tunnels.map((t) => t.kind)).toEqual(['connect', 'connect']);
    for (const t of tunnels) expect(t).toMatchObject({ host: 'graph.facebook.com', port: 443, tls: true });

    // The token passport handed the app is the one localgraph issued for alice on this app.
    const token = await server.admin(`/_localgraph/tokens/${encodeURIComponent(run.report.user.accessToken as string)}`);
    expect(token.body).toMatchObject({ kind: 'user', app: DEMO.appId, state: 'valid' });
  });

  it('works with nothing on the command line: NODE_OPTIONS=--require global-agent/bootstrap', async () => {
    const run = await login(
      { NODE_OPTIONS: '--require global-agent/bootstrap', GLOBAL_AGENT_HTTPS_PROXY: server.url, NODE_EXTRA_CA_CERTS: server.caFile as string },
      [],
    );
    expectLoggedInAsAlice(run);
    expect(run.sent.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /v24.0/oauth/access_token 200', 'GET /v24.0/me 200']);
  });

  it('sends other https hosts listed in GLOBAL_AGENT_NO_PROXY around the proxy (localgraph would refuse them)', async () => {
    const env = { GLOBAL_AGENT_HTTPS_PROXY: server.url, NODE_EXTRA_CA_CERTS: server.caFile as string };
    // Port 1 on this machine: nothing listens, so a direct call is refused by the OS.
    const other = 'https://localhost:1/v1/charges';
    let mark = await proxyLogMark();
    const proxied = await login(env, ['-r', 'global-agent/bootstrap'], other);
    expectLoggedInAsAlice(proxied);
    expect(proxied.report.other.error).toMatch(/Proxy server refused connecting to 'localhost:1' \(HTTP\/1\.1 403/);
    expect((await proxyLogSince(mark)).map((e) => `${e.kind} ${e.host}:${e.port}`)).toEqual(['connect graph.facebook.com:443', 'connect graph.facebook.com:443', 'refused localhost:1']);

    mark = await proxyLogMark();
    const direct = await login({ ...env, GLOBAL_AGENT_NO_PROXY: 'localhost' }, ['-r', 'global-agent/bootstrap'], other);
    expectLoggedInAsAlice(direct);
    expect(direct.report.other.code).toBe('ECONNREFUSED');
    expect((await proxyLogSince(mark)).map((e) => `${e.kind} ${e.host}:${e.port}`)).toEqual(['connect graph.facebook.com:443', 'connect graph.facebook.com:443']);
  });

  it('needs the preload: without it node-oauth ignores HTTPS_PROXY and goes straight for graph.facebook.com', async () => {
    const mark = await proxyLogMark();
    const run = await login({ HTTPS_PROXY: server.url, NODE_EXTRA_CA_CERTS: server.caFile as string }, []);
    expect(run.report.outcome).toBe('error');
    expect(run.report.error).toMatchObject({ name: 'InternalOAuthError', message: 'Failed to obtain access token' });
    expect(run.report.error.oauthError.code).toBe('ENOTFOUND');
    expect(run.stderr).toMatch(/loopback-only: refused a direct lookup of graph\.facebook\.com/);
    expect(run.sent).toEqual([]);
    expect(await proxyLogSince(mark)).toEqual([]);
  });
});
