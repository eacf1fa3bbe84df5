import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphApiError } from '../../../src/client/graph/graph-api-error.js';
import { CsvParser } from '../../../src/client/input/csv-parser.js';
import { lastRecordEnd } from '../../../src/client/input/record-boundary.js';
import { openRowSource } from '../../../src/client/input/row-source.js';
import type { AudienceTransport } from '../../../src/client/upload/transport.js';
import { memoryStateStore } from '../../../src/client/upload/upload-state.js';
import { UploadFailedError, uploadRows } from '../../../src/client/upload/uploader.js';
import type { UploadOptions, UploadResult } from '../../../src/client/upload/uploader.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'localgraph-workers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Records every body as JSON, in the order sent; `failAt` answers that batch_seq with a permanent error. */
function capture(failAt?: number) {
  const bodies: string[] = [];
  const transport: AudienceTransport = {
    async send({ body }) {
      if (body.session?.batch_seq === failAt) {
        throw GraphApiError.fromResponse({
          status: 400,
          bodyText: JSON.stringify({ error: { message: 'bad', type: 'OAuthException', code: 100 } }),
          contentType: 'application/json',
          method: 'POST',
          path: '/v21.0/1/users',
          usage: {},
        });
      }
      bodies.push(JSON.stringify(body));
      return { num_received: body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
    },
  };
  return { transport, bodies };
}

async function upload(path: string, workers: 'on' | 'off', extra: Partial<UploadOptions> = {}, failAt?: number) {
  const { transport, bodies } = capture(failAt);
  const result = await uploadRows(await openRowSource(path), {
    operation: 'add',
    audienceId: '1',
    transport,
    sessionId: 77,
    concurrency: 1,
    currentYear: 2026,
    workers,
    workerChunkBytes: 200,
    ...extra,
  });
  return { result, bodies };
}

/** The result without timing. */
// Timings differ from run to run; everything else must be equal.
const summary = (r: UploadResult) => ({ ...r, durationMs: 0, sending: { ms: 0, slotsFullMs: 0 } });

/** A CSV exercising every parser path: BOM, CRLF, quoted commas/newlines/quotes, blank lines, rejects, invalid values, no final newline. */
function trickyCsv(rows: number): string {
  const lines = ['\uFEFFemail,phone,first_name,last_name,zip,country'];
  for (let i = 0; i < rows; i++) {
    switch (i % 11) {
      case 0: lines.push(`"User${i}@Example.com","+1 (555) 010-${String(i % 10000).padStart(4, '0')}","Ann, ""Jr""","O'Neil",${10000 + i},US`); break;
      case 1: lines.push(`u${i}@example.com,,"Multi\nline","Last\r\nName",,`); break;
      case 2: lines.push(',,,,,'); break; // rejected: nothing usable
      case 3: lines.push(`not-an-email,abc,,,,ZZ`); break; // invalid values, rejected
      case 4: lines.push(''); break; // blank line: not a row
      case 5: lines.push(`u${i}@example.com,555-0100,Zoë,Müller,SW1A 1AA,gb`); break;
      case 6: lines.push(`"u${i}@example.com"x,"","""quoted""",plain,"12345-6789",us`); break;
      default: lines.push(`u${i}@example.com,+44 20 7946 0${String(i % 1000).padStart(3, '0')},Bob,Smith,${90000 + (i % 999)},US`);
    }
  }
  return lines.join('\r\n');
}

describe('uploadRows: hashing on worker threads', () => {
  it('sends the same bodies, rejects, row numbers and counts as the in-thread path (BOM, CRLF, quoted newlines, rejects, partial last batch)', async () => {
    const path = join(dir, 'tricky.csv');
    await writeFile(path, trickyCsv(2_000));
    const inThread = await upload(path, 'off', { batchSize: 97 });
    const onWorkers = await upload(path, 'on', { batchSize: 97 });
    expect(inThread.result.rowsRejected).toBeGreaterThan(300);
    expect(inThread.result.rejectSamples[0]?.row).toBe(3);
    expect(Object.keys(inThread.result.invalidValueCounts).length).toBeGreaterThan(0);
    expect(inThread.result.rowsSent % 97).not.toBe(0);
    expect(onWorkers.bodies).toEqual(inThread.bodies);
    expect(summary(onWorkers.result)).toEqual(summary(inThread.result));
    // Bodies carry the session in order, the last one closing it.
    const seqs = onWorkers.bodies.map((b) => (JSON.parse(b) as { session: { batch_seq: number } }).session.batch_seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('sends unhashed EXTERN_ID values (any text) the same way', async () => {
    const path = join(dir, 'extern.csv');
    const rows = Array.from({ length: 300 }, (_, i) => `"id\u0000${i}, ""x""",u${i}@example.com`);
    rows.splice(7, 0, ',nobody@example.com'); // rejected: empty EXTERN_ID
    await writeFile(path, `extern_id,email\n${rows.join('\n')}\n`);
    const inThread = await upload(path, 'off', { batchSize: 40 });
    const onWorkers = await upload(path, 'on', { batchSize: 40 });
    expect(inThread.result.rowsRejected).toBe(1);
    expect(inThread.bodies.join()).toContain('id\\u00000, \\"x\\"');
    expect(onWorkers.bodies).toEqual(inThread.bodies);
    expect(summary(onWorkers.result)).toEqual(summary(inThread.result));
  });

  it('skips blank lines and a quoted multi-line header the way the row source does', async () => {
    const path = join(dir, 'header.csv');
    await writeFile(path, `\uFEFF\r\n\r\n"e\r\nmail",phone\r\n\r\nA@Example.com,555 0100\r\n"b@example.com",\r\n`);
    const mapping = [{ index: 0, column: 'e mail', target: 'EMAIL' as const }, { index: 1, column: 'phone', target: 'PHONE' as const }];
    const inThread = await upload(path, 'off', { mapping, defaultCountry: 'us' });
    const onWorkers = await upload(path, 'on', { mapping, defaultCountry: 'us', workerChunkBytes: 16 });
    expect(inThread.result.rowsSent).toBe(2);
    expect(onWorkers.bodies).toEqual(inThread.bodies);
    expect(summary(onWorkers.result)).toEqual(summary(inThread.result));
  });

  it('cuts chunks only between records, even when a quoted field is longer than a chunk', async () => {
    const path = join(dir, 'long-field.csv');
    const long = `"${'a,\n"" '.repeat(200)}"`;
    await writeFile(path, `email,first_name\nx@example.com,${long}\ny@example.com,Bo\n"z@example.com",${long}`);
    const inThread = await upload(path, 'off', { batchSize: 2 });
    const onWorkers = await upload(path, 'on', { batchSize: 2, workerChunkBytes: 64 });
    expect(inThread.result.rowsSent).toBe(3);
    expect(onWorkers.bodies).toEqual(inThread.bodies);
  });

  it('reports an unterminated quote at the end after the same batches', async () => {
    const path = join(dir, 'open-quote.csv');
    await writeFile(path, `email\n${Array.from({ length: 50 }, (_, i) => `u${i}@example.com`).join('\n')}\n"open@example.com\n`);
    const outcomes = [];
    for (const workers of ['off', 'on'] as const) {
      const { transport, bodies } = capture();
      const error = await uploadRows(await openRowSource(path), { operation: 'add', audienceId: '1', transport, sessionId: 1, batchSize: 20, workers, workerChunkBytes: 100 }).catch((e: unknown) => e);
      outcomes.push({ bodies, error: (error as Error).name, message: (error as Error).message });
    }
    expect(outcomes[0]!.error).toBe('CsvSyntaxError');
    expect(outcomes[1]).toEqual(outcomes[0]);
  });

  it.runIf(existsSync('/proc/thread-self'))('runs the hashing workers at nice 10 (never higher priority than the process) and leaves the main thread as it was', async () => {
    const path = join(dir, 'nice.csv');
    await writeFile(path, trickyCsv(3000));
    const niceOf = (tid: string): number | undefined => {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); // field 19, nice
      } catch {
        return undefined; // the thread ended meanwhile
      }
    };
    const mainNice = niceOf(String(process.pid))!;
    const expected = Math.max(mainNice, 10);
    const before = new Set(readdirSync('/proc/self/task'));
    let seen: Array<number | undefined> = [];
    const transport: AudienceTransport = {
      async send({ body }) {
        // While the workers are alive: the nice values of the threads that run at the expected one and were not there before.
        if (seen.length === 0) seen = readdirSync('/proc/self/task').filter((t) => !before.has(t)).map(niceOf).filter((n) => n === expected);
        return { num_received: body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
      },
    };
    const result = await uploadRows(await openRowSource(path), { operation: 'add', audienceId: '1', transport, sessionId: 9, workers: 'on', workerChunkBytes: 4096, batchSize: 500 });
    expect(result.batchesSent).toBeGreaterThan(1);
    expect(seen).toEqual([expected, expected]);
    expect(niceOf(String(process.pid))).toBe(mainNice);
  });

  it('uses workers by default only above 1 MB, and the same batches either way', async () => {
    const path = join(dir, 'large.csv');
    const rows = Array.from({ length: 25_003 }, (_, i) => `u${i}@example.com,+1 555 01${String(i % 100).padStart(2, '0')},Ann,Lee,${10000 + (i % 500)},US`);
    await writeFile(path, `email,phone,first_name,last_name,zip,country\n${rows.join('\n')}\n`);
    const auto = await upload(path, 'off', { workerChunkBytes: undefined, workers: 'auto' });
    const off = await upload(path, 'off');
    expect(auto.result.rowsSent).toBe(25_003);
    expect(auto.bodies.length).toBe(3);
    expect(auto.bodies).toEqual(off.bodies);
    // Which path ran: the worker path reads `source.file` itself, so pointing it elsewhere shows.
    const small = join(dir, 'small.csv');
    await writeFile(small, 'email\nsmall@example.com\n');
    const rowsOf = async (source: Awaited<ReturnType<typeof openRowSource>>, workers: 'auto' | 'on') => {
      const { transport, bodies } = capture();
      await uploadRows(source, { operation: 'add', audienceId: '1', transport, mapping: [{ index: 0, column: 'email', target: 'EMAIL' }], workers });
      return bodies.reduce((n, b) => n + (JSON.parse(b) as { payload: { data: unknown[] } }).payload.data.length, 0);
    };
    expect(await rowsOf({ ...(await openRowSource(small)), file: { path, delimiter: ',' } }, 'auto')).toBe(25_003);
    expect(await rowsOf({ ...(await openRowSource(path)), file: { path: small, delimiter: ',' } }, 'auto')).toBe(25_003);
    expect(await rowsOf({ ...(await openRowSource(path)), file: { path: small, delimiter: ',' } }, 'on')).toBe(1);
    expect(await rowsOf(await openRowSource(small), 'auto')).toBe(1);
  });

  it('resumes an interrupted worker-path upload without sending an acknowledged batch again', async () => {
    const path = join(dir, 'resume.csv');
    await writeFile(path, trickyCsv(1_500));
    const full = await upload(path, 'off', { batchSize: 50 });
    const store = memoryStateStore();
    const first = await upload(path, 'on', { batchSize: 50, stateStore: store, fingerprint: 'f' }, 4).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(UploadFailedError);
    expect(store.current?.acked.map((b) => b.seq)).toEqual([1, 2, 3]);
    const second = await upload(path, 'on', { batchSize: 50, stateStore: store, fingerprint: 'f', resume: true });
    const sent = second.bodies.map((b) => (JSON.parse(b) as { session: { batch_seq: number } }).session.batch_seq);
    expect(sent[0]).toBe(4);
    expect(second.result.rowsSkipped).toBeGreaterThan(0);
    expect(second.bodies).toEqual(full.bodies.slice(3));
    expect(store.current?.completed).toBe(true);
  });
});

describe('lastRecordEnd', () => {
  const parse = (text: string, final: boolean): string[][] => {
    const out: string[][] = [];
    const parser = new CsvParser(',', { stripBom: false });
    parser.push(text, out);
    if (final) parser.finish(out);
    return out;
  };

  it('cuts where the CSV parser would end a record, for every prefix of tricky input', () => {
    const text = 'a,"b\r\nc",d\r\n"x""y",z\rq,"",\n\n"p"tail,w\r\n"r\n\n",s\nplain,line\n';
    const bytes = Buffer.from(text);
    for (let n = 1; n <= bytes.length; n++) {
      const prefix = bytes.subarray(0, n);
      const cut = lastRecordEnd(prefix, 44);
      const head = prefix.subarray(0, cut).toString();
      // Parsing the two sides apart (each to its end, as a worker does) gives the same records as the whole.
      expect([...parse(head, true), ...parse(text.slice(head.length), true)]).toEqual(parse(text, true));
    }
  });

  it('agrees with the parser on random input', () => {
    const outcome = (f: () => string[][]): unknown => {
      try {
        return f();
      } catch (e) {
        return (e as Error).name;
      }
    };
    const char = fc.constantFrom('a', 'é', ',', '"', '\n', '\r', ' ');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 60 }), fc.nat(), (chars, at) => {
        const text = chars.join('');
        const bytes = Buffer.from(text);
        const cut = lastRecordEnd(bytes.subarray(0, at % (bytes.length + 1)), 44);
        const head = bytes.subarray(0, cut).toString();
        const apart = outcome(() => [...parse(head, true), ...parse(text.slice(head.length), true)]);
        expect(apart).toEqual(outcome(() => parse(text, true)));
      }),
      { numRuns: 3000 },
    );
  });
});
