/**
 * Rows the hashing workers write as JSON go into request bodies as they are
 * (graph/request-encoding.ts RawJson, transport `sendEncoded`). The bytes on
 * the wire must be exactly those of the ordinary path: the same batches,
 * encoded by JSON.stringify from arrays.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphApiError } from '../../../src/client/graph/graph-api-error.js';
import { jsonBody, JsonRows, RawJson } from '../../../src/client/graph/request-encoding.js';
import type { RequestBody } from '../../../src/client/graph/request-encoding.js';
import { openRowSource } from '../../../src/client/input/row-source.js';
import type { AudienceTransport } from '../../../src/client/upload/transport.js';
import { uploadRows } from '../../../src/client/upload/uploader.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'localgraph-encoded-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A body as text, whether jsonBody made a string or (bytes spliced in) parts. */
const asText = (body: RequestBody): string => (typeof body === 'string' ? body : Buffer.concat(body).toString('utf8'));

describe('jsonBody with RawJson', () => {
  it('splices raw JSON text in place and serialises everything else as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string(), { maxLength: 4 }), { maxLength: 6 }), fc.string(), fc.jsonValue(), (rows, text, other) => {
        const raw = new JsonRows(JSON.stringify(rows), rows.length);
        const params = { payload: { schema: ['EMAIL'], data: raw }, note: text, other, again: new RawJson(JSON.stringify(text)) };
        const expected = JSON.stringify({ payload: { schema: ['EMAIL'], data: rows }, note: text, other, again: text });
        expect(jsonBody(params)).toBe(expected);
        // The same with the rows as UTF-8 bytes (what the hashing workers hand over): parts, not joined, same bytes.
        const rowBytes = Buffer.from(JSON.stringify(rows), 'utf8');
        const asBytes = jsonBody({ ...params, payload: { schema: ['EMAIL'], data: new JsonRows([rowBytes], rows.length) } });
        expect(Array.isArray(asBytes)).toBe(true);
        expect(asBytes).toContain(rowBytes); // the very buffer, not a copy
        expect(asText(asBytes)).toBe(expected);
      }),
    );
  });

  it('is not fooled by a string that looks like its marker', () => {
    const body = asText(jsonBody({ a: '\u0000raw:0:0', b: new RawJson('[1]') }));
    expect(JSON.parse(body)).toEqual({ a: '\u0000raw:0:0', b: [1] });
  });

  it('serialises as the parsed value anywhere else (a dry run, JSON.stringify)', () => {
    const rows = new JsonRows('[["a","b"],["c","d"]]', 2);
    expect(JSON.stringify({ data: rows })).toBe('{"data":[["a","b"],["c","d"]]}');
    expect(rows.length).toBe(2);
  });
});

