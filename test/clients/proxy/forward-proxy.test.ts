/**
 * Forward-proxy mode as curl meets it: `--proxy http://localgraph --cacert localgraph-ca.pem`
 * against the real https://graph.facebook.com URL, refusals for every other host, absolute-form
 * requests, and the CA that persists in the data folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../../src/server/start.js';
import { curl, DEMO, ensureAudiences, startClientServer, type ClientServer } from '../helpers.js';

let server: ClientServer;

beforeAll(async () => {
  server = await startClientServer({ proxy: true });
});
afterAll(async () => {
  await server?.close();
});

describe('curl through --proxy with --cacert', () => {
  it('reads the User node from https://graph.facebook.com, answered by localgraph over TLS', async () => {
    const mark = await server.journalMark();
    const r = await curl([
      '-sS',
      '--proxy',
      server.url,
      '--cacert',
      server.caFile as string,
      '-X',
      'GET',
      '-G',
      '-d',
      `access_token=${DEMO.aliceToken}`,
      '-d',
      'fields=id,name',
      `https://graph.facebook.com/v20.0/${DEMO.aliceAsid}/`,
    ]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ id: DEMO.aliceAsid, name: 'Alice Example' });
    const sent = await server.journalSince(mark);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: `/v20.0/${DEMO.aliceAsid}/`, encodings: ['query'], status: 200 });
    expect(sent[0].params.fields).toBe('id,name');
    const log = await server.admin('/_localgraph/proxy?limit=1');
    expect(log.body.data[0]).toMatchObject({ kind: 'connect', host: 'graph.facebook.com', port: 443, tls: true });
  });

  it('sends back the Graph error envelope and status through the tunnel', async () => {
    const r = await curl(['-sS', '-w', '\n%{http_code}', '--proxy', server.url, '--cacert', server.caFile as string, 'https://graph.facebook.com/v21.0/me?access_token=not-a-real-token']);
    const [body, status] = r.stdout.split('\n');
    expect(status).toBe('400');
    const err = JSON.parse(body).error;
    expect(err).toMatchObject({ code: 190, type: 'OAuthException' });
    expect(typeof err.fbtrace_id).toBe('string');
  });

  it('serves graph.beta.facebook.com and graph-video.facebook.com with the same certificate', async () => {
    for (const host of ['graph.beta.facebook.com', 'graph-video.facebook.com']) {
      const r = await curl(['-sS', '--proxy', server.url, '--cacert', server.caFile as string, `https://${host}/v21.0/me?fields=id&access_token=${DEMO.aliceToken}`]);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ id: DEMO.aliceAsid });
    }
  });

  it('fails the TLS handshake for a client that does not trust the CA, and says why in the proxy log', async () => {
    const r = await curl(['-sS', '--proxy', server.url, `https://graph.facebook.com/v21.0/me?access_token=${DEMO.aliceToken}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/certificate/i);
    const log = await server.admin('/_localgraph/proxy?limit=5');
    const failed = (log.body.data as Array<{ kind: string; reason?: string }>).find((e) => e.kind === 'tls-failed');
    expect(failed?.reason).toMatch(/ca\.pem/);
  });

  it('refuses a CONNECT to any other host with 403, and never connects out', async () => {
    const r = await curl(['-sS', '-v', '--proxy', server.url, '--cacert', server.caFile as string, 'https://example.com/']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/HTTP\/1\.1 403/);
    const log = await server.admin('/_localgraph/proxy?limit=1');
    expect(log.body.data[0]).toMatchObject({ kind: 'refused', host: 'example.com', port: 443 });
  });

  it('refuses a CONNECT to a Graph host on a port other than 443 or 80', async () => {
    const r = await curl(['-sS', '-v', '--proxy', server.url, '--cacert', server.caFile as string, 'https://graph.facebook.com:8443/v21.0/me']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/HTTP\/1\.1 403/);
  });

  it('serves absolute-form requests (plain http through the proxy) and refuses other hosts with a message', async () => {
    const ok = await curl(['-sS', '--proxy', server.url, `http://graph.facebook.com/v21.0/me?fields=id&access_token=${DEMO.aliceToken}`]);
    expect(JSON.parse(ok.stdout)).toEqual({ id: DEMO.aliceAsid });
    const refused = await curl(['-sS', '-w', '\n%{http_code}', '--proxy', server.url, 'http://example.com/anything']);
    const [body, status] = refused.stdout.split('\n');
    expect(status).toBe('403');
    expect(JSON.parse(body).error.message).toMatch(/only the Graph API hosts/);
  });

  it('serves an https absolute-form request sent in clear (older axios) with paging links on https://graph.facebook.com', async () => {
    const { default: http } = await import('node:http');
    await ensureAudiences(server, 2);
    const proxy = new URL(server.url);
    const path = `https://graph.facebook.com/v24.0/act_${DEMO.adAccountId}/customaudiences?fields=id&limit=1&access_token=${DEMO.aliceToken}`;
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: proxy.hostname, port: proxy.port, method: 'GET', path, headers: { host: 'graph.facebook.com' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    const page = JSON.parse(body);
    expect(Array.isArray(page.data)).toBe(true);
    expect(page.data).toHaveLength(1);
    expect(page.paging.next.startsWith(`https://graph.facebook.com/v24.0/act_${DEMO.adAccountId}/customaudiences?`)).toBe(true);
    const log = await server.admin('/_localgraph/proxy?limit=1');
    expect(log.body.data[0]).toMatchObject({ kind: 'absolute-form', host: 'graph.facebook.com', port: 443 });
  });

  it('keeps plain base-URL calls working on the same port', async () => {
    const r = await server.call(`/v21.0/me?fields=id&access_token=${DEMO.aliceToken}`);
    expect(r.body).toEqual({ id: DEMO.aliceAsid });
  });

  it('serves the CA without the admin token, as a PEM a client can trust', async () => {
    const res = await fetch(`${server.url}/_localgraph/ca.pem`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-pem-file');
    const cert = new X509Certificate(await res.text());
    expect(cert.ca).toBe(true);
    expect(cert.subject).toMatch(/localgraph proxy CA/);
  });
});

describe('the proxy CA', () => {
  it('is generated on first start in the data folder and reused on the next start', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localgraph-ca-'));
    try {
      const first = await startServer({ port: 0, dataDir, proxy: true, matchDelayMs: 0 });
      const pem1 = first.proxy?.caPem;
      await first.close();
      expect(fs.existsSync(path.join(dataDir, 'proxy-ca', 'ca.pem'))).toBe(true);
      expect(fs.statSync(path.join(dataDir, 'proxy-ca', 'ca-key.pem')).mode & 0o077).toBe(0);
      const second = await startServer({ port: 0, dataDir, proxy: true, matchDelayMs: 0 });
      expect(second.proxy?.caPem).toBe(pem1);
      await second.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('is absent when proxy mode is off, with a message saying how to turn it on', async () => {
    const plain = await startServer({ port: 0, ephemeral: true, dataDir: null, matchDelayMs: 0 });
    try {
      const res = await fetch(`${plain.url}/_localgraph/ca.pem`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/--proxy/);
    } finally {
      await plain.close();
    }
  });
});

describe('inside the tunnel', () => {
  it('answers a request line longer than the header limit with the Graph envelope, not an empty 431', async () => {
    const small = await startClientServer({ proxy: true, maxHeaderSize: 4096 });
    try {
      const r = await curl(['-sS', '-w', '\n%{http_code}', '--proxy', small.url, '--cacert', small.caFile as string, `https://graph.facebook.com/v21.0/me?fields=${'id,'.repeat(3000)}id&access_token=${DEMO.aliceToken}`]);
      const lines = r.stdout.split('\n');
      const status = lines.pop();
      expect(status).not.toBe('200');
      expect(JSON.parse(lines.join('\n')).error).toMatchObject({ code: 1 });
    } finally {
      await small.close();
    }
  });
});

describe('closing a proxy-mode server', () => {
  it('ends idle keep-alive tunnels so close() returns promptly', async () => {
    const { default: http } = await import('node:http');
    const { default: tls } = await import('node:tls');
    const s = await startClientServer({ proxy: true });
    const ca = fs.readFileSync(s.caFile as string, 'utf8');
    const proxy = new URL(s.url);
    const socket = await new Promise<import('node:net').Socket>((resolve, reject) => {
      const req = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: 'graph.facebook.com:443' });
      req.on('connect', (_res, sock) => resolve(sock));
      req.on('error', reject);
      req.end();
    });
    const secure = tls.connect({ socket, servername: 'graph.facebook.com', ca });
    await new Promise<void>((resolve) => secure.once('secureConnect', () => resolve()));
    secure.write(`GET /v21.0/me?fields=id&access_token=${DEMO.aliceToken} HTTP/1.1\r\nHost: graph.facebook.com\r\nConnection: keep-alive\r\n\r\n`);
    const first = await new Promise<string>((resolve) => secure.once('data', (c: Buffer) => resolve(c.toString('utf8'))));
    expect(first).toMatch(/^HTTP\/1\.1 200/);
    const closedByServer = new Promise<void>((resolve) => secure.once('close', () => resolve()));
    const started = Date.now();
    await s.close();
    await closedByServer;
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
