/**
 * JSON lines have no header: the columns are the keys of the first lines (a bounded look-ahead), a
 * key first seen later is read when the mapping names it, and otherwise reported — never dropped
 * silently.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guessMapping, parseMapping } from '../../../src/client/input/column-mapping.js';
import { InputError, JSONL_LOOKAHEAD_LINES, openRowSource, openTextSource } from '../../../src/client/input/row-source.js';
import type { RowSource, SourceRow } from '../../../src/client/input/row-source.js';
import { sha256Hex } from '../../../src/client/normalize/hash.js';
import type { AudienceBatchRequest, AudienceTransport } from '../../../src/client/upload/transport.js';
import { uploadRows } from '../../../src/client/upload/uploader.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'localgraph-rows-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(source: RowSource): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const chunk of source.chunks) rows.push(...chunk);
  return rows;
}

const jsonl = (objects: readonly unknown[]): string => objects.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join('\n') + '\n';

/** `count` people with an email; `phoneFrom` on (1-based row) they have a phone too. */
function people(count: number, phoneFrom: number): Record<string, string>[] {
  return Array.from({ length: count }, (_, i) => ({
    email: `user${i + 1}@example.com`,
    ...(i + 1 >= phoneFrom ? { phone: `+1 650 555 ${String(1000 + i).slice(-4)}` } : {}),
  }));
}

