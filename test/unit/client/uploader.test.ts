import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { batchDiscardedWarning } from '../../../src/audiences/sessions.js';
import { GraphApiError } from '../../../src/client/graph/graph-api-error.js';
import type { AudienceUsersResponse } from '../../../src/client/graph/wire-types.js';
import { rowSourceFromArrays } from '../../../src/client/input/row-source.js';
import { sha256Hex } from '../../../src/client/normalize/hash.js';
import type { AudienceBatchRequest, AudienceTransport } from '../../../src/client/upload/transport.js';
import { memoryStateStore } from '../../../src/client/upload/upload-state.js';
import { ResumeRefusedError, SessionEndedError, UploadFailedError, uploadRows } from '../../../src/client/upload/uploader.js';
import type { UploadOptions } from '../../../src/client/upload/uploader.js';

type Reply = AudienceUsersResponse | GraphApiError;

interface Call {
  readonly request: AudienceBatchRequest;
  /** Batches (by seq) already acknowledged when this call was made. */
  readonly ackedBefore: readonly number[];
  /** Calls in flight when this one started, itself included. */
  readonly inFlight: number;
}

/**
 * A transport that answers on a later turn (or after `latencyMs`, for tests
 * that need batches to overlap); `reply` decides per call (seq, attempt).
 */
function fakeTransport(
  reply: (seq: number | undefined, attempt: number, request: AudienceBatchRequest) => Reply | undefined = () => undefined,
  latencyMs = 0,
) {
  const calls: Call[] = [];
  const acked: number[] = [];
  const attempts = new Map<number, number>();
  let inFlight = 0;
  const transport: AudienceTransport = {
    async send(request) {
      const seq = request.body.session?.batch_seq;
      const attempt = (attempts.get(seq ?? 0) ?? 0) + 1;
      attempts.set(seq ?? 0, attempt);
      inFlight++;
      calls.push({ request: structuredClone(request), ackedBefore: [...acked], inFlight });
      try {
        if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        else await nextTurn();
        const answer = reply(seq, attempt, request);
        if (answer instanceof GraphApiError) throw answer;
        if (seq !== undefined) acked.push(seq);
        return answer ?? {
          audience_id: request.audienceId,
          session_id: String(request.body.session?.session_id ?? '1'),
          num_received: request.body.payload.data.length,
          num_invalid_entries: 0,
          invalid_entry_samples: {},
        };
      } finally {
        inFlight--;
      }
    },
  };
  return { transport, calls };
}

function emails(count: number, from = 0): string[][] {
  return Array.from({ length: count }, (_, i) => [`user${from + i}@example.com`]);
}

function graphError(status: number, envelope: Record<string, unknown>, headers: Record<string, string> = {}): GraphApiError {
  return GraphApiError.fromResponse({
    status,
    bodyText: JSON.stringify({ error: envelope }),
    contentType: 'application/json',
    method: 'POST',
    path: '/v21.0/1/users',
    usage: { businessUseCase: headers.buc === undefined ? undefined : JSON.parse(headers.buc) },
  });
}

function options(transport: AudienceTransport, extra: Partial<UploadOptions> = {}): UploadOptions & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    operation: 'add',
    audienceId: '23850000000000001',
    transport,
    sessionId: 4242,
    random: () => 0,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    sleeps,
    ...extra,
  };
}

const seqs = (calls: readonly Call[]): (number | undefined)[] => calls.map((c) => c.request.body.session?.batch_seq);

