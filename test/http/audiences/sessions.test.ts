import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { ALICE_EMAIL, BOB_EMAIL, CAROL_EMAIL, TOKEN, count, createAudience, settled, sha, users } from './audience-helpers.js';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
});
afterAll(() => s.close());

const advance = (seconds: number) =>
  s.admin('/_localgraph/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_seconds: seconds }) });

const rows = (emails: string[]) => ({ schema: ['EMAIL'], data: emails.map((e) => [e]) });

async function sessions(id: string, sessionId?: string): Promise<Array<Record<string, string>>> {
  const q = sessionId ? `&session_id=${sessionId}` : '';
  const res = await s.call(`/v21.0/${id}/sessions?access_token=${TOKEN}${q}`);
  expect(res.status).toBe(200);
  return res.body.data;
}

describe('upload sessions', () => {
  it('counts num_received across the batches of one session', async () => {
    const id = await createAudience(s);
    const a = await users(s, id, { payload: rows([ALICE_EMAIL, BOB_EMAIL]), session: { session_id: 1001, batch_seq: 1, last_batch_flag: false, estimated_num_total: 3 } });
    expect(a.body.num_received).toBe(2);
    const b = await users(s, id, { payload: rows([CAROL_EMAIL]), session: { session_id: 1001, batch_seq: 2, last_batch_flag: true } });
    expect(b.body).toMatchObject({ session_id: '1001', num_received: 3 });
    expect(await count(s, id)).toBe(3);
    const [view] = await sessions(id, '1001');
    expect(view).toMatchObject({ session_id: '1001', num_received: '3', num_matched: '3', num_invalid_entries: '0', stage: 'finished', progress: '100' });
    expect(Number(view.end_time)).toBeGreaterThan(0);
  });

  it('does not count a repeated batch twice', async () => {
    const id = await createAudience(s);
    const session = { session_id: 2002, batch_seq: 1, last_batch_flag: false };
    await users(s, id, { payload: rows([ALICE_EMAIL]), session });
    const again = await users(s, id, { payload: rows([ALICE_EMAIL]), session });
    expect(again.status).toBe(200);
    expect(again.body.num_received).toBe(1);
  });

  it('discards batches after last_batch_flag, leaving the counts as they were', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: rows([ALICE_EMAIL]), session: { session_id: 3003, batch_seq: 1, last_batch_flag: true } });
    const late = await users(s, id, { payload: rows([BOB_EMAIL]), session: { session_id: 3003, batch_seq: 2, last_batch_flag: false } });
    expect(late.status).toBe(200);
    expect(late.body.num_received).toBe(1);
    expect(await count(s, id)).toBe(1);
  });

  it('answers the closing batch, resent, as already received — and still discards a new batch after it', async () => {
    const id = await createAudience(s);
    const send = (emails: string[], session: Record<string, unknown>) => users(s, id, { payload: rows(emails), session, extra: { debug: 'warning' } });
    await send([ALICE_EMAIL], { session_id: 3103, batch_seq: 1, last_batch_flag: false });
    const closing = await send([BOB_EMAIL], { session_id: 3103, batch_seq: 2, last_batch_flag: true });
    expect(closing.body).toMatchObject({ session_id: '3103', num_received: 2, num_invalid_entries: 0 });
    expect(closing.body.__debug__).toEqual({});
    // Its answer was lost; the client sends the very same batch again.
    const resent = await send([BOB_EMAIL], { session_id: 3103, batch_seq: 2, last_batch_flag: true });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ session_id: '3103', num_received: 2, num_invalid_entries: 0, invalid_entry_samples: {} });
    expect(resent.body.__debug__.messages).toEqual([{ type: 'warning', message: 'Batch 2 of session 3103 was already received; it was not counted again.' }]);
    // An earlier batch of the closed session is a repeat too.
    const first = await send([ALICE_EMAIL], { session_id: 3103, batch_seq: 1, last_batch_flag: false });
    expect(first.body.__debug__.messages).toEqual([{ type: 'warning', message: 'Batch 1 of session 3103 was already received; it was not counted again.' }]);
    // A batch the session never had, after last_batch_flag: discarded as before.
    const late = await send([CAROL_EMAIL], { session_id: 3103, batch_seq: 3, last_batch_flag: true });
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ session_id: '3103', num_received: 2, num_invalid_entries: 0, invalid_entry_samples: {} });
    expect(late.body.__debug__.messages).toEqual([{ type: 'warning', message: 'Session 3103 has ended (last_batch_flag); this batch was discarded.' }]);
    expect(await count(s, id)).toBe(2);
    const [view] = await sessions(id, '3103');
    expect(view).toMatchObject({ num_received: '2', stage: 'finished' });
  });

  it('answers a batch resent after the 90 minutes as already received, and discards a new one', async () => {
    const id = await createAudience(s);
    const send = (emails: string[], session: Record<string, unknown>) => users(s, id, { payload: rows(emails), session, extra: { debug: 'warning' } });
    await send([ALICE_EMAIL], { session_id: 4104, batch_seq: 1 });
    await advance(91 * 60);
    const resent = await send([ALICE_EMAIL], { session_id: 4104, batch_seq: 1 });
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ num_received: 1 });
    expect(resent.body.__debug__.messages).toEqual([{ type: 'warning', message: 'Batch 1 of session 4104 was already received; it was not counted again.' }]);
    const late = await send([BOB_EMAIL], { session_id: 4104, batch_seq: 2 });
    expect(late.body).toMatchObject({ num_received: 1 });
    expect(late.body.__debug__.messages).toEqual([{ type: 'warning', message: 'Session 4104 has ended (90 minutes after its first batch); this batch was discarded.' }]);
    expect(await count(s, id)).toBe(1);
  });

  it('answers a discarded batch with the session as it stands and no samples of its own rows', async () => {
    const id = await createAudience(s);
    const first = await users(s, id, { payload: rows([ALICE_EMAIL]), session: { session_id: 2102, batch_seq: 1, last_batch_flag: false } });
    expect(first.body).toMatchObject({ num_received: 1, num_invalid_entries: 0 });
    // batch_seq 1 again, now holding an invalid row: not counted, so not sampled either.
    const repeated = await users(s, id, { payload: rows(['not-a-hash']), session: { session_id: 2102, batch_seq: 1, last_batch_flag: false } });
    expect(repeated.status).toBe(200);
    expect(repeated.body).toMatchObject({ session_id: '2102', num_received: 1, num_invalid_entries: 0 });
    expect(repeated.body.invalid_entry_samples).toEqual({});
    // An accepted batch with an invalid row: counted and sampled.
    const second = await users(s, id, { payload: rows([BOB_EMAIL, 'zzz']), session: { session_id: 2102, batch_seq: 2, last_batch_flag: true } });
    expect(second.body).toMatchObject({ num_received: 3, num_invalid_entries: 1, invalid_entry_samples: { '["zzz"]': expect.stringContaining('SHA-256') } });
    // After last_batch_flag: discarded, the session's totals, no samples.
    const late = await users(s, id, { payload: rows(['also-bad', 'still-bad']), session: { session_id: 2102, batch_seq: 3 } });
    expect(late.body).toMatchObject({ num_received: 3, num_invalid_entries: 1 });
    expect(late.body.invalid_entry_samples).toEqual({});
  });

  it('ends a session 90 minutes after its first batch and discards later batches', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: rows([ALICE_EMAIL]), session: { session_id: 4004, batch_seq: 1 } });
    const [open] = await sessions(id);
    expect(open.end_time).toBe('0');
    expect(open.stage).toBe('uploading');
    await advance(89 * 60);
    const inTime = await users(s, id, { payload: rows([BOB_EMAIL]), session: { session_id: 4004, batch_seq: 2 } });
    expect(inTime.body.num_received).toBe(2);
    await advance(2 * 60);
    const late = await users(s, id, { payload: rows([CAROL_EMAIL]), session: { session_id: 4004, batch_seq: 3 } });
    expect(late.body.num_received).toBe(2);
    expect(await count(s, id)).toBe(2);
    const [closed] = await sessions(id);
    expect(Number(closed.end_time)).toBe(Number(closed.start_time) + 90 * 60);
  });

  it('keeps estimated_num_total and reports progress from it', async () => {
    const id = await createAudience(s);
    await users(s, id, { payload: rows([ALICE_EMAIL]), session: { session_id: 5005, batch_seq: 1, estimated_num_total: 4 } });
    await settled(s, id);
    const [view] = await sessions(id);
    expect(view.progress).toBe('25');
  });

  it('keeps session ids unique within the ad account', async () => {
    const one = await createAudience(s);
    const two = await createAudience(s);
    await users(s, one, { payload: rows([ALICE_EMAIL]), session: { session_id: 6006, batch_seq: 1 } });
    const clash = await users(s, two, { payload: rows([ALICE_EMAIL]), session: { session_id: 6006, batch_seq: 1 } });
    expect(clash.body.error.code).toBe(100);
    expect(clash.body.error.message).toContain('6006');
  });

  it('makes a session of its own when the request has none, one per request', async () => {
    const id = await createAudience(s);
    const a = await users(s, id, { payload: rows([ALICE_EMAIL]) });
    const b = await users(s, id, { payload: rows([BOB_EMAIL]) });
    expect(a.body.session_id).not.toBe(b.body.session_id);
    expect(b.body.num_received).toBe(1);
    expect(await sessions(id)).toHaveLength(2);
  });

  it('accepts a session as a JSON string in a form and the Meta uploader shape without batch_seq', async () => {
    const id = await createAudience(s);
    const post = (emails: string[], session: unknown) =>
      s.call(`/v21.0/${id}/users`, {
        method: 'POST',
        body: new URLSearchParams({ access_token: TOKEN, payload: JSON.stringify(rows(emails)), session: JSON.stringify(session) }),
      });
    await post([ALICE_EMAIL], { session_id: 7007, last_batch_flag: false });
    await post([BOB_EMAIL], { session_id: 7007, last_batch_flag: false });
    const last = await post([sha('1')], { session_id: 7007, batch_seq: 1, last_batch_flag: true });
    expect(last.body.num_received).toBe(3);
  });

  it('refuses a malformed session id', async () => {
    const id = await createAudience(s);
    const res = await users(s, id, { payload: rows([ALICE_EMAIL]), session: { session_id: 'abc', batch_seq: 1 } });
    expect(res.body.error.code).toBe(100);
  });

  it('shows num_matched -1 while the session is being matched', async () => {
    const slow = await startTestServer({ matchDelayMs: 3_600_000, rateLimits: false });
    try {
      const id = await createAudience(slow);
      await users(slow, id, { payload: rows([ALICE_EMAIL]), session: { session_id: 8008, batch_seq: 1, last_batch_flag: true } });
      const res = await slow.call(`/v21.0/${id}/sessions?access_token=${TOKEN}`);
      expect(res.body.data[0]).toMatchObject({ num_matched: '-1', stage: 'processing' });
      const read = await slow.call(`/v21.0/${id}?fields=operation_status,approximate_count_lower_bound&access_token=${TOKEN}`);
      expect(read.body).toMatchObject({ operation_status: { code: 441 }, approximate_count_lower_bound: -1 });
      // The delay is on the server's clock: moving it finishes the matching without waiting.
      await slow.admin('/_localgraph/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ advance_seconds: 3601 }) });
      expect(await count(slow, id)).toBe(1);
    } finally {
      await slow.close();
    }
  });
});
