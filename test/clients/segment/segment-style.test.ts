/**
 * A caller written the way Segment's Facebook Custom Audiences destination calls Graph: the token
 * only in `Authorization: Bearer`, JSON bodies on POST *and* DELETE, the full 15-key schema with
 * '' for unknown values and EXTERN_ID / MADID unhashed, `GET /{id}` checked against the id asked
 * for. Its host is a constant in its code, so besides the base URL it comes in through the proxy:
 * a CONNECT tunnel and TLS that trusts localgraph's CA, as any HTTP stack does behind HTTPS_PROXY.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha } from '../flows/data.js';
import { DEMO, startClientServer, type ClientServer } from '../helpers.js';

let server: ClientServer;

beforeAll(async () => {
  server = await startClientServer({ proxy: true });
});
afterAll(async () => {
  await server?.close();
});

const API_VERSION = 'v23.0';
const SCHEMA = ['EXTERN_ID', 'EMAIL', 'PHONE', 'DOBY', 'DOBM', 'DOBD', 'LN', 'FN', 'FI', 'GEN', 'CT', 'ST', 'ZIP', 'COUNTRY', 'MADID'];

/** Two people: one with most keys (hashed, EXTERN_ID plain), one known only by extern id and MADID. */
function rows(): string[][] {
  return [
    ['crm-1', sha('alice@example.com'), sha('16505550101'), sha('1990'), sha('04'), sha('12'), sha('example'), sha('alice'), sha('a'), sha('f'), sha('newyork'), sha('ny'), sha('10001'), sha('us'), ''],
    ['crm-2', '', '', '', '', '', '', '', '', '', '', '', '', '', '6032d997-3ab0-4de0-aa16-8af0e5b482fb'],
  ];
}

interface Reply {
  status: number;
  body: any; // any: Graph JSON as received
}

type Transport = (method: string, pathAndQuery: string, json?: unknown, token?: string) => Promise<Reply>;

/** The base-URL way: fetch against localgraph's address. */
const viaBaseUrl: Transport = async (method, pathAndQuery, json, token = DEMO.aliceToken) => {
  const res = await fetch(`${server.url}${pathAndQuery}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: res.status, body: JSON.parse(await res.text()) };
};

/** The proxy way: CONNECT graph.facebook.com:443 through localgraph, then TLS trusting its CA. */
const viaProxy: Transport = (method, pathAndQuery, json, token = DEMO.aliceToken) =>
  new Promise((resolve, reject) => {
    const proxy = new URL(server.url);
    const ca = fs.readFileSync(server.caFile as string, 'utf8');
    const connect = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: 'graph.facebook.com:443' });
    connect.on('error', reject);
    connect.on('connect', (res, socket) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT answered ${res.statusCode}`));
      const body = json === undefined ? undefined : JSON.stringify(json);
      const req = https.request(
        {
          host: 'graph.facebook.com',
          path: pathAndQuery,
          method,
          headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) },
          createConnection: () => tls.connect({ socket, servername: 'graph.facebook.com', ca }),
        },
        (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (c: string) => (text += c));
          r.on('end', () => {
            socket.destroy();
            resolve({ status: r.statusCode as number, body: JSON.parse(text) });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    connect.end();
  });

describe.each([
  ['base-url', viaBaseUrl],
  ['proxy', viaProxy],
] as const)('a Segment-style caller, way in: %s', (_way, send) => {
  let audienceId = '';

  it('creates an audience with a JSON body and the token only in Authorization: Bearer', async () => {
    const mark = await server.journalMark();
    const r = await send('POST', `/${API_VERSION}/act_${DEMO.adAccountId}/customaudiences`, {
      name: 'Segment audience',
      subtype: 'CUSTOM',
      customer_file_source: 'BOTH_USER_AND_PARTNER_PROVIDED',
      description: 'Created by a Segment-style sync',
    });
    expect(r.status).toBe(200);
    expect(r.body.id).toMatch(/^\d+$/);
    audienceId = r.body.id as string;
    const sent = await server.journalSince(mark);
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/${API_VERSION}/act_${DEMO.adAccountId}/customaudiences`, encodings: ['json'], status: 200 });
    expect(sent[0].params.access_token).toBeUndefined();
  });

  it('reads the audience back by id and gets that same id', async () => {
    const r = await send('GET', `/${API_VERSION}/${audienceId}`);
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(audienceId);
  });

  it('finds it in the account listing (fields=id,name&limit=200)', async () => {
    const r = await send('GET', `/${API_VERSION}/act_${DEMO.adAccountId}/customaudiences?fields=id,name&limit=200`);
    expect(r.status).toBe(200);
    expect((r.body.data as Array<{ id: string; name: string }>).find((a) => a.id === audienceId)).toEqual({ id: audienceId, name: 'Segment audience' });
  });

  it('adds members with the full 15-key schema, blanks for unknown keys, EXTERN_ID and MADID unhashed', async () => {
    const mark = await server.journalMark();
    const r = await send('POST', `/${API_VERSION}/${audienceId}/users`, { payload: { schema: SCHEMA, data: rows() } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ audience_id: audienceId, num_received: 2, num_invalid_entries: 0 });
    const sent = await server.journalSince(mark);
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/${API_VERSION}/${audienceId}/users`, encodings: ['json'], status: 200 });
    expect(sent[0].params.payload).toMatchObject({ schema: SCHEMA, rows: 2 });
  });

  it('removes members with a real DELETE carrying a JSON body', async () => {
    const mark = await server.journalMark();
    const r = await send('DELETE', `/${API_VERSION}/${audienceId}/users`, { payload: { schema: SCHEMA, data: rows() } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ audience_id: audienceId, num_received: 2, num_invalid_entries: 0 });
    const sent = await server.journalSince(mark);
    expect(sent[0]).toMatchObject({ method: 'DELETE', path: `/${API_VERSION}/${audienceId}/users`, encodings: ['json'], status: 200 });
  });

  it('gets the error envelope it parses (message, code) for a bad bearer token', async () => {
    const r = await send('GET', `/${API_VERSION}/${DEMO.aliceAsid}`, undefined, 'EAAnot-a-token');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 190, type: 'OAuthException' });
    expect(r.body.error.message).toBeTypeOf('string');
  });
});