describe('JSON lines: columns from a look-ahead', () => {
  it('takes every key of the look-ahead lines, in order of first appearance: a key missing from line 1 is a column', async () => {
    const text = jsonl([{ email: 'a@example.com' }, { phone: '+1 650 555 0101', email: 'b@example.com' }, { email: 'c@example.com', zip: 94025 }]);
    const source = await openTextSource(Readable.from([text]));
    expect(source.columns).toEqual(['email', 'phone', 'zip']);
    expect(await collect(source)).toEqual([
      ['a@example.com', '', ''],
      ['b@example.com', '+1 650 555 0101', ''],
      ['c@example.com', '', '94025'],
    ]);
    expect(source.jsonKeys).toMatchObject({ lookaheadLines: 3, wholeInput: true, namedLater: [] });
    expect(source.jsonKeys!.unusedKeys()).toEqual([]);
    // The guessed mapping sees it too.
    expect(guessMapping(source.columns).mapping.map((m) => m.target)).toEqual(['EMAIL', 'PHONE', 'ZIP']);
  });

  it('gives the same columns and rows however the text is cut into chunks', async () => {
    const text = jsonl([{ email: 'a@example.com' }, '', 'not json', { phone: '1', x: null }, { email: 'b@example.com', fn: 'Bo' }]);
    const whole = await openTextSource(Readable.from([text]), { jsonLookaheadLines: 3 });
    const bytes = await openTextSource(Readable.from(text.split('')), { jsonLookaheadLines: 3 });
    expect(whole.columns).toEqual(['email', 'phone', 'x']);
    expect(bytes.columns).toEqual(whole.columns);
    const rows = await collect(whole);
    expect(await collect(bytes)).toEqual(rows);
    expect(rows).toEqual([['a@example.com', '', ''], { parseError: 'not a JSON object' }, ['', '1', ''], ['b@example.com', '', '']]);
    // Blank lines are not rows; the unreadable line is row 2, so `fn` (a key after the look-ahead) first has a value on row 4.
    expect(whole.jsonKeys!.unusedKeys()).toEqual([{ key: 'fn', rows: 1, firstRow: 4 }]);
  });

  it('reports a key first seen after the look-ahead (rows and first row), never its values, and keeps streaming', async () => {
    const lines = people(10, 6);
    const source = await openTextSource(Readable.from([jsonl(lines)]), { jsonLookaheadLines: 4 });
    expect(source.columns).toEqual(['email']);
    expect(source.jsonKeys).toMatchObject({ lookaheadLines: 4, wholeInput: false, namedLater: [] });
    const rows = await collect(source);
    expect(rows).toEqual(lines.map((l) => [l.email]));
    expect(source.jsonKeys!.unusedKeys()).toEqual([{ key: 'phone', rows: 5, firstRow: 6 }]);
    expect(JSON.stringify(source.jsonKeys!.unusedKeys())).not.toContain('650');
  });

  it('does not report a late key whose value is empty, null or not a scalar', async () => {
    const source = await openTextSource(Readable.from([jsonl([{ email: 'a@example.com' }, { email: 'b@example.com', phone: '', x: null, y: {}, z: [] }])]), {
      jsonLookaheadLines: 1,
    });
    await collect(source);
    expect(source.jsonKeys!.unusedKeys()).toEqual([]);
  });

  it('reads a late key that the caller names (--map), case- and punctuation-insensitively, and says which named keys never came', async () => {
    const lines = people(8, 6).map((p, i) => (i === 6 ? { email: p.email, Phone_: p.phone } : p));
    const source = await openTextSource(Readable.from([jsonl(lines)]), { jsonLookaheadLines: 3, jsonKeys: ['email', 'phone', 'nowhere'] });
    expect(source.columns).toEqual(['email', 'phone', 'nowhere']);
    expect(source.jsonKeys!.namedLater).toEqual(['phone', 'nowhere']);
    const resolved = parseMapping('email=EMAIL,phone=PHONE', source.columns);
    expect(resolved.mapping).toEqual([{ index: 0, column: 'email', target: 'EMAIL' }, { index: 1, column: 'phone', target: 'PHONE' }]);
    const rows = await collect(source);
    expect(rows.slice(4)).toEqual([
      ['user5@example.com', '', ''],
      ['user6@example.com', lines[5]!.phone, ''],
      ['user7@example.com', lines[6]!.Phone_, ''],
      ['user8@example.com', lines[7]!.phone, ''],
    ]);
    expect(source.jsonKeys!.unusedKeys()).toEqual([]);
    expect(source.jsonKeys!.namedNotSeen()).toEqual(['nowhere']);
  });

  it('adds no named key when the look-ahead was the whole input: a name the input lacks stays a mapping error', async () => {
    const source = await openTextSource(Readable.from([jsonl([{ email: 'a@example.com' }])]), { jsonKeys: ['phnoe'] });
    expect(source.columns).toEqual(['email']);
    expect(() => parseMapping('email=EMAIL,phnoe=PHONE', source.columns)).toThrow(/no column "phnoe"/);
  });

  it('looks ahead JSONL_LOOKAHEAD_LINES lines by default: a key on the line after is reported, one on the last line of it is a column', async () => {
    const late = people(JSONL_LOOKAHEAD_LINES + 5, JSONL_LOOKAHEAD_LINES + 1);
    const source = await openTextSource(Readable.from([jsonl(late)]));
    expect(source.columns).toEqual(['email']);
    await collect(source);
    expect(source.jsonKeys!.unusedKeys()).toEqual([{ key: 'phone', rows: 5, firstRow: JSONL_LOOKAHEAD_LINES + 1 }]);

    const inTime = await openTextSource(Readable.from([jsonl(people(JSONL_LOOKAHEAD_LINES + 5, JSONL_LOOKAHEAD_LINES))]));
    expect(inTime.columns).toEqual(['email', 'phone']);
    await collect(inTime);
    expect(inTime.jsonKeys!.unusedKeys()).toEqual([]);
  });

  it('lists at most 100 unused keys and counts the rows of the others', async () => {
    const lines = [{ email: 'a@example.com' }, ...Array.from({ length: 105 }, (_, i) => ({ email: `u${i}@example.com`, [`k${i}`]: 'v' }))];
    const source = await openTextSource(Readable.from([jsonl(lines)]), { jsonLookaheadLines: 1 });
    await collect(source);
    expect(source.jsonKeys!.unusedKeys()).toHaveLength(100);
    expect(source.jsonKeys!.unusedKeys()[0]).toEqual({ key: 'k0', rows: 1, firstRow: 2 });
    expect(source.jsonKeys!.moreUnusedRows()).toBe(5);
  });

  it('still refuses an empty input and a first line that is not an object', async () => {
    await expect(openTextSource(Readable.from(['\n \n']), { format: 'jsonl' })).rejects.toThrow(InputError);
    await expect(openTextSource(Readable.from(['[1]\n{"email":"a@example.com"}\n']), { format: 'jsonl' })).rejects.toThrow(/first JSON line is not an object/);
  });

  it('works the same from stdin and from a file path', async () => {
    const text = jsonl(people(6, 2).map((p, i) => (i === 5 ? { ...p, zip: '94025' } : p)));
    const path = join(dir, 'people.jsonl');
    await writeFile(path, text);
    const fromFile = await openRowSource(path, { jsonLookaheadLines: 4 });
    const fromStdin = await openRowSource('-', { stdin: Readable.from([text]), jsonLookaheadLines: 4 });
    for (const source of [fromFile, fromStdin]) {
      expect(source.columns).toEqual(['email', 'phone']);
      expect(source.file).toBeUndefined(); // JSON lines are read on this thread
      expect(await collect(source)).toHaveLength(6);
      expect(source.jsonKeys!.unusedKeys()).toEqual([{ key: 'zip', rows: 1, firstRow: 6 }]);
    }
  });
});