describe('uploadRows: batches and the session', () => {
  it('sends 10,000-row batches of one session, the last flagged and sent after the others are acknowledged', async () => {
    const { transport, calls } = fakeTransport();
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(25_000)), options(transport, { estimatedTotal: 25_000 }));

    expect(seqs(calls)).toEqual([1, 2, 3]);
    expect(calls.map((c) => c.request.body.payload.data.length)).toEqual([10_000, 10_000, 5_000]);
    expect(calls.map((c) => c.request.body.session)).toEqual([
      { session_id: 4242, batch_seq: 1, last_batch_flag: false, estimated_num_total: 25_000 },
      { session_id: 4242, batch_seq: 2, last_batch_flag: false, estimated_num_total: 25_000 },
      { session_id: 4242, batch_seq: 3, last_batch_flag: true, estimated_num_total: 25_000 },
    ]);
    expect(calls[2]!.ackedBefore).toEqual(expect.arrayContaining([1, 2]));
    expect(calls[2]!.inFlight).toBe(1);
    expect(calls[0]!.request.body.payload.schema).toEqual(['EMAIL']);
    expect(calls[0]!.request.body.payload.data[0]).toEqual([sha256Hex('user0@example.com')]);
    expect(result).toMatchObject({ rowsRead: 25_000, rowsSent: 25_000, batchesSent: 3, serverReceived: 25_000, sessionId: 4242 });
  });

  it('keeps at most `concurrency` batches in flight', async () => {
    // Slower than building a batch, so batches overlap as they do over a network.
    const { transport, calls } = fakeTransport(undefined, 60);
    await uploadRows(rowSourceFromArrays(['email'], emails(60_000)), options(transport, { concurrency: 2, batchSize: 5_000 }));
    expect(calls).toHaveLength(12);
    expect(Math.max(...calls.map((c) => c.inFlight))).toBeLessThanOrEqual(2);
    expect(Math.max(...calls.map((c) => c.inFlight))).toBe(2);
  });

  it('a single batch is also the last one', async () => {
    const { transport, calls } = fakeTransport();
    await uploadRows(rowSourceFromArrays(['email'], emails(3)), options(transport));
    expect(calls.map((c) => c.request.body.session)).toEqual([{ session_id: 4242, batch_seq: 1, last_batch_flag: true }]);
  });

  it('remove sends its batches in one session through DELETE, the last flagged', async () => {
    const { transport, calls } = fakeTransport();
    await uploadRows(rowSourceFromArrays(['email'], emails(12_000)), options(transport, { operation: 'remove', estimatedTotal: 12_000 }));
    expect(calls.map((c) => [c.request.operation, c.request.body.session])).toEqual([
      ['remove', { session_id: 4242, batch_seq: 1, last_batch_flag: false, estimated_num_total: 12_000 }],
      ['remove', { session_id: 4242, batch_seq: 2, last_batch_flag: true, estimated_num_total: 12_000 }],
    ]);
    expect(calls[1]!.ackedBefore).toEqual([1]);
  });

  it('remove retries a batch with the same batch_seq, so the server can drop the duplicate', async () => {
    const { transport, calls } = fakeTransport((seq, attempt) =>
      seq === 1 && attempt === 1 ? GraphApiError.network(new TypeError('fetch failed'), 'DELETE', '/v21.0/1/users') : undefined,
    );
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(3)), options(transport, { operation: 'remove' }));
    expect(calls.map((c) => c.request.body.session)).toEqual([
      { session_id: 4242, batch_seq: 1, last_batch_flag: true },
      { session_id: 4242, batch_seq: 1, last_batch_flag: true },
    ]);
    expect(calls[1]!.request.body).toEqual(calls[0]!.request.body);
    expect(result.retries).toBe(1);
  });

  it('withSession: false sends the payload alone (programmatic opt-out), but never for replace', async () => {
    const { transport, calls } = fakeTransport();
    await uploadRows(rowSourceFromArrays(['email'], emails(3)), options(transport, { operation: 'remove', withSession: false }));
    expect(calls.map((c) => c.request.body.session)).toEqual([undefined]);
    await expect(
      uploadRows(rowSourceFromArrays(['email'], emails(3)), options(transport, { operation: 'replace', withSession: false })),
    ).rejects.toThrow('replace needs a session');
  });

  it('replace sends batch 1 alone and waits for it before any other batch', async () => {
    const { transport, calls } = fakeTransport();
    await uploadRows(rowSourceFromArrays(['email'], emails(35_000)), options(transport, { operation: 'replace', concurrency: 3 }));
    expect(seqs(calls)).toEqual([1, 2, 3, 4]);
    expect(calls.every((c) => c.request.operation === 'replace')).toBe(true);
    expect(calls[0]!.inFlight).toBe(1);
    for (const call of calls.slice(1)) expect(call.ackedBefore).toContain(1);
    expect(calls.map((c) => c.request.body.session?.last_batch_flag)).toEqual([false, false, false, true]);
    expect(calls[3]!.ackedBefore).toEqual(expect.arrayContaining([1, 2, 3]));
  });
});

