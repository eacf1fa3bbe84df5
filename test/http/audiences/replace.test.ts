import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { ALICE_EMAIL, BOB_EMAIL, CAROL_EMAIL, NOBODY_EMAIL, audience, count, createAudience, settled, users } from './audience-helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
});
afterAll(() => s.close());

const rows = (emails: string[]) => ({ schema: ['EMAIL'], data: emails.map((e) => [e]) });
const replace = (id: string, emails: string[], session: Record<string, unknown>) => users(s, id, { edge: 'usersreplace', payload: rows(emails), session });

async function matchedPeople(id: string): Promise<string[]> {
  const m = await s.admin(`/_localgraph/audiences/${id}/matches`);
  return m.body.data.filter((r: any) => r.matched).map((r: any) => r.matched.person).sort(); // any: admin JSON
}

describe('POST /{custom_audience_id}/usersreplace', () => {
  it('replaces the audience with exactly the uploaded set, reading 414 while the session runs', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: rows([ALICE_EMAIL, BOB_EMAIL, NOBODY_EMAIL]) });
    expect(await count(s, id)).toBe(2);
    const first = await replace(id, [BOB_EMAIL], { session_id: 11, batch_seq: 1, last_batch_flag: false });
    expect(first.body).toMatchObject({ audience_id: id, session_id: '11', num_received: 1 });
    expect((await audience(s, id)).operation_status.code).toBe(414);
    // /users edits wait for the replace to end.
    const blocked = await users(s, id, { payload: rows([ALICE_EMAIL]) });
    expect(blocked.body.error).toMatchObject({ code: 2650, error_subcode: 1870145 });
    await replace(id, [CAROL_EMAIL], { session_id: 11, batch_seq: 2, last_batch_flag: true });
    const done = await settled(s, id, 'approximate_count_lower_bound');
    expect(done.operation_status.code).toBe(200);
    expect(done.approximate_count_lower_bound).toBe(2);
    expect(await matchedPeople(id)).toEqual(['bob', 'carol']);
    expect((await s.admin(`/_localgraph/audiences/${id}`)).body.rows).toBe(2);
  });

  it('answers a repeated batch with the session as it stands and no samples of its own rows', async () => {
    const id = await createAudience(s);
    await replace(id, [ALICE_EMAIL], { session_id: 19, batch_seq: 1 });
    const second = await replace(id, [BOB_EMAIL, 'zzz'], { session_id: 19, batch_seq: 2 });
    expect(second.body).toMatchObject({ num_received: 3, num_invalid_entries: 1, invalid_entry_samples: { '["zzz"]': expect.stringContaining('SHA-256') } });
    const repeated = await replace(id, ['bad-1', 'bad-2'], { session_id: 19, batch_seq: 2 });
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ session_id: '19', num_received: 3, num_invalid_entries: 1 });
    expect(repeated.body.invalid_entry_samples).toEqual({});
    await replace(id, [CAROL_EMAIL], { session_id: 19, batch_seq: 3, last_batch_flag: true });
    expect(await count(s, id)).toBe(3);
  });

  it('refuses a session that does not start at batch_seq 1 (1870147)', async () => {
    const id = await createAudience(s);
    const res = await replace(id, [ALICE_EMAIL], { session_id: 12, batch_seq: 2 });
    expect(res.body.error).toMatchObject({ code: 2650, error_subcode: 1870147, error_user_title: 'Invalid Upload Batch for Replace' });
  });

  it('refuses batches after the last one (1870159)', async () => {
    const id = await createAudience(s);
    await replace(id, [ALICE_EMAIL], { session_id: 13, batch_seq: 1, last_batch_flag: true });
    const res = await replace(id, [BOB_EMAIL], { session_id: 13, batch_seq: 2 });
    expect(res.body.error).toMatchObject({ code: 2650, error_subcode: 1870159, error_user_title: 'Replace Session Finished' });
  });

  it('answers a batch of a finished session, resent, as already received; a new one is still 1870159', async () => {
    const id = await createAudience(s);
    const send = (emails: string[], session: Record<string, unknown>, schema = ['EMAIL']) =>
      users(s, id, { edge: 'usersreplace', payload: { schema, data: emails.map((e) => schema.map((_, i) => (i === 0 ? e : ''))) }, session, extra: { debug: 'warning' } });
    await send([ALICE_EMAIL], { session_id: 23, batch_seq: 1, last_batch_flag: false });
    const closing = await send([BOB_EMAIL], { session_id: 23, batch_seq: 2, last_batch_flag: true });
    expect(closing.body).toMatchObject({ session_id: '23', num_received: 2 });
    // The closing batch's answer was lost; the client sends the very same batch again.
    const resent = await send([BOB_EMAIL], { session_id: 23, batch_seq: 2, last_batch_flag: true });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ audience_id: id, session_id: '23', num_received: 2, num_invalid_entries: 0, invalid_entry_samples: {} });
    expect(resent.body.__debug__.messages).toEqual([{ type: 'warning', message: 'Batch 2 of replace session 23 was already received; it was not counted again.' }]);
    const first = await send([ALICE_EMAIL], { session_id: 23, batch_seq: 1 });
    expect(first.status).toBe(200);
    expect(first.body.__debug__.messages).toEqual([{ type: 'warning', message: 'Batch 1 of replace session 23 was already received; it was not counted again.' }]);
    // A new batch after the last one, and a "repeat" whose schema is not the session's, are refused as before.
    const late = await send([CAROL_EMAIL], { session_id: 23, batch_seq: 3 });
    expect(late.status).toBe(400);
    expect(late.body.error).toMatchObject({ code: 2650, error_subcode: 1870159 });
    const otherSchema = await send([BOB_EMAIL], { session_id: 23, batch_seq: 2 }, ['EMAIL', 'FN']);
    expect(otherSchema.body.error).toMatchObject({ code: 2650, error_subcode: 1870159 });
    // The audience holds exactly the two batches, each counted once.
    expect(await count(s, id)).toBe(2);
    expect(await matchedPeople(id)).toEqual(['alice', 'bob']);
  });

  it('answers a batch of a timed-out session, resent, as already received; a new one is still 1870158', async () => {
    const id = await createAudience(s);
    const send = (emails: string[], session: Record<string, unknown>) => users(s, id, { edge: 'usersreplace', payload: rows(emails), session, extra: { debug: 'warning' } });
    await send([CAROL_EMAIL], { session_id: 24, batch_seq: 1 });
    await s.admin('/_localgraph/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_seconds: 91 * 60 }) });
    const resent = await send([CAROL_EMAIL], { session_id: 24, batch_seq: 1 });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ session_id: '24', num_received: 1 });
    expect(resent.body.__debug__.messages).toEqual([{ type: 'warning', message: 'Batch 1 of replace session 24 was already received; it was not counted again.' }]);
    const late = await send([ALICE_EMAIL], { session_id: 24, batch_seq: 2 });
    expect(late.body.error).toMatchObject({ code: 2650, error_subcode: 1870158 });
    let a = await audience(s, id);
    for (let i = 0; i < 2000 && a.operation_status.code !== 415; i++) {
      await new Promise((r) => setTimeout(r, 5));
      a = await audience(s, id);
    }
    expect(a.operation_status.code).toBe(415);
    // Once the worker has committed the timed-out session, the answers are the same.
    const again = await send([CAROL_EMAIL], { session_id: 24, batch_seq: 1 });
    expect(again.status).toBe(200);
    expect(again.body.__debug__.messages).toEqual([{ type: 'warning', message: 'Batch 1 of replace session 24 was already received; it was not counted again.' }]);
    expect((await send([ALICE_EMAIL], { session_id: 24, batch_seq: 3 })).body.error).toMatchObject({ code: 2650, error_subcode: 1870158 });
    expect(await matchedPeople(id)).toEqual(['carol']);
  });

  it('refuses a second replace while one runs (1870145)', async () => {
    const id = await createAudience(s);
    await replace(id, [ALICE_EMAIL], { session_id: 14, batch_seq: 1 });
    const res = await replace(id, [BOB_EMAIL], { session_id: 15, batch_seq: 1 });
    expect(res.body.error).toMatchObject({ code: 2650, error_subcode: 1870145 });
  });

  it('refuses a schema change mid-session (1870148)', async () => {
    const id = await createAudience(s);
    await replace(id, [ALICE_EMAIL], { session_id: 16, batch_seq: 1 });
    const res = await users(s, id, { edge: 'usersreplace', payload: { schema: ['EMAIL', 'FN'], data: [[BOB_EMAIL, '']] }, session: { session_id: 16, batch_seq: 2 } });
    expect(res.body.error).toMatchObject({ code: 2650, error_subcode: 1870148 });
  });

  it('refuses a switch between value-based and non-value-based data (1870148) and starts nothing', async () => {
    // A value-based audience replaced with rows that carry no LOOKALIKE_VALUE…
    const valued = await createAudience(s, { is_value_based: true });
    const plain = await users(s, valued, { edge: 'usersreplace', payload: rows([ALICE_EMAIL]), session: { session_id: 21, batch_seq: 1 } });
    expect(plain.status).toBe(400);
    expect(plain.body.error).toMatchObject({ code: 2650, error_subcode: 1870148, error_user_title: 'Something Went Wrong', type: 'OAuthException' });
    expect(plain.body.error.message).toMatch(/^\(#2650\) /);
    expect(plain.body.error.error_user_msg).toContain('LOOKALIKE_VALUE');
    // …and a plain audience replaced with value-based rows.
    const unvalued = await createAudience(s);
    const valuedRows = { schema: ['EMAIL', 'LOOKALIKE_VALUE'], data: [[ALICE_EMAIL, 44.5]] };
    const switched = await users(s, unvalued, { edge: 'usersreplace', payload: valuedRows, session: { session_id: 22, batch_seq: 1 } });
    expect(switched.body.error).toMatchObject({ code: 2650, error_subcode: 1870148 });
    expect(switched.body.error.error_user_msg).toContain('value-based');
    // Neither refusal started a replace: no 414, and the same session can start one properly.
    expect((await audience(s, valued)).operation_status.code).not.toBe(414);
    expect((await audience(s, unvalued)).operation_status.code).not.toBe(414);
    const ok = await users(s, valued, { edge: 'usersreplace', payload: valuedRows, session: { session_id: 21, batch_seq: 1, last_batch_flag: true } });
    expect(ok.status).toBe(200);
    expect(await count(s, valued)).toBe(1);
  });

  it('needs a session', async () => {
    const id = await createAudience(s);
    const res = await users(s, id, { edge: 'usersreplace', payload: rows([ALICE_EMAIL]) });
    expect(res.body.error.code).toBe(100);
    expect(res.body.error.message).toContain('session');
  });

  it('after 90 minutes keeps what was uploaded, reads 415, and refuses later batches (1870158)', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: rows([ALICE_EMAIL, BOB_EMAIL]) });
    expect(await count(s, id)).toBe(2);
    await replace(id, [CAROL_EMAIL], { session_id: 17, batch_seq: 1 });
    await s.admin('/_localgraph/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_seconds: 91 * 60 }) });
    const late = await replace(id, [ALICE_EMAIL], { session_id: 17, batch_seq: 2 });
    expect(late.body.error).toMatchObject({ code: 2650, error_subcode: 1870158, error_user_title: 'Replace Session Timed Out' });
    let a = await audience(s, id);
    for (let i = 0; i < 2000 && a.operation_status.code !== 415; i++) {
      await new Promise((r) => setTimeout(r, 5));
      a = await audience(s, id);
    }
    expect(a.operation_status.code).toBe(415);
    expect(a.approximate_count_lower_bound).toBe(1);
    expect(await matchedPeople(id)).toEqual(['carol']);
    // The next successful upload clears the failed state.
    await users(s, id, { payload: rows([ALICE_EMAIL]) });
    expect((await settled(s, id)).operation_status.code).toBe(200);
  });

  it('refuses a replace on a flagged audience with 1713230', async () => {
    const id = await createAudience(s);
    await s.admin(`/_localgraph/audiences/${id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operation_status: 471 }) });
    const res = await replace(id, [ALICE_EMAIL], { session_id: 18, batch_seq: 1 });
    expect(res.body.error).toMatchObject({ code: 100, error_subcode: 1713230 });
  });
});
