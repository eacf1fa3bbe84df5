import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import {
  ACT,
  ALICE_EMAIL,
  ALICE_PHONE,
  BOB_EMAIL,
  BOB_PHONE,
  NOBODY_EMAIL,
  TOKEN,
  audience,
  count,
  createAudience,
  settled,
  sha,
  users,
} from './audience-helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
});
afterAll(() => s.close());

const answerKeys = ['audience_id', 'session_id', 'num_received', 'num_invalid_entries', 'invalid_entry_samples'];

describe('POST /{custom_audience_id}/users: the answer', () => {
  it('answers the documented struct, with {} samples when nothing is invalid', async () => {
    const id = await createAudience(s);
    const res = await users(s, id, { payload: { schema: ['EMAIL', 'FN'], data: [[ALICE_EMAIL, sha('alice')]] } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(answerKeys);
    expect(res.body).toMatchObject({ audience_id: id, num_received: 1, num_invalid_entries: 0 });
    expect(res.body.invalid_entry_samples).toEqual({});
    expect(res.body.session_id).toMatch(/^\d{19}$/);
  });

  it('echoes the session id as a numeric string', async () => {
    const id = await createAudience(s);
    const res = await users(s, id, {
      payload: { schema: 'EMAIL_SHA256', data: [ALICE_EMAIL] },
      session: { session_id: 9778993, batch_seq: 1, last_batch_flag: true, estimated_num_total: 1 },
    });
    expect(res.body.session_id).toBe('9778993');
  });

  it('adds subscription_info on v25.0 for a marketing-messages audience, and not on v21.0', async () => {
    const id = await createAudience(s, { subscription_info: ['WHATSAPP', 'MESSENGER'] }, 'v25.0');
    const v25 = await users(s, id, { version: 'v25.0', payload: { schema: 'EMAIL_SHA256', data: [ALICE_EMAIL] } });
    expect(v25.body.subscription_info).toEqual({
      whatsapp: { num_subscribers_received: 0, num_subscribers_invalid_entries: 0, invalid_subscribers_entry_samples: {} },
      messenger: { num_subscribers_received: 0, num_subscribers_invalid_entries: 0, invalid_subscribers_entry_samples: {} },
    });
    const v21 = await users(s, id, { version: 'v21.0', payload: { schema: 'EMAIL_SHA256', data: [ALICE_EMAIL] } });
    expect(v21.body.subscription_info).toBeUndefined();
  });

  it('reads the audience after the write when fields are asked for', async () => {
    const id = await createAudience(s, { name: 'RAW' });
    const res = await s.call(`/v21.0/${id}/users?fields=name,data_source&access_token=${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL]] } }),
    });
    expect(res.body).toMatchObject({ audience_id: id, num_received: 1, name: 'RAW', data_source: { type: 'FILE_IMPORTED', sub_type: 'MULTI_HASHES' } });
  });
});

describe('/users: every way real clients send the payload', () => {
  const payload = { schema: ['EMAIL', 'PHONE'], data: [[ALICE_EMAIL, ''], ['', BOB_PHONE]] };

  it('takes a JSON-string payload in a urlencoded body (the docs and the Python SDK)', async () => {
    const id = await createAudience(s);
    const res = await s.call(`/v21.0/${id}/users`, {
      method: 'POST',
      body: new URLSearchParams({ access_token: TOKEN, payload: JSON.stringify(payload) }),
    });
    expect(res.body.num_received).toBe(2);
    expect(await count(s, id)).toBe(2);
  });

  it('takes multipart form data (curl -F)', async () => {
    const id = await createAudience(s);
    const form = new FormData();
    form.set('payload', JSON.stringify(payload));
    form.set('access_token', TOKEN);
    const res = await s.call(`/v21.0/${id}/users`, { method: 'POST', body: form });
    expect(res.body.num_received).toBe(2);
  });

  it('takes PHP bracket notation (fbgraph)', async () => {
    const id = await createAudience(s);
    const body = `access_token=${TOKEN}&payload[schema][0]=EMAIL&payload[schema][1]=PHONE&payload[data][0][0]=${ALICE_EMAIL}&payload[data][0][1]=&payload[data][1][0]=&payload[data][1][1]=${BOB_PHONE}`;
    const res = await s.call(`/v21.0/${id}/users`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.body).toMatchObject({ num_received: 2, num_invalid_entries: 0 });
  });

  it('removes with DELETE and the payload in the query string (the business SDK)', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload });
    expect(await count(s, id)).toBe(2);
    const q = new URLSearchParams({ payload: JSON.stringify({ schema: ['EMAIL'], data: [[ALICE_EMAIL]] }), id, access_token: TOKEN });
    const res = await s.call(`/v21.0/${id}/users?${q.toString()}`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    expect(res.body.num_received).toBe(1);
    expect(await count(s, id)).toBe(1);
  });

  it('removes with POST and method=DELETE', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL], [BOB_EMAIL]] } });
    expect(await count(s, id)).toBe(2);
    const res = await s.call(`/v21.0/${id}/users?method=DELETE&access_token=${TOKEN}`, {
      method: 'POST',
      body: new URLSearchParams({ payload: JSON.stringify({ schema: ['EMAIL'], data: [[BOB_EMAIL]] }) }),
    });
    expect(res.body.num_received).toBe(1);
    expect(await count(s, id)).toBe(1);
  });

  it('removes with DELETE and a JSON body (Segment)', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL]] } });
    expect(await count(s, id)).toBe(1);
    await users(s, id, { method: 'DELETE', payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL]] } });
    expect(await count(s, id)).toBe(0);
  });

  it('accepts single-key data as a flat list or as one-element rows', async () => {
    const id = await createAudience(s);
    const flat = await users(s, id, { payload: { schema: 'EMAIL_SHA256', data: [ALICE_EMAIL, BOB_EMAIL] } });
    const rows = await users(s, id, { payload: { schema: 'EMAIL_SHA256', data: [[ALICE_EMAIL], [BOB_EMAIL]] } });
    expect(flat.body.num_received).toBe(2);
    expect(rows.body.num_received).toBe(2);
    expect(await count(s, id)).toBe(2);
  });

  it('accepts namespace (v10.0) and ig_account_ids, data_source, metadata and is_raw as strings', async () => {
    const id = await createAudience(s);
    const res = await users(s, id, {
      version: 'v10.0',
      payload: {
        schema: ['EMAIL'],
        is_raw: 'true',
        data: [[ALICE_EMAIL]],
        ig_account_ids: ['17841400000000000'],
        data_source: { type: 'FILE_IMPORTED', sub_type: 'MULTI_HASHES' },
        metadata: { schema_version: '1' },
      },
      extra: { namespace: 'crm' },
    });
    expect(res.status).toBe(200);
  });

  it('accepts ig_account_ids on v25.0, in a JSON body and inside a form payload, and ignores them', async () => {
    const id = await createAudience(s, {}, 'v25.0');
    const json = await users(s, id, {
      version: 'v25.0',
      payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL]], ig_account_ids: ['17841400000000000', 17841400000000001] },
    });
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ audience_id: id, num_received: 1, num_invalid_entries: 0 });
    const form = await s.call(`/v25.0/${id}/users`, {
      method: 'POST',
      body: new URLSearchParams({ access_token: TOKEN, payload: JSON.stringify({ schema: ['EMAIL'], data: [[BOB_EMAIL]], ig_account_ids: ['17841400000000000'] }) }),
    });
    expect(form.status).toBe(200);
    expect(form.body.num_received).toBe(1);
    const removal = await users(s, id, { version: 'v25.0', method: 'DELETE', payload: { schema: ['EMAIL'], data: [[BOB_EMAIL]], ig_account_ids: [17841400000000001] } });
    expect(removal.status).toBe(200);
    expect(await count(s, id)).toBe(1);
  });

  it('takes DATA_PROCESSING_OPTIONS columns: checks them per row and stores only the identity', async () => {
    const id = await createAudience(s);
    const res = await users(s, id, {
      payload: {
        schema: ['EMAIL', 'DATA_PROCESSING_OPTIONS', 'DATA_PROCESSING_OPTIONS_COUNTRY', 'DATA_PROCESSING_OPTIONS_STATE'],
        data: [
          [ALICE_EMAIL, ['LDU'], 1, 1000],
          [BOB_EMAIL, [], 0, 0],
          [sha('c@example.com'), ['LDU'], '1', '1000'],
          [NOBODY_EMAIL, 'LDU', 1, 1000],
          [sha('d@example.com'), ['LDU'], 'California', 1000],
          ['', ['LDU'], 1, 1000],
        ],
      },
    });
    expect(res.body).toMatchObject({ num_received: 6, num_invalid_entries: 3 });
    const samples = res.body.invalid_entry_samples as Record<string, string>;
    expect(samples[JSON.stringify([NOBODY_EMAIL, 'LDU', 1, 1000])]).toContain('DATA_PROCESSING_OPTIONS');
    expect(samples[JSON.stringify([sha('d@example.com'), ['LDU'], 'California', 1000])]).toContain('DATA_PROCESSING_OPTIONS_COUNTRY');
    expect(samples[JSON.stringify(['', ['LDU'], 1, 1000])]).toContain('no identifier');
    expect(await count(s, id)).toBe(2);
    // The stored rows hold the email column only: the same people uploaded without the options are the same rows.
    expect((await s.admin(`/_localgraph/audiences/${id}`)).body.rows).toBe(3);
    await users(s, id, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL], [BOB_EMAIL]] } });
    await settled(s, id);
    expect((await s.admin(`/_localgraph/audiences/${id}`)).body.rows).toBe(3);
  });

  it('takes the documented replace-sample shape ["EMAIL","DATA_PROCESSING_OPTIONS"] in a form body', async () => {
    const id = await createAudience(s);
    const payload = { schema: ['EMAIL', 'DATA_PROCESSING_OPTIONS'], data: [[ALICE_EMAIL, ['LDU']], [BOB_EMAIL, []]] };
    const res = await s.call(`/v21.0/${id}/users`, { method: 'POST', body: new URLSearchParams({ access_token: TOKEN, payload: JSON.stringify(payload) }) });
    expect(res.body).toMatchObject({ num_received: 2, num_invalid_entries: 0 });
    expect(await count(s, id)).toBe(2);
  });

  it('takes PHONE_SHA256 as a single-key schema and matches by phone', async () => {
    const id = await createAudience(s);
    const res = await users(s, id, { payload: { schema: 'PHONE_SHA256', data: [ALICE_PHONE, BOB_PHONE, sha('19995550000'), 'not-a-hash'] } });
    expect(res.body).toMatchObject({ num_received: 4, num_invalid_entries: 1 });
    expect(Object.keys(res.body.invalid_entry_samples)).toEqual(['"not-a-hash"']);
    expect(await count(s, id)).toBe(2);
    const m = await s.admin(`/_localgraph/audiences/${id}/matches`);
    expect(m.body.data.filter((r: any) => r.matched).map((r: any) => [r.matched.person, r.matched.by]).sort()).toEqual([['alice', 'PHONE'], ['bob', 'PHONE']]); // any: admin JSON
    const read = await audience(s, id, 'data_source');
    expect(read.data_source).toMatchObject({ type: 'FILE_IMPORTED', sub_type: 'HASHES_OR_USER_IDS' });
    // One-element rows are the same schema; an array schema is not (the data-source lock).
    expect((await users(s, id, { payload: { schema: 'PHONE_SHA256', data: [[ALICE_PHONE]] } })).status).toBe(200);
    expect((await users(s, id, { payload: { schema: ['PHONE'], data: [[ALICE_PHONE]] } })).body.error.code).toBe(2650);
  });

  it('removes with DELETE and bracket notation in the query string', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL], [BOB_EMAIL]] } });
    expect(await count(s, id)).toBe(2);
    const q = [
      `access_token=${TOKEN}`,
      'payload[schema][0]=EMAIL',
      `payload[data][0][0]=${BOB_EMAIL}`,
      'session[session_id]=5150',
      'session[batch_seq]=1',
      'session[last_batch_flag]=true',
    ].join('&');
    const res = await s.call(`/v21.0/${id}/users?${q}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ audience_id: id, session_id: '5150', num_received: 1, num_invalid_entries: 0 });
    expect(await count(s, id)).toBe(1);
    // Encoded brackets (what URLSearchParams writes) read the same.
    const encoded = new URLSearchParams({ access_token: TOKEN, 'payload[schema][0]': 'EMAIL', 'payload[data][0][0]': ALICE_EMAIL });
    const again = await s.call(`/v21.0/${id}/users?${encoded.toString()}`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect(again.body.num_received).toBe(1);
    expect(await count(s, id)).toBe(0);
  });

  it('accepts MADID raw (a UUID) and hashed, and EXTERN_ID unhashed', async () => {
    const id = await createAudience(s);
    const res = await users(s, id, {
      payload: {
        schema: ['MADID', 'EXTERN_ID'],
        data: [
          ['6032d997-3ab0-4de0-aa16-8af0e5b482fb', 'crm-1'],
          [sha('b67385f8-9a82-4670-8c0a-6f9ea7513f5f'), 'crm-2'],
        ],
      },
    });
    expect(res.body).toMatchObject({ num_received: 2, num_invalid_entries: 0 });
  });
});

describe('/users: whole-request errors', () => {
  let id: string;
  beforeAll(async () => {
    id = await createAudience(s);
  });

  it('no payload: (#100) Missing required parameter: payload', async () => {
    const res = await s.call(`/v21.0/${id}/users?access_token=${TOKEN}`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 100, message: '(#100) Missing required parameter: payload', type: 'OAuthException' });
  });

  it('an unknown schema key: the Raw PII type message with the accepted list', async () => {
    const res = await users(s, id, { payload: { schema: ['UID'], data: [['1']] } });
    expect(res.body.error.code).toBe(100);
    expect(res.body.error.message).toMatch(/^\(#100\) Raw PII type is invalid, it should be one of EXTERN_ID,EMAIL,PHONE,GEN,DOBY,DOBM,DOBD,LN,FN,FI,CT,ST,ZIP,MADID,COUNTRY,/);
  });

  it('rows that do not match the schema', async () => {
    const res = await users(s, id, { payload: { schema: ['EMAIL', 'FN'], data: [[ALICE_EMAIL]] } });
    expect(res.body.error.code).toBe(100);
    expect(res.body.error.message).toMatch(/^\(#100\) Data is missing or does not match schema: /);
  });

  it('empty data', async () => {
    const res = await users(s, id, { payload: { schema: ['EMAIL'], data: [] } });
    expect(res.body.error.message).toMatch(/^\(#100\) Data is missing or does not match schema/);
  });

  it('more than 10,000 rows: 105', async () => {
    const data = Array.from({ length: 10_001 }, () => ALICE_EMAIL);
    const res = await users(s, id, { payload: { schema: 'EMAIL_SHA256', data } });
    expect(res.body.error).toMatchObject({ code: 105, message: '(#105) The number of parameters exceeded the maximum for this operation' });
  });

  it('exactly 10,000 rows are fine', async () => {
    const data = Array.from({ length: 10_000 }, (_, i) => sha(`user${i}@example.com`));
    const res = await users(s, id, { payload: { schema: 'EMAIL_SHA256', data } });
    expect(res.body.num_received).toBe(10_000);
  });

  it('UID without app_ids', async () => {
    const other = await createAudience(s);
    const res = await users(s, other, { payload: { schema: 'UID', data: ['102938475610293'] } });
    expect(res.body.error).toMatchObject({ code: 100 });
    expect(res.body.error.message).toContain('app_ids');
    const ok = await users(s, other, { payload: { schema: 'UID', data: ['102938475610293'], app_ids: ['1234567890123456'] } });
    expect(ok.status).toBe(200);
    expect(await count(s, other)).toBe(1);
  });

  it('APPUID in an array schema without app_ids, or app_ids that are not ids', async () => {
    const other = await createAudience(s);
    const payload = { schema: ['EMAIL', 'APPUID'], data: [['', '102938475610293']] };
    const missing = await users(s, other, { payload });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 100, type: 'OAuthException', message: '(#100) The parameter payload.app_ids is required' });
    const notIds = await users(s, other, { payload: { ...payload, app_ids: 'abc' } });
    expect(notIds.status).toBe(400);
    expect(notIds.body.error).toMatchObject({ code: 100, message: '(#100) Param payload[app_ids][0] must be an integer' });
    // The form body of the docs: app_ids inside the payload's JSON string.
    const form = await s.call(`/v21.0/${other}/users`, {
      method: 'POST',
      body: new URLSearchParams({ access_token: TOKEN, payload: JSON.stringify({ ...payload, app_ids: [1234567890123456] }) }),
    });
    expect(form.status).toBe(200);
    expect(await count(s, other)).toBe(1);
  });

  it('LOOKALIKE_VALUE on an audience that is not value-based', async () => {
    const res = await users(s, id, { payload: { schema: ['EMAIL', 'LOOKALIKE_VALUE'], data: [[ALICE_EMAIL, 44.5]] } });
    expect(res.body.error.code).toBe(100);
    expect(res.body.error.message).toContain('value-based');
  });

  it('the data-source lock: a single-key upload to a multi-key audience is 2650 with the real text', async () => {
    const locked = await createAudience(s);
    await users(s, locked, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL]] } });
    const res = await users(s, locked, { payload: { schema: 'EMAIL_SHA256', data: [ALICE_EMAIL] } });
    expect(res.body.error).toMatchObject({
      code: 2650,
      message:
        '(#2650) Failed to update the custom audience: This audience was created from data source FILE_IMPORTED.MULTI_HASHES, which does not support data source FILE_IMPORTED.HASHES_OR_USER_IDS.',
    });
  });

  it('an audience that is not a customer-file audience: 2650', async () => {
    await s.admin('/_localgraph/fixture?merge=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ custom_audiences: [{ id: '23800000000000777', ad_account: ACT, name: 'Site visitors', subtype: 'WEBSITE' }] }),
    });
    const res = await users(s, '23800000000000777', { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL]] } });
    expect(res.body.error.code).toBe(2650);
    expect(res.body.error.message).toContain('WEBSITE');
  });

  it('a flagged audience (operation_status 471): 100/1713230 with the seed title and message', async () => {
    const flagged = await createAudience(s);
    const flag = await s.admin(`/_localgraph/audiences/${flagged}`, { method: 'POST', body: JSON.stringify({ operation_status: 471 }), headers: { 'content-type': 'application/json' } });
    expect(flag.status).toBe(200);
    const res = await users(s, flagged, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL]] } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      message: 'Invalid parameter',
      code: 100,
      error_subcode: 1713230,
      error_user_title: 'Audience Upload Blocked',
      error_user_msg:
        'Before updating user memberships, you must resolve integrity restrictions on this Data File Custom Audience. Go to Audience Manager to appeal the restrictions or create a new audience with updated data',
    });
    const read = await s.call(`/v21.0/${flagged}?fields=operation_status,delivery_status,fields_violating_integrity_policy&access_token=${TOKEN}`);
    expect(read.body.operation_status.code).toBe(471);
    expect(read.body.delivery_status.code).toBe(400);
  });

  it('removals that would leave the audience too small: 200/1870047, HTTP 400', async () => {
    const small = await createAudience(s);
    await users(s, small, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL], [BOB_EMAIL]] } });
    expect(await count(s, small)).toBe(2);
    await s.admin(`/_localgraph/audiences/${small}`, { method: 'POST', body: JSON.stringify({ removal_floor: 2 }), headers: { 'content-type': 'application/json' } });
    const res = await users(s, small, { method: 'DELETE', payload: { schema: ['EMAIL'], data: [[BOB_EMAIL]] } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      message: 'Permissions error',
      type: 'OAuthException',
      code: 200,
      error_subcode: 1870047,
      is_transient: false,
      error_user_title: 'Audience Size too Low',
      error_user_msg: 'You cannot remove users from this audience because it will result in a low audience size.',
    });
    expect(res.headers.get('www-authenticate')).toContain('Permissions error');
  });

  it('a deprecated version: 2635', async () => {
    const res = await s.call(`/${id}/users?access_token=${TOKEN}`, { method: 'POST', body: new URLSearchParams({ payload: '{"schema":["EMAIL"],"data":[["x"]]}' }) });
    expect(res.body.error.code).toBe(2635);
  });
});