describe('uploadRows: retries', () => {
  it('retries a transient failure with the same batch_seq and body', async () => {
    const { transport, calls } = fakeTransport((seq, attempt) =>
      seq === 2 && attempt === 1
        ? graphError(500, { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true })
        : undefined,
    );
    const o = options(transport);
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(25_000)), o);
    const second = calls.filter((c) => c.request.body.session?.batch_seq === 2);
    expect(second).toHaveLength(2);
    expect(second[1]!.request.body).toEqual(second[0]!.request.body);
    expect(result.retries).toBe(1);
    expect(result.batchesSent).toBe(3);
    // Back-off with equal jitter: base 1 s, random() = 0 → half of it.
    expect(o.sleeps).toEqual([500]);
  });

  it.each([
    ['an HTML 500 page', () => GraphApiError.fromResponse({ status: 500, bodyText: '<html><title>Sorry, something went wrong.</title></html>', contentType: 'text/html', method: 'POST', path: '/x', usage: {} })],
    ['a network error', () => GraphApiError.network(new TypeError('fetch failed'), 'POST', '/x')],
    ['code 1', () => graphError(500, { message: 'An unknown error occurred', code: 1 })],
    ['code 4', () => graphError(403, { message: '(#4) Application request limit reached', code: 4 })],
    ['code 17', () => graphError(400, { message: '(#17) User request limit reached', code: 17 })],
    ['code 613', () => graphError(400, { message: 'Calls to this api have exceeded the rate limit.', code: 613 })],
    ['code 80003 without a wait estimate', () => graphError(400, { message: '(#80003) There have been too many calls', code: 80003 })],
  ])('retries %s', async (_, failure) => {
    const { transport, calls } = fakeTransport((_seq, attempt) => (attempt === 1 ? failure() : undefined));
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(10)), options(transport));
    expect(calls).toHaveLength(2);
    expect(result.retries).toBe(1);
  });

  it('honours estimated_time_to_regain_access of an 80003 throttle and holds every batch', async () => {
    const buc = JSON.stringify({ '542676646349772': [{ type: 'custom_audience', call_count: 100, total_cputime: 20, total_time: 30, estimated_time_to_regain_access: 3 }] });
    const { transport } = fakeTransport((seq, attempt) =>
      seq === 1 && attempt === 1
        ? graphError(400, { message: '(#80003) There have been too many calls to this ad-account.', type: 'OAuthException', code: 80003, error_subcode: 2446079 }, { buc })
        : undefined,
    );
    let clock = 0;
    const o = options(transport, { now: () => clock });
    const sleeps: number[] = [];
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(10)), {
      ...o,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    expect(sleeps).toEqual([3 * 60_000]);
    expect(result.batchesSent).toBe(1);
  });

  it('stops on a permanent error: no retry, nothing sent after it, the last batch never sent', async () => {
    const { transport, calls } = fakeTransport((seq) =>
      seq === 2 ? graphError(400, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190, fbtrace_id: 'AbC' }) : undefined,
    );
    const error = await uploadRows(rowSourceFromArrays(['email'], emails(45_000)), options(transport, { concurrency: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadFailedError);
    const failed = error as UploadFailedError;
    expect(failed.batchSeq).toBe(2);
    expect((failed.cause as GraphApiError).code).toBe(190);
    expect(seqs(calls)).toEqual([1, 2]);
    expect(failed.result.batchesSent).toBe(1);
    expect(calls.some((c) => c.request.body.session?.last_batch_flag === true)).toBe(false);
  });

  it('gives up after maxAttempts', async () => {
    const { transport, calls } = fakeTransport(() => graphError(503, { message: 'Service unavailable', code: 2, is_transient: true }));
    const error = await uploadRows(rowSourceFromArrays(['email'], emails(5)), options(transport, { retry: { maxAttempts: 3 } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadFailedError);
    expect(calls).toHaveLength(3);
  });
});

describe('uploadRows: resume', () => {
  it('skips acknowledged batches and finishes the same session with the same batch numbers', async () => {
    const store = memoryStateStore();
    const rows = emails(45_000);
    const first = fakeTransport((seq) => (seq === 3 ? graphError(400, { message: 'Permissions error', code: 200 }) : undefined));
    await expect(
      uploadRows(rowSourceFromArrays(['email'], rows), options(first.transport, { stateStore: store, fingerprint: 'f1', concurrency: 1 })),
    ).rejects.toBeInstanceOf(UploadFailedError);
    expect(store.current?.acked.map((b) => b.seq)).toEqual([1, 2]);

    const second = fakeTransport();
    const result = await uploadRows(
      rowSourceFromArrays(['email'], rows),
      options(second.transport, { stateStore: store, fingerprint: 'f1', resume: true, sessionId: 999 }),
    );
    expect(seqs(second.calls)).toEqual([3, 4, 5]);
    expect(second.calls.every((c) => c.request.body.session?.session_id === 4242)).toBe(true);
    expect(second.calls[0]!.request.body.payload.data[0]).toEqual([sha256Hex('user20000@example.com')]);
    expect(second.calls.map((c) => c.request.body.session?.last_batch_flag)).toEqual([false, false, true]);
    expect(result).toMatchObject({ rowsSkipped: 20_000, rowsSent: 25_000, batchesSent: 3 });
    expect(store.current?.completed).toBe(true);
  });

  it('rebuilds a missing batch between acknowledged ones with its original number and rows', async () => {
    const store = memoryStateStore();
    const rows = emails(30_000);
    // Batch 1 fails for good while batch 2, in flight at the same time, is acknowledged.
    const first = fakeTransport((seq) => (seq === 1 ? graphError(400, { message: 'Permissions error', code: 200 }) : undefined), 80);
    await expect(
      uploadRows(rowSourceFromArrays(['email'], rows), options(first.transport, { stateStore: store, fingerprint: 'f', concurrency: 2 })),
    ).rejects.toBeInstanceOf(UploadFailedError);
    expect(store.current?.acked.map((b) => b.seq)).toEqual([2]);

    const second = fakeTransport();
    await uploadRows(rowSourceFromArrays(['email'], rows), options(second.transport, { stateStore: store, fingerprint: 'f', resume: true }));
    expect(seqs(second.calls)).toEqual([1, 3]);
    expect(second.calls[0]!.request.body.payload.data[9_999]).toEqual([sha256Hex('user9999@example.com')]);
    expect(second.calls[1]!.request.body.payload.data[0]).toEqual([sha256Hex('user20000@example.com')]);
  });

  it('refuses to resume when the input or options changed, and reports a finished upload as such', async () => {
    const store = memoryStateStore();
    const { transport } = fakeTransport();
    await uploadRows(rowSourceFromArrays(['email'], emails(10)), options(transport, { stateStore: store, fingerprint: 'a' }));
    await expect(
      uploadRows(rowSourceFromArrays(['email'], emails(10)), options(transport, { stateStore: store, fingerprint: 'b', resume: true })),
    ).rejects.toBeInstanceOf(ResumeRefusedError);
    const again = fakeTransport();
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(10)), options(again.transport, { stateStore: store, fingerprint: 'a', resume: true }));
    expect(result.alreadyCompleted).toBe(true);
    expect(again.calls).toHaveLength(0);
  });
});

