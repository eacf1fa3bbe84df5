/**
 * The control surface under `/_localgraph/` (issue 2, "what a new user can do" items 3 and 4):
 * guarded by the admin token (401 without it); health; reset of everything or one app; atomic
 * fixture loads whose errors name the JSON path at fault; export in the same format; the request
 * journal with secrets masked; a clock that only moves forward.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { socket } from './support.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('control surface guard', () => {
  it('answers 401 without the admin token, with a wrong one, and under a version path it is not there at all', async () => {
    for (const [path, method] of [
      ['/_localgraph/export', 'GET'],
      ['/_localgraph/journal', 'GET'],
      ['/_localgraph/clock', 'GET'],
      ['/_localgraph/reset', 'POST'],
      ['/_localgraph/fixture', 'POST'],
    ] as const) {
      const none = await server.call(path, { method });
      expect(none.status, path).toBe(401);
      expect(none.headers.get('content-type')).toBe('application/json; charset=UTF-8');
      const wrong = await server.call(path, { method, headers: { authorization: 'Bearer not-the-token' } });
      expect(wrong.status, path).toBe(401);
    }
    const versioned = await server.call(`/v21.0/_localgraph/export?access_token=${DEMO.aliceToken}`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    expect(versioned.status).toBe(400);
    expect(versioned.body.error.code).toBe(100);
  });

  it('accepts the token as a Bearer header, an x-localgraph-admin-token header, or ?admin_token=', async () => {
    expect((await server.call('/_localgraph/clock', { headers: { 'x-localgraph-admin-token': server.adminToken } })).status).toBe(200);
    expect((await server.call(`/_localgraph/clock?admin_token=${server.adminToken}`)).status).toBe(200);
    expect((await server.admin('/_localgraph/clock')).status).toBe(200);
  });

  it('takes its admin token from LOCALGRAPH_ADMIN_TOKEN or the options', async () => {
    const fixed = await startTestServer({ adminToken: 'lgadmin_fixed_for_test' });
    try {
      expect(fixed.adminToken).toBe('lgadmin_fixed_for_test');
      const r = await fetch(`${fixed.url}/_localgraph/journal`, { headers: { authorization: 'Bearer lgadmin_fixed_for_test' } });
      expect(r.status).toBe(200);
    } finally {
      await fixed.close();
    }
  });

  it('answers health without a token', async () => {
    const r = await server.call('/_localgraph/health');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ok');
  });
});

describe('fixtures', () => {
  it('refuses a bad fixture with a message naming the JSON path at fault, and stores nothing of it', async () => {
    const before = (await server.admin('/_localgraph/export')).body;
    const cases: Array<[unknown, string]> = [
      [{ apps: [{ id: '123', name: 'No secret' }] }, '$.apps[0].secret'],
      [{ people: [{ key: 'x', name: 'X', apps: [{ app: '42', granted: ['email'] }] }] }, '$.people[0].apps[0].app'],
      [{ apps: [{ id: '8880000000000001', secret: 'a-valid-secret', name: 'Ok' }], people: [{ key: 'y', name: 'Y', tokens: [{ app: '8880000000000001', token: 'EAAxxxxxxxx' }] }] }, '$.people[0].tokens[0].app'],
      [{ businesses: [{ id: DEMO.businessId, name: 'Duplicate' }] }, '$.businesses[0]'],
      [{ unknown_section: [] }, '$.unknown_section'],
    ];
    for (const [fixture, path] of cases) {
      const r = await server.admin('/_localgraph/fixture?merge=1', json(fixture));
      expect(r.status, path).toBe(400);
      expect(r.body.error.code).toBe(100);
      expect(r.body.error.message, path).toContain(`Invalid fixture at ${path}`);
    }
    // Neither the valid app of the third case nor anything else landed.
    expect((await server.admin('/_localgraph/export')).body).toEqual(before);
  });

  it('refuses a body that is not JSON with a message saying so', async () => {
    const r = await server.admin('/_localgraph/fixture?merge=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/not valid JSON/);
  });

  it('exports the state in the fixture format; loading the export rebuilds the same state, and a load without merge=1 replaces it', async () => {
    const merged = await server.admin(
      '/_localgraph/fixture?merge=1',
      json({
        apps: [{ id: '8880000000000002', secret: 'export-app-secret', name: 'Export App', default_version: 'v20.0', require_appsecret_proof: true }],
        people: [
          {
            key: 'exp_gina',
            name: 'Gina Export',
            email: 'gina@example.com',
            profile: { gender: 'female', birthday: '01/02/1990' },
            is_test_user: true,
            apps: [{ app: '8880000000000002', asid: '8881000000000001', granted: ['email'], declined: ['user_birthday'] }],
            tokens: [{ app: '8880000000000002', token: 'EAAExportGinaToken0000000000000000000000', expires_at: 4102444800, state: 'logged_out' }],
          },
        ],
      }),
    );
    expect(merged.status).toBe(200);
    const exported = (await server.admin('/_localgraph/export')).body;
    expect(exported.apps.find((a: { id: string }) => a.id === '8880000000000002')).toMatchObject({ default_version: 'v20.0', require_appsecret_proof: true });
    const gina = exported.people.find((p: { key: string }) => p.key === 'exp_gina');
    expect(gina.tokens).toEqual([{ app: '8880000000000002', token: 'EAAExportGinaToken0000000000000000000000', expires_at: 4102444800, state: 'logged_out' }]);
    expect(gina.apps[0]).toMatchObject({ asid: '8881000000000001', granted: ['email'], declined: ['user_birthday'] });

    const copy = await startTestServer({ demo: false });
    try {
      const load = await copy.admin('/_localgraph/fixture', json(exported));
      expect(load.status, JSON.stringify(load.body)).toBe(200);
      expect((await copy.admin('/_localgraph/export')).body).toEqual(exported);
      // And the copy answers Graph calls with it.
      const me = await copy.call(`/v21.0/me?access_token=${DEMO.aliceToken}`);
      expect(me.body.id).toBe(DEMO.aliceAsid);

      // Without merge=1 a load replaces the whole state.
      const r = await copy.admin('/_localgraph/fixture', json({ apps: [{ id: '8880000000000003', secret: 'replace-secret', name: 'Only App' }] }));
      expect(r.status).toBe(200);
      const replaced = (await copy.admin('/_localgraph/export')).body;
      expect(replaced.apps.map((a: { id: string }) => a.id)).toEqual(['8880000000000003']);
      expect(replaced.people).toEqual([]);
      expect((await copy.call(`/v21.0/me?access_token=${DEMO.aliceToken}`)).body.error.code).toBe(190);
    } finally {
      await copy.close();
    }
  });

});

describe('reset', () => {
  it('resets one app (its tokens stop working, the other apps keep theirs), then everything', async () => {
    const s = await startTestServer();
    try {
      const r = await s.admin(`/_localgraph/reset?app=${DEMO.secondAppId}`, { method: 'POST' });
      expect(r.status).toBe(200);
      expect((await s.call(`/v21.0/me?access_token=${DEMO.aliceSecondAppToken}`)).body.error.code).toBe(190);
      expect((await s.call(`/v21.0/me?access_token=${DEMO.aliceToken}`)).status).toBe(200);

      expect((await s.admin('/_localgraph/reset', { method: 'POST' })).status).toBe(200);
      const exported = (await s.admin('/_localgraph/export')).body;
      expect(exported.apps).toEqual([]);
      expect(exported.people).toEqual([]);
      expect((await s.call(`/v21.0/me?access_token=${DEMO.aliceToken}`)).body.error.code).toBe(190);
    } finally {
      await s.close();
    }
  });
});

describe('journal', () => {
  it('records method, path, the encodings of the parameters, decoded parameters with secrets masked, status, error code and latency', async () => {
    const proof = createHmac('sha256', DEMO.appSecret).update(DEMO.aliceToken).digest('hex');
    await socket(server, {
      method: 'POST',
      path: `/v21.0/me?method=get&appsecret_proof=${proof}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${DEMO.aliceToken}&fields=id,name`,
    });
    await socket(server, { path: '/v21.0/me?access_token=garbage-token-value' });
    const entries = (await server.admin('/_localgraph/journal?limit=2')).body.data;
    expect(entries).toHaveLength(2);
    const [bad, good] = entries;
    expect(good).toMatchObject({ method: 'GET', path: '/v21.0/me', encodings: ['query', 'urlencoded'], status: 200 });
    expect(good.params.fields).toBe('id,name');
    expect(good.params.access_token).not.toContain(DEMO.aliceToken);
    expect(good.params.access_token).toMatch(/^EAADem…/);
    expect(good.params.appsecret_proof).not.toContain(proof);
    expect(typeof good.latencyMs).toBe('number');
    expect(good.traceId).toMatch(/^A/);
    expect(bad).toMatchObject({ status: 400, errorCode: 190 });
    expect(JSON.stringify(entries)).not.toContain('garbage-token-value');
  });

  it('reduces uploaded member data to its shape', async () => {
    const payload = { schema: ['EMAIL'], data: [['raw-email@example.com']] };
    await socket(server, { method: 'POST', path: `/v21.0/me?method=get&access_token=${DEMO.aliceToken}`, body: `payload=${encodeURIComponent(JSON.stringify(payload))}` });
    const [entry] = (await server.admin('/_localgraph/journal?limit=1')).body.data;
    expect(JSON.stringify(entry)).not.toContain('raw-email@example.com');
    expect(entry.params.payload).toMatchObject({ schema: ['EMAIL'] });
  });
});

describe('clock', () => {
  it('moves forward, can be set and reset, and refuses to go back', async () => {
    const start = (await server.admin('/_localgraph/clock')).body;
    const moved = (await server.admin('/_localgraph/clock', json({ advance_seconds: 3600 }))).body;
    expect(moved.offset_seconds).toBe(start.offset_seconds + 3600);
    expect(moved.unix - start.unix).toBeGreaterThanOrEqual(3600);
    const back = await server.admin('/_localgraph/clock', json({ advance_seconds: -10 }));
    expect(back.status).toBe(400);
    expect(back.body.error.message).toMatch(/only moves forward/);
    expect((await server.admin('/_localgraph/clock')).body.offset_seconds).toBe(moved.offset_seconds);
    const target = Date.parse('2030-01-01T00:00:00Z') / 1000;
    const set = (await server.admin('/_localgraph/clock', json({ set: '2030-01-01T00:00:00Z' }))).body;
    expect(set.unix).toBeGreaterThanOrEqual(target);
    expect(set.unix).toBeLessThan(target + 5);
    const reset = (await server.admin('/_localgraph/clock', json({ reset: true }))).body;
    expect(reset.offset_seconds).toBe(0);
  });
});