describe('/users: row-level checks', () => {
  it('counts and samples bad rows and keeps the good ones', async () => {
    const id = await createAudience(s);
    const rawEmailRow = ['alice@example.com', ''];
    const res = await users(s, id, {
      payload: {
        schema: ['EMAIL', 'EXTERN_ID'],
        data: [[BOB_EMAIL, 'crm-7'], [ALICE_EMAIL, ''], [NOBODY_EMAIL.slice(0, 63), 'crm-8'], rawEmailRow.concat().map((v, i) => (i === 1 ? 'crm-9' : v))],
      },
    });
    expect(res.body.num_received).toBe(4);
    expect(res.body.num_invalid_entries).toBe(3);
    const samples = res.body.invalid_entry_samples as Record<string, string>;
    expect(samples[JSON.stringify([ALICE_EMAIL, ''])]).toBe('empty external ID');
    expect(samples[JSON.stringify([NOBODY_EMAIL.slice(0, 63), 'crm-8'])]).toContain('SHA-256');
    expect(samples[JSON.stringify(['alice@example.com', 'crm-9'])]).toContain('SHA-256');
    // Only Bob's row was kept and matched.
    expect(await count(s, id)).toBe(1);
  });

  it('never stores a raw value: the matches view holds only the valid row', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: { schema: ['EMAIL'], data: [['alice@example.com'], [BOB_EMAIL]] } });
    await settled(s, id);
    const m = await s.admin(`/_localgraph/audiences/${id}/matches`);
    expect(m.body.data).toHaveLength(1);
    expect(JSON.stringify(m.body)).not.toContain('alice@example.com');
  });

  it('a negative or non-numeric LOOKALIKE_VALUE is an invalid row of a value-based audience', async () => {
    const id = await createAudience(s, { is_value_based: true });
    const res = await users(s, id, {
      payload: { schema: ['EMAIL', 'LOOKALIKE_VALUE'], data: [[ALICE_EMAIL, 44.5], [BOB_EMAIL, -1], [NOBODY_EMAIL, 'lots'], [sha('x@y.z'), '0.9']] },
    });
    expect(res.body).toMatchObject({ num_received: 4, num_invalid_entries: 2 });
    const missing = await users(s, id, { payload: { schema: ['EMAIL'], data: [[ALICE_EMAIL]] } });
    expect(missing.body.error.code).toBe(100);
  });

  it('keys the samples of flat single-key data by the entry as compact JSON, as it keys rows', async () => {
    const id = await createAudience(s);
    const flat = await users(s, id, { payload: { schema: 'EMAIL_SHA256', data: [ALICE_EMAIL, 'zzz'] } });
    expect(flat.body).toMatchObject({ num_received: 2, num_invalid_entries: 1 });
    expect(Object.keys(flat.body.invalid_entry_samples)).toEqual(['"zzz"']);
    expect(flat.body.invalid_entry_samples['"zzz"']).toContain('SHA-256');
    const rows = await users(s, id, { payload: { schema: 'EMAIL_SHA256', data: [[ALICE_EMAIL], ['zzz']] } });
    expect(Object.keys(rows.body.invalid_entry_samples)).toEqual(['["zzz"]']);
    // A JSON client finds its entry's sample the way Grouparoo does for rows: JSON.stringify(entry).
    const sent = ['', 'crm-1'];
    const externs = await users(s, await createAudience(s), { payload: { schema: 'EXTERN_ID', data: sent } });
    expect(externs.body.invalid_entry_samples).toEqual({ [JSON.stringify(sent[0])]: 'empty external ID' });
  });

  it('keeps at most 100 samples', async () => {
    const id = await createAudience(s);
    const data = Array.from({ length: 150 }, (_, i) => [`not-a-hash-${i}`]);
    const res = await users(s, id, { payload: { schema: ['EMAIL'], data } });
    expect(res.body.num_invalid_entries).toBe(150);
    expect(Object.keys(res.body.invalid_entry_samples)).toHaveLength(100);
  });
});