describe('uploadRows: reporting', () => {
  it('reports rejected rows by number and reason, and traces server samples back to rows', async () => {
    const rows = [['mary@example.com', '1'], ['', ''], ['bob@example.com', '2'], ['nope', '3']];
    const { transport } = fakeTransport((_seq, _attempt, request) => {
      const bad = request.body.payload.data[1] as string[];
      return {
        audience_id: '1',
        session_id: '4242',
        num_received: 3,
        num_invalid_entries: 1,
        invalid_entry_samples: { [JSON.stringify(bad)]: 'empty external ID' },
      };
    });
    const result = await uploadRows(rowSourceFromArrays(['email', 'external_id'], rows), options(transport));
    expect(result.rowsRejected).toBe(1);
    expect(result.rejectSamples).toEqual([{ row: 2, reason: expect.stringMatching(/^empty EXTERN_ID/) }]);
    expect(result.invalidValueCounts).toEqual({ EMAIL: 1 });
    expect(result.serverInvalid).toBe(1);
    expect(result.serverInvalidSamples).toEqual([{ row: 3, reason: 'empty external ID' }]);
  });
});

/**
 * A fake Graph that keeps sessions as the spec describes them (§4.1): `num_received` counts across
 * the session, a repeated `batch_seq` is not counted again, and after `last_batch_flag` or 90
 * minutes from the first batch a batch is answered 200 with the counts unchanged — with a
 * `__debug__` warning (as localgraph sends one) or, `warnings: false`, without any hint.
 */