/** A transport that records each batch and answers as Graph does without a session. */
function recorder() {
  const batches: AudienceBatchRequest['body'][] = [];
  const transport: AudienceTransport = {
    async send(request) {
      batches.push(structuredClone(request.body));
      return { audience_id: request.audienceId, session_id: '1', num_received: request.body.payload.data.length, num_invalid_entries: 0, invalid_entry_samples: {} };
    },
  };
  return { transport, batches };
}

describe('uploadRows with JSON lines', () => {
  it('sends a key missing from line 1 for the rows that have it (guessed mapping)', async () => {
    const lines = people(3, 2);
    const { transport, batches } = recorder();
    const result = await uploadRows(await openTextSource(Readable.from([jsonl(lines)])), { operation: 'add', audienceId: '1', transport, sessionId: 1 });
    expect(batches[0]!.payload.schema).toEqual(['EMAIL', 'PHONE']);
    expect(batches[0]!.payload.data.map((row) => row[1])).toEqual(['', sha256Hex('16505551001'), sha256Hex('16505551002')]);
    expect(result).toMatchObject({ rowsSent: 3, unusedKeys: [], mappedKeysNotFound: [] });
  });

  it('says when a key after the look-ahead is not used (a notice as it is read, and in the result)', async () => {
    const path = join(dir, 'late.jsonl');
    await writeFile(path, jsonl(people(8, 6)));
    const notices: string[] = [];
    const { transport, batches } = recorder();
    const result = await uploadRows(await openRowSource(path, { jsonLookaheadLines: 5 }), {
      operation: 'add', audienceId: '1', transport, sessionId: 1, onNotice: (m) => notices.push(m),
    });
    expect(batches[0]!.payload.schema).toEqual(['EMAIL']);
    expect(result).toMatchObject({ rowsRead: 8, rowsSent: 8, unusedKeys: [{ key: 'phone', rows: 3, firstRow: 6 }], moreUnusedKeyRows: 0 });
    expect(notices).toEqual([
      'row 6 has a key "phone" that is not one of the columns (the columns are the keys of the first 5 lines), so its values are not used ' +
        '(it looks like PHONE). To use it, name it in --map with the other columns (phone=PHONE).',
    ]);
    expect(notices.join('\n')).not.toContain('555');
  });

  it('sends a key after the look-ahead when the mapping names it (stdin), and names mapped keys no line had', async () => {
    const text = jsonl(people(8, 7));
    const source = await openRowSource('-', { stdin: Readable.from([text]), jsonLookaheadLines: 2, jsonKeys: ['email', 'phone', 'zip'] });
    const { transport, batches } = recorder();
    const notices: string[] = [];
    const result = await uploadRows(source, {
      operation: 'add', audienceId: '1', transport, sessionId: 1, onNotice: (m) => notices.push(m),
      mapping: parseMapping('email=EMAIL,phone=PHONE,zip=ZIP', source.columns).mapping,
    });
    expect(batches[0]!.payload.schema).toEqual(['EMAIL', 'PHONE', 'ZIP']);
    expect(batches[0]!.payload.data.map((row) => row[1])).toEqual(['', '', '', '', '', '', sha256Hex('16505551006'), sha256Hex('16505551007')]);
    expect(result).toMatchObject({ unusedKeys: [], mappedKeysNotFound: ['zip'] });
    expect(notices).toEqual([]);
  });
});