describe('uploader: encoded rows from the hashing workers', () => {
  /** `encoded`: a transport with sendEncoded, recording each body as jsonBody encodes it (what GraphClient sends). */
  function capture(encoded: boolean) {
    const bodies: string[] = [];
    let encodedCalls = 0;
    const transport: AudienceTransport = {
      async send({ body }) {
        bodies.push(asText(jsonBody({ ...body })));
        return { num_received: body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
      },
      ...(encoded && {
        async sendEncoded({ body }) {
          encodedCalls++;
          bodies.push(asText(jsonBody({ ...body })));
          return { num_received: body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
        },
      }),
    };
    return { transport, bodies, calls: () => encodedCalls };
  }

  /** The same file uploaded on the main thread (bodies re-encoded) and on the workers (their bytes sent as they are). */
  async function bothWays(path: string, sessionId: number) {
    const run = async (workers: 'on' | 'off', encoded: boolean) => {
      const c = capture(encoded);
      const result = await uploadRows(await openRowSource(path), {
        operation: 'add', audienceId: '1', transport: c.transport, sessionId, concurrency: 1, currentYear: 2026, workers, workerChunkBytes: 4096, batchSize: 1000,
      });
      return { ...c, result };
    };
    return { inThread: await run('off', false), onWorkers: await run('on', true) };
  }

  it('sends byte for byte the bodies of the in-thread path, EXTERN_ID text with quotes, backslashes and non-ASCII included', async () => {
    const lines = ['extern_id,email,phone,first_name,zip,country'];
    for (let i = 0; i < 2345; i++) {
      const extern = i % 7 === 0 ? `id "${i}" \\ ünï ${'\u2028'}` : `id-${i}`;
      lines.push(`"${extern.replace(/"/g, '""')}",u${i}@example.com,+1 555 010 ${String(i % 10000).padStart(4, '0')},Zoë,${10000 + i},US`);
      if (i % 13 === 0) lines.push(',,,,,'); // rejected rows in between
    }
    const path = join(dir, 'extern.csv');
    await writeFile(path, lines.join('\n'));
    const { inThread, onWorkers } = await bothWays(path, 5);
    expect(onWorkers.calls()).toBe(onWorkers.bodies.length);
    expect(onWorkers.bodies.length).toBe(3);
    expect(onWorkers.bodies).toEqual(inThread.bodies);
    expect(onWorkers.result.rowsSent).toBe(2345);
    expect(onWorkers.result.rowsRejected).toBe(inThread.result.rowsRejected);
    expect(onWorkers.result.rowsRejected).toBeGreaterThan(0);
  });

  it('sends byte for byte the bodies of the in-thread path for digest-only rows: invalid values, empty cells, pre-hashed and hashed-country cells', async () => {
    const preHashed = 'AB'.repeat(32); // a digest in upper case: passed through, lowercased
    const lines = ['email,phone,first_name,zip,country'];
    for (let i = 0; i < 2345; i++) {
      const email = i % 11 === 0 ? 'not-an-email' : i % 17 === 0 ? preHashed : ` U${i}@Example.com`;
      const phone = i % 5 === 0 ? '' : `+1 555 010 ${String(i % 10000).padStart(4, '0')}`;
      const country = i % 19 === 0 ? 'cd'.repeat(32) : i % 3 === 0 ? 'Germany' : 'US';
      lines.push(`${email},${phone},${i % 2 ? 'Zoë' : ''},${10000 + i},${country}`);
      if (i % 13 === 0) lines.push(',,,,'); // rejected rows in between
    }
    const path = join(dir, 'digests.csv');
    await writeFile(path, lines.join('\n'));
    const { inThread, onWorkers } = await bothWays(path, 7);
    expect(onWorkers.calls()).toBe(3);
    expect(onWorkers.bodies).toEqual(inThread.bodies);
    expect(onWorkers.bodies.join('')).toContain(`"${preHashed.toLowerCase()}"`);
    expect(onWorkers.bodies.join('')).toContain(`"${'cd'.repeat(32)}"]`);
    expect(onWorkers.bodies.join('')).toContain('["",');
    expect(onWorkers.result.rowsSent).toBe(2345);
    expect(onWorkers.result.rowsRejected).toBe(inThread.result.rowsRejected);
  });

  it('decodes encoded batches for a transport without sendEncoded', async () => {
    const lines = ['email,phone'];
    for (let i = 0; i < 1500; i++) lines.push(`u${i}@example.com,+1 555 010 ${String(i).padStart(4, '0')}`);
    const path = join(dir, 'plain.csv');
    await writeFile(path, lines.join('\n'));
    const c = capture(false);
    const r = await uploadRows(await openRowSource(path), { operation: 'add', audienceId: '1', transport: c.transport, sessionId: 6, workers: 'on', workerChunkBytes: 2048 });
    expect(r.rowsSent).toBe(1500);
    const sent = c.bodies.map((b) => JSON.parse(b) as { payload: { data: string[][] } });
    expect(sent.flatMap((b) => b.payload.data)).toHaveLength(1500);
    expect(sent[0]!.payload.data[0]).toHaveLength(2);
  });

  it('never reuses the bytes of a batch waiting to be retried (row buffers go back to the workers): every attempt sends the in-thread body', async () => {
    const lines = ['email,phone,first_name,zip,country'];
    for (let i = 0; i < 6000; i++) lines.push(`u${i}@example.com,+1 555 010 ${String(i % 10000).padStart(4, '0')},Zoë,${10000 + i},US`);
    const path = join(dir, 'retried.csv');
    await writeFile(path, lines.join('\n'));
    const attempts = new Map<number, string[]>();
    const transient = (): never => {
      throw GraphApiError.fromResponse({
        status: 500,
        bodyText: JSON.stringify({ error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2, is_transient: true } }),
        contentType: 'application/json',
        method: 'POST',
        path: '/v21.0/1/users',
        usage: {},
      });
    };
    const send = async (body: Parameters<NonNullable<AudienceTransport['sendEncoded']>>[0]['body'] | Parameters<AudienceTransport['send']>[0]['body']) => {
      const seq = body.session!.batch_seq;
      const text = asText(jsonBody({ ...body }));
      const seen = attempts.get(seq) ?? [];
      attempts.set(seq, [...seen, text]);
      // Later batches are answered while an earlier one waits for its retry: their buffers go back first.
      await new Promise((resolve) => setTimeout(resolve, seq % 3 === 1 && seen.length === 0 ? 1 : 0));
      if (seq % 3 === 1 && seen.length < 2) transient();
      return { num_received: body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
    };
    const transport: AudienceTransport = { send: ({ body }) => send(body), sendEncoded: ({ body }) => send(body) };
    const common = { operation: 'add', audienceId: '1', sessionId: 9, concurrency: 2, currentYear: 2026, workerChunkBytes: 4096, batchSize: 250, sleep: () => new Promise<void>((r) => setTimeout(r, 3)) } as const;
    const result = await uploadRows(await openRowSource(path), { ...common, transport, workers: 'on' });
    const inThread = capture(false);
    await uploadRows(await openRowSource(path), { ...common, transport: inThread.transport, workers: 'off' });
    expect(result.rowsSent).toBe(6000);
    expect(result.retries).toBe(16); // batches 1, 4, … 22: two failed attempts each
    const bodies = [...attempts.entries()].sort(([a], [b]) => a - b);
    expect(bodies.map(([, sent]) => sent[0])).toEqual(inThread.bodies);
    for (const [, sent] of bodies) for (const again of sent) expect(again).toBe(sent[0]);
  });
});