function sessionGraph(clock: () => number, opts: { warnings?: boolean; fail?: (seq: number, attempt: number) => GraphApiError | undefined } = {}) {
  const sessions = new Map<number, { started: number; seqs: Set<number>; received: number; closed: boolean }>();
  const calls: { session: AudienceBatchRequest['body']['session']; rows: number; answer: number }[] = [];
  const applied: string[] = [];
  const attempts = new Map<string, number>();
  const transport: AudienceTransport = {
    async send(request) {
      await nextTurn();
      const session = request.body.session!;
      const key = `${session.session_id}/${session.batch_seq}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const s = sessions.get(session.session_id) ?? { started: clock(), seqs: new Set<number>(), received: 0, closed: false };
      sessions.set(session.session_id, s);
      let warning: string | undefined;
      if (s.closed) warning = `Session ${session.session_id} has ended (last_batch_flag); this batch was discarded.`;
      else if (clock() >= s.started + 90 * 60_000) warning = `Session ${session.session_id} has ended (90 minutes after its first batch); this batch was discarded.`;
      else if (s.seqs.has(session.batch_seq)) warning = `Batch ${session.batch_seq} of session ${session.session_id} was already received; it was not counted again.`;
      else {
        s.seqs.add(session.batch_seq);
        s.received += request.body.payload.data.length;
        s.closed = session.last_batch_flag;
        for (const row of request.body.payload.data) applied.push(String(row[0]));
      }
      // An answer lost on the way back, after the batch was applied.
      const failure = opts.fail?.(session.batch_seq, attempt);
      if (failure !== undefined) throw failure;
      calls.push({ session: structuredClone(session), rows: request.body.payload.data.length, answer: s.received });
      return {
        audience_id: request.audienceId,
        session_id: String(session.session_id),
        num_received: s.received,
        num_invalid_entries: 0,
        invalid_entry_samples: {},
        ...(opts.warnings !== false && warning !== undefined && { __debug__: { messages: [{ type: 'warning', message: warning }] } }),
      };
    },
  };
  return { transport, calls, applied, sessions };
}

const MINUTE = 60_000;

describe('uploadRows: sessions that Graph has ended', () => {
  /** Interrupts an upload of `rows` rows in batches of 10 after `acked` batches, at time `clock.t`. */
  async function interrupted(operation: UploadOptions['operation'], rows: number, failAt: number, clock: { t: number }) {
    const store = memoryStateStore();
    const first = sessionGraph(() => clock.t);
    const failing: AudienceTransport = {
      send: (r) =>
        r.body.session?.batch_seq === failAt
          ? Promise.reject(graphError(400, { message: 'Permissions error', code: 200 }))
          : first.transport.send(r),
    };
    await expect(
      uploadRows(
        rowSourceFromArrays(['email'], emails(rows)),
        options(failing, { operation, stateStore: store, fingerprint: 'f', concurrency: 1, batchSize: 10, estimatedTotal: rows, now: () => clock.t }),
      ),
    ).rejects.toBeInstanceOf(UploadFailedError);
    return { store, first };
  }

  it('resumes an add older than 85 minutes in a new session, numbering the remaining batches from 1', async () => {
    const clock = { t: Date.parse('2026-03-01T10:00:00Z') };
    const { store, first } = await interrupted('add', 45, 3, clock);
    expect(store.current).toMatchObject({ sessionId: 4242, sessionStartedAt: '2026-03-01T10:00:00.000Z', acked: [{ seq: 1 }, { seq: 2 }] });

    clock.t += 91 * MINUTE; // the next morning would do too
    const notices: string[] = [];
    const result = await uploadRows(
      rowSourceFromArrays(['email'], emails(45)),
      options(first.transport, {
        stateStore: store, fingerprint: 'f', resume: true, sessionId: 999, batchSize: 10, estimatedTotal: 45, now: () => clock.t,
        onNotice: (m) => notices.push(m),
      }),
    );
    const resumed = first.calls.filter((c) => c.session?.session_id === 999);
    expect(resumed.map((c) => c.session)).toEqual([
      { session_id: 999, batch_seq: 1, last_batch_flag: false, estimated_num_total: 25 },
      { session_id: 999, batch_seq: 2, last_batch_flag: false, estimated_num_total: 25 },
      { session_id: 999, batch_seq: 3, last_batch_flag: true, estimated_num_total: 25 },
    ]);
    // Every row reached the audience exactly once: 20 in the old session, 25 in the new one.
    expect(new Set(first.applied).size).toBe(45);
    expect(first.applied).toHaveLength(45);
    expect(first.sessions.get(999)?.received).toBe(25);
    expect(notices).toEqual([expect.stringMatching(/^session 4242 began 91 minutes ago, and Graph ends a session 90 minutes after its first batch .*continuing in a new session 999, the remaining batches numbered from 1\. The 2 batch\(es\) acknowledged in session 4242 stay applied\.$/)]);
    expect(result).toMatchObject({
      sessionId: 999, earlierSessionIds: [4242], sessionChange: { previousSessionId: 4242, reason: 'expired', ageMinutes: 91 },
      rowsSkipped: 20, rowsSent: 25, batchesSent: 3, serverReceived: 25,
    });
    expect(store.current).toMatchObject({ sessionId: 999, earlierSessionIds: [4242], earlierSessionBatches: [1, 2], completed: true });
  });

  it('renumbers around a gap: batches 1 and 3 missing, 2 acknowledged in the old session', async () => {
    const clock = { t: Date.parse('2026-03-01T10:00:00Z') };
    const store = memoryStateStore();
    const graph = sessionGraph(() => clock.t);
    const first: AudienceTransport = {
      send: (r) => (r.body.session?.batch_seq === 1 ? new Promise((_, reject) => setTimeout(() => reject(graphError(400, { message: 'Permissions error', code: 200 })), 30)) : graph.transport.send(r)),
    };
    await expect(
      uploadRows(rowSourceFromArrays(['email'], emails(30)), options(first, { stateStore: store, fingerprint: 'f', batchSize: 10, now: () => clock.t })),
    ).rejects.toBeInstanceOf(UploadFailedError);
    expect(store.current?.acked.map((b) => b.seq)).toEqual([2]);
    clock.t += 2 * 60 * MINUTE;
    await uploadRows(rowSourceFromArrays(['email'], emails(30)), options(graph.transport, { stateStore: store, fingerprint: 'f', resume: true, sessionId: 77, batchSize: 10, now: () => clock.t }));
    const resumed = graph.calls.filter((c) => c.session?.session_id === 77);
    expect(resumed.map((c) => [c.session?.batch_seq, c.session?.last_batch_flag])).toEqual([[1, false], [2, true]]);
    expect(graph.applied.slice(10)).toEqual([...emails(10, 0), ...emails(10, 20)].map(([e]) => sha256Hex(e!)));
  });

  it('continues the same session when it began less than 85 minutes ago', async () => {
    const clock = { t: Date.parse('2026-03-01T10:00:00Z') };
    const { store, first } = await interrupted('add', 30, 2, clock);
    clock.t += 84 * MINUTE;
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(30)), options(first.transport, { stateStore: store, fingerprint: 'f', resume: true, sessionId: 999, batchSize: 10, now: () => clock.t }));
    expect(first.calls.slice(1).map((c) => [c.session?.session_id, c.session?.batch_seq])).toEqual([[4242, 2], [4242, 3]]);
    expect(result).toMatchObject({ sessionId: 4242, earlierSessionIds: [], sessionChange: undefined });
  });

  it('resumes a remove older than 85 minutes in a new session too', async () => {
    const clock = { t: Date.parse('2026-03-01T10:00:00Z') };
    const { store, first } = await interrupted('remove', 25, 2, clock);
    clock.t += 86 * MINUTE;
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(25)), options(first.transport, { operation: 'remove', stateStore: store, fingerprint: 'f', resume: true, batchSize: 10, now: () => clock.t }));
    expect(result.sessionId).not.toBe(4242);
    expect(first.calls.slice(1).map((c) => [c.session?.session_id, c.session?.batch_seq, c.session?.last_batch_flag])).toEqual([
      [result.sessionId, 1, false],
      [result.sessionId, 2, true],
    ]);
  });

  it('refuses to resume a replace older than 85 minutes, and says to run it again from the start', async () => {
    const clock = { t: Date.parse('2026-03-01T10:00:00Z') };
    const { store, first } = await interrupted('replace', 30, 3, clock);
    const sent = first.calls.length;
    clock.t += 87 * MINUTE;
    const error = await uploadRows(rowSourceFromArrays(['email'], emails(30)), options(first.transport, { operation: 'replace', stateStore: store, fingerprint: 'f', resume: true, batchSize: 10, now: () => clock.t })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResumeRefusedError);
    expect((error as Error).message).toBe(
      'cannot resume this replace: session 4242 began 87 minutes ago, and Graph ends a session 90 minutes after its first batch and discards later batches. ' +
        'Graph has replaced the audience with what that session received (20 rows in 2 acknowledged batches) and a replace cannot be continued in another session. ' +
        'Run the replace again from the start, without --resume after 2026-03-01T11:30:00.000Z (when the old session has ended; until then Graph answers "Audience Update In Progress").',
    );
    expect(first.calls).toHaveLength(sent);
    // Within the window, a replace resumes in its session as before.
    const fresh = await interrupted('replace', 30, 3, clock);
    clock.t += 10 * MINUTE;
    await uploadRows(rowSourceFromArrays(['email'], emails(30)), options(fresh.first.transport, { operation: 'replace', stateStore: fresh.store, fingerprint: 'f', resume: true, batchSize: 10, now: () => clock.t }));
    expect(fresh.first.calls.at(-1)?.session).toEqual({ session_id: 4242, batch_seq: 3, last_batch_flag: true });
  });

  it('reads a state file without sessionStartedAt (older version) by its startedAt', async () => {
    const clock = { t: Date.parse('2026-03-01T10:00:00Z') };
    const { store, first } = await interrupted('add', 30, 2, clock);
    const { sessionStartedAt: _dropped, ...older } = store.current!;
    store.current = older;
    clock.t += 100 * MINUTE;
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(30)), options(first.transport, { stateStore: store, fingerprint: 'f', resume: true, batchSize: 10, now: () => clock.t }));
    expect(result.sessionChange).toMatchObject({ previousSessionId: 4242, reason: 'expired', ageMinutes: 100 });
  });

  it.each([
    // Localgraph's warning names the first discarded batch.
    ['with a __debug__ warning', true, [2], /^batch 2 of session 4242 was discarded by the server: "Session 4242 has ended \(90 minutes after its first batch\); this batch was discarded\."\. Its rows were not applied; run again with --resume/],
    // Counts alone: batches 2 and 3 may be repeats of batches the interrupted run sent unanswered
    // (it ran 2 in flight), so their unchanged count proves nothing; batch 4's does.
    ['from num_received alone', false, [2, 3, 4], /^batch 4 of session 4242 was not counted: the server answered 200 but the session's num_received stayed at 20 \(it was 20 before these 10 rows\)/],
  ])('stops when Graph discards a batch (%s), and a resume continues in a new session', async (_, warnings, sentSeqs, message) => {
    const clock = { t: Date.parse('2026-03-01T10:00:00Z') };
    const store = memoryStateStore();
    // The first run's session is already 20 rows old and past its window on the server's side,
    // though the state file says it began a minute ago (e.g. another machine's clock).
    const graph = sessionGraph(() => clock.t, { warnings });
    graph.sessions.set(4242, { started: clock.t - 91 * MINUTE, seqs: new Set([1]), received: 20, closed: false });
    store.current = {
      version: 1, operation: 'add', audienceId: '23850000000000001', sessionId: 4242, fingerprint: 'f', batchSize: 10,
      acked: [{ seq: 1, firstRow: 1, lastRow: 10, rows: 10 }], completed: false,
      startedAt: new Date(clock.t - MINUTE).toISOString(), updatedAt: new Date(clock.t).toISOString(),
      sessionReceived: 20, cumulativeCounts: true,
    };
    const error = await uploadRows(rowSourceFromArrays(['email'], emails(40)), options(graph.transport, { stateStore: store, fingerprint: 'f', resume: true, batchSize: 10, concurrency: 1, now: () => clock.t })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadFailedError);
    const failed = error as UploadFailedError;
    expect(failed.cause).toBeInstanceOf(SessionEndedError);
    expect((failed.cause as Error).message).toMatch(message);
    expect(failed.result).toMatchObject({ rowsSent: 0, batchesSent: 0 });
    expect(graph.calls.map((c) => c.session?.batch_seq)).toEqual(sentSeqs); // nothing after the discarded batch
    expect(store.current?.acked.map((b) => b.seq)).toEqual([1]); // discarded (and unconfirmed) batches are not recorded as done
    expect(store.current?.sessionEnded).toBeDefined();

    const result = await uploadRows(rowSourceFromArrays(['email'], emails(40)), options(graph.transport, { stateStore: store, fingerprint: 'f', resume: true, sessionId: 5, batchSize: 10, now: () => clock.t }));
    expect(result.sessionChange).toMatchObject({ previousSessionId: 4242, reason: 'ended' });
    expect(graph.calls.slice(sentSeqs.length).map((c) => [c.session?.session_id, c.session?.batch_seq])).toEqual([[5, 1], [5, 2], [5, 3]]);
    expect(graph.sessions.get(5)?.received).toBe(30);
  });

  it('a resent batch answered as a repeat is no failure: after a lost answer, and after an interrupted run', async () => {
    const clock = { t: Date.parse('2026-03-01T10:00:00Z') };
    const lost = () => GraphApiError.network(new TypeError('fetch failed'), 'POST', '/x');
    // Without warnings, only the counts tell: the resent batches 2 (not last) and 3 (last) answer unchanged totals.
    const graph = sessionGraph(() => clock.t, { warnings: false, fail: (seq, attempt) => (attempt === 1 && seq >= 2 ? lost() : undefined) });
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(30)), options(graph.transport, { batchSize: 10, concurrency: 1, now: () => clock.t }));
    expect(result).toMatchObject({ retries: 2, batchesSent: 3, serverReceived: 30 });

    // The interrupted run had batch 3 applied but never saw its answer; the resume resends it.
    const store = memoryStateStore();
    const again = sessionGraph(() => clock.t, { warnings: false });
    again.sessions.set(4242, { started: clock.t, seqs: new Set([1, 2, 3]), received: 30, closed: false });
    store.current = {
      version: 1, operation: 'add', audienceId: '23850000000000001', sessionId: 4242, fingerprint: 'f', batchSize: 10,
      acked: [{ seq: 1, firstRow: 1, lastRow: 10, rows: 10 }, { seq: 2, firstRow: 11, lastRow: 20, rows: 10 }], completed: false,
      startedAt: new Date(clock.t).toISOString(), updatedAt: new Date(clock.t).toISOString(), sessionReceived: 20, cumulativeCounts: true, concurrency: 2,
    };
    const resumed = await uploadRows(rowSourceFromArrays(['email'], emails(50)), options(again.transport, { stateStore: store, fingerprint: 'f', resume: true, batchSize: 10, concurrency: 1, now: () => clock.t }));
    expect(again.calls.map((c) => [c.session?.batch_seq, c.answer])).toEqual([[3, 30], [4, 40], [5, 50]]);
    expect(resumed.batchesSent).toBe(3);
  });

  it('never suspects a server that counts per request', async () => {
    // The plain fake answers num_received = rows of the request, as Graph does without a session.
    const { transport } = fakeTransport();
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(35)), options(transport, { batchSize: 10 }));
    expect(result).toMatchObject({ batchesSent: 4, serverReceived: 35 });
  });
});

/**
 * The uploader sends `debug=warning` to any Graph, the real one included, and Graph may warn about
 * anything: only localgraph's own words for a discarded batch of this upload's session
 * (src/audiences/sessions.ts, batchDiscardedWarning) stop an upload on their own; otherwise the
 * count of the session decides, as it does with a server that says nothing.
 */
describe('uploadRows: which __debug__ warnings say a batch was discarded', () => {
  /** Answers each batch as applied, counting across the session, with these warnings attached. */
  function warningGraph(warnings: (sessionId: number, seq: number) => string[]) {
    let received = 0;
    return fakeTransport((seq, _attempt, request) => {
      received += request.body.payload.data.length;
      const sessionId = request.body.session!.session_id;
      return {
        audience_id: request.audienceId,
        session_id: String(sessionId),
        num_received: received,
        num_invalid_entries: 0,
        invalid_entry_samples: {},
        __debug__: { messages: warnings(sessionId, seq!).map((message) => ({ type: 'warning', message, link: '' })) },
      };
    });
  }

  it('a warning that merely says "discard", "has ended" or "not accepted" in another sense does not stop a good upload', async () => {
    const { transport, calls } = warningGraph((sessionId, seq) => [
      'Some fields in the request were discarded because they are not supported by this endpoint: estimated_num_total.',
      'The deprecation period of Graph API v21.0 has ended; requests will be served by v22.0.',
      'Unknown fields not accepted in this request were ignored.',
      // localgraph's words, about another session: not this upload's.
      `Session ${sessionId + 1} has ended (last_batch_flag); this batch was discarded.`,
      // …and about this one, but inside a longer message: not localgraph's answer.
      `Note: Session ${sessionId} has ended (last_batch_flag); this batch was discarded. (batch ${seq})`,
    ]);
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(35)), options(transport, { batchSize: 10, concurrency: 1 }));
    expect(result).toMatchObject({ batchesSent: 4, rowsSent: 35, serverReceived: 35, sessionId: 4242 });
    expect(calls.map((c) => c.request.body.session?.batch_seq)).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['90 minutes after its first batch', 'expired'],
    ['last_batch_flag', 'closed'],
  ] as const)('localgraph’s warning for a discarded batch (%s) stops the upload by itself, even with counts that grow', async (why, verdict) => {
    // A count that grows anyway: only the warning can tell.
    const { transport, calls } = warningGraph((sessionId, seq) => (seq === 2 ? [batchDiscardedWarning(String(sessionId), verdict)] : []));
    const error = await uploadRows(rowSourceFromArrays(['email'], emails(35)), options(transport, { batchSize: 10, concurrency: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadFailedError);
    const cause = (error as UploadFailedError).cause as SessionEndedError;
    expect(cause).toBeInstanceOf(SessionEndedError);
    expect(cause.message).toBe(
      `batch 2 of session 4242 was discarded by the server: "Session 4242 has ended (${why}); this batch was discarded.". ` +
        'Its rows were not applied; run again with --resume to send the remaining batches in a new session.',
    );
    expect(calls.map((c) => c.request.body.session?.batch_seq)).toEqual([1, 2]);
    expect((error as UploadFailedError).result).toMatchObject({ batchesSent: 1, rowsSent: 10 });
  });
});

describe('uploadRows: which side set the pace (result.sending)', () => {
  it('counts the time every slot was at the server: near all of it when the server is slow', async () => {
    const { transport } = fakeTransport(undefined, 25);
    const result = await uploadRows(rowSourceFromArrays(['email'], emails(1_200)), options(transport, { concurrency: 2, batchSize: 100 }));
    expect(result.batchesSent).toBe(12);
    // Batch 1 goes alone, and so does the last: the 10 between them keep both slots taken.
    expect(result.sending.ms).toBeGreaterThanOrEqual(12 * 25 * 0.5);
    expect(result.sending.slotsFullMs / result.sending.ms).toBeGreaterThan(0.55);
  });

  it('and little of it when the server waits on the rows', async () => {
    const { transport } = fakeTransport(undefined, 1);
    async function* slowRows(): AsyncGenerator<string[]> {
      for (let i = 0; i < 600; i++) {
        if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 25));
        yield [`user${i}@example.com`];
      }
    }
    const result = await uploadRows(rowSourceFromArrays(['email'], slowRows(), 100), options(transport, { concurrency: 2, batchSize: 100 }));
    expect(result.batchesSent).toBe(6);
    expect(result.sending.ms).toBeGreaterThan(4 * 25 * 0.5);
    expect(result.sending.slotsFullMs / result.sending.ms).toBeLessThan(0.3);
  });
});
