/**
 * Shared steps of the audience HTTP tests: create an audience, send /users in any encoding,
 * and wait for matching by polling operation_status (never sleeping a fixed time).
 */
import crypto from 'node:crypto';
import { DEMO, type TestServer } from '../../helpers/server.js';

export const ACT = `act_${DEMO.adAccountId}`;
export const TOKEN = DEMO.aliceToken;
export const sha = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');

/** Hashes of the demo people's identifiers, normalised as Meta documents. */
export const ALICE_EMAIL = sha('alice@example.com');
export const ALICE_PHONE = sha('16505550101');
export const BOB_EMAIL = sha('bob@example.com');
export const BOB_PHONE = sha('442079460958');
export const CAROL_EMAIL = sha('carol_tester@tfbnw.net');
export const NOBODY_EMAIL = sha('nobody@example.org');

export async function createAudience(s: TestServer, extra: Record<string, unknown> = {}, version = 'v21.0'): Promise<string> {
  const res = await s.call(`/${version}/${ACT}/customaudiences?access_token=${TOKEN}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Test audience', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY', ...extra }),
  });
  if (res.status !== 200) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

export interface UsersCall {
  method?: 'POST' | 'DELETE';
  payload: unknown;
  session?: unknown;
  version?: string;
  token?: string;
  edge?: 'users' | 'usersreplace';
  extra?: Record<string, unknown>;
}

/** /users with a JSON body (what the business SDK sends). */
export function users(s: TestServer, audienceId: string, c: UsersCall): ReturnType<TestServer['call']> {
  const body: Record<string, unknown> = { payload: c.payload, ...(c.session !== undefined ? { session: c.session } : {}), ...(c.extra ?? {}) };
  return s.call(`/${c.version ?? 'v21.0'}/${audienceId}/${c.edge ?? 'users'}?access_token=${c.token ?? TOKEN}`, {
    method: c.method ?? 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export async function audience(s: TestServer, id: string, fields = 'operation_status,approximate_count_lower_bound,approximate_count_upper_bound'): Promise<any> { // any: test reads
  const res = await s.call(`/v21.0/${id}?fields=${fields}&access_token=${TOKEN}`);
  if (res.status !== 200) throw new Error(`read failed: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Polls until matching is done (operation_status 200); returns the audience read. */
export async function settled(s: TestServer, id: string, fields?: string): Promise<any> { // any: test reads
  const wanted = fields ? `operation_status,${fields}` : undefined;
  for (let i = 0; i < 1000; i++) {
    const a = await audience(s, id, wanted);
    if (a.operation_status.code !== 441 && a.operation_status.code !== 414) return a;
    // A short poll interval (not a fixed wait): the matcher runs as soon as it is free.
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('matching did not finish');
}

export async function count(s: TestServer, id: string): Promise<number> {
  const a = await settled(s, id, 'approximate_count_lower_bound');
  return a.approximate_count_lower_bound as number;
}
