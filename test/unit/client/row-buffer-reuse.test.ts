/**
 * The hashing workers' row buffers go round (encoded-rows.ts): the uploader
 * and each batch hold a chunk's rows, the last release gives the buffer back,
 * and a worker writes later rows into it. Held bytes must never be written
 * over, and released ones must be reused.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMapping } from '../../../src/client/input/column-mapping.js';
import { BatchAssembler } from '../../../src/client/upload/batch-assembler.js';
import type { Batch } from '../../../src/client/upload/batch-assembler.js';
import { EncodedRows } from '../../../src/client/upload/encoded-rows.js';
import { hashedChunks } from '../../../src/client/upload/hashed-chunks.js';
import type { HashedChunk } from '../../../src/client/upload/hashed-chunks.js';

let dir: string;
let path: string;
const COLUMNS = ['email', 'phone', 'first_name', 'zip', 'country'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'localgraph-row-reuse-'));
  path = join(dir, 'people.csv');
  const lines = [COLUMNS.join(',')];
  for (let i = 0; i < 3000; i++) lines.push(`u${i}@example.com,+1 555 010 ${String(i % 10000).padStart(4, '0')},Zoë,${10000 + i},US`);
  await writeFile(path, lines.join('\n'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function chunks(): AsyncGenerator<HashedChunk> {
  const { mapping } = parseMapping('email=EMAIL,phone=PHONE,first_name=FN,zip=ZIP,country=COUNTRY', COLUMNS);
  return hashedChunks({ path, delimiter: ',' }, { mapping, defaultCountry: undefined, slashDateOrder: undefined, currentYear: 2026 }, { chunkBytes: 2048 });
}

/** The rows of a chunk as text, each row's JSON. */
function rowsOf(chunk: HashedChunk): string[] {
  const { bytes, offsets } = chunk.rows;
  const out: string[] = [];
  for (let i = 0; i + 1 < offsets.length; i++) out.push(Buffer.from(bytes.subarray(offsets[i], offsets[i + 1]! - 1)).toString('utf8'));
  return out;
}

describe('hashing workers: row buffers', () => {
  it('writes into buffers given back, and the rows are those of new buffers', async () => {
    const kept: string[] = [];
    const released: string[] = [];
    const reused: boolean[] = [];
    for await (const chunk of chunks()) kept.push(...rowsOf(chunk)); // never released
    for await (const chunk of chunks()) {
      released.push(...rowsOf(chunk));
      reused.push(chunk.reused);
      chunk.rows.release();
    }
    expect(kept).toHaveLength(3000);
    expect(released).toEqual(kept);
    expect(JSON.parse(kept[0]!)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), expect.stringMatching(/^[0-9a-f]{64}$/), expect.any(String), expect.any(String), expect.any(String)]);
    // Chunks read ahead were written before any buffer came back; after them, buffers go round.
    expect(reused.length).toBeGreaterThan(30);
    expect(reused.filter(Boolean).length).toBeGreaterThan(reused.length / 2);
  });

  it('never writes over rows still held', async () => {
    const held: Array<{ chunk: HashedChunk; text: string[] }> = [];
    for await (const chunk of chunks()) {
      held.push({ chunk, text: rowsOf(chunk) });
      expect(chunk.reused).toBe(false);
    }
    for (const { chunk, text } of held) expect(rowsOf(chunk)).toEqual(text);
  });
});

describe('EncodedRows', () => {
  it('gives its buffer back once, when the last holder releases it', () => {
    const given: ArrayBuffer[] = [];
    const bytes = new Uint8Array(8);
    const rows = new EncodedRows(bytes, new Uint32Array([0, 9]), (b) => given.push(b));
    rows.hold();
    rows.release();
    expect(given).toEqual([]);
    rows.release();
    expect(given).toEqual([bytes.buffer]);
    expect(() => rows.release()).toThrow(/released more often/);
    expect(() => rows.hold()).toThrow(/after they were given back/);
  });

  it('stays held by every batch that sends some of its rows', () => {
    const given: string[] = [];
    const chunk = (name: string, n: number): EncodedRows => {
      const text = Array.from({ length: n }, (_, i) => `["${name}${i}"]`).join(',');
      const offsets = new Uint32Array(n + 1);
      for (let i = 0, at = 0; i <= n; i++) {
        offsets[i] = at;
        at += `["${name}${i}"]`.length + 1;
      }
      return new EncodedRows(Buffer.from(text), offsets, () => given.push(name));
    };
    const a = chunk('a', 5);
    const b = chunk('b', 5);
    const assembler = new BatchAssembler(4);
    const batches: Batch[] = [];
    let row = 0;
    for (const rows of [a, b]) {
      for (let i = 0; i < 5; i++) {
        const full = assembler.addEncoded(++row, rows, i);
        if (full !== undefined) batches.push(full);
      }
      rows.release(); // the uploader's own hold, as after a chunk's last row
    }
    batches.push(assembler.close()!);
    // Batches: a0–a3 | a4 b0–b2 | b3 b4.
    expect(batches.map((x) => x.size)).toEqual([4, 4, 2]);
    expect(batches[1]!.data).toEqual([['a4'], ['b0'], ['b1'], ['b2']]);
    batches[0]!.release();
    expect(given).toEqual([]);
    batches[2]!.release();
    expect(given).toEqual([]);
    batches[1]!.release();
    expect(given).toEqual(['a', 'b']);
    batches[1]!.release(); // a second release of a batch changes nothing
    expect(given).toEqual(['a', 'b']);
    expect(() => batches[1]!.data).toThrow(/after its release/);
  });
});
