import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GraphApiError } from '../../../src/client/graph/graph-api-error.js';
import type { AudienceUsersResponse } from '../../../src/client/graph/wire-types.js';
import { rowSourceFromArrays } from '../../../src/client/input/row-source.js';
import { sha256Hex } from '../../../src/client/normalize/hash.js';
import type { AudienceBatchRequest, AudienceTransport } from '../../../src/client/upload/transport.js';
import { memoryStateStore } from '../../../src/client/upload/upload-state.js';
import { ResumeRefusedError, UploadFailedError, uploadRows } from '../../../src/client/upload/uploader.js';
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
