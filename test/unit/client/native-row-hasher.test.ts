/**
 * The native row hasher (native/row-hasher.c) must answer exactly as the
 * JavaScript path it stands in for: the same rows byte for byte, the same
 * records, rejections, invalid counts and syntax errors, on any input, and
 * across chunks (what the JavaScript path teaches it carries over).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { ColumnMapping } from '../../../src/client/normalize/row-normalizer.js';
import type { MappingTarget } from '../../../src/client/normalize/schema-keys.js';
import { ChunkHasher } from '../../../src/client/upload/chunk-hasher.js';
import type { HashWorkerSettings } from '../../../src/client/upload/hash-worker-protocol.js';
import { NativeRowHasher, nativeRowHasherPath } from '../../../src/client/upload/native-row-hasher.js';

const addonPath = nativeRowHasherPath();

function settings(targets: readonly MappingTarget[], defaultCountry?: string, delimiter = ','): HashWorkerSettings {
  const mapping: ColumnMapping[] = targets.map((target, index) => ({ index, column: `c${index}`, target }));
  return { mapping, defaultCountry, slashDateOrder: undefined, currentYear: 2026, delimiter, nativeRowHasher: addonPath };
}

function hashChunk(hasher: ChunkHasher, bytes: Buffer, final = true) {
  const buffer = new ArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  const reply = hasher.hash({ index: 0, buffer, length: bytes.length, final });
  return { ...reply, rows: Buffer.from(reply.rows).toString('latin1'), offsets: [...reply.offsets], input: undefined };
}

describe('native row hasher', () => {
  it('is built by npm install and used for the keys it knows (LOCALGRAPH_NATIVE_HASHER=0 turns it off)', () => {
    expect(addonPath, 'native/build/Release/row_hasher.node: run npm install (it builds the addon)').toBeDefined();
    expect(new ChunkHasher(settings(['EMAIL', 'PHONE', 'FN', 'LN', 'CT', 'ZIP', 'COUNTRY'])).native).toBe(true);
    const before = process.env['LOCALGRAPH_NATIVE_HASHER'];
    process.env['LOCALGRAPH_NATIVE_HASHER'] = '0';
    try {
      expect(nativeRowHasherPath()).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env['LOCALGRAPH_NATIVE_HASHER'];
      else process.env['LOCALGRAPH_NATIVE_HASHER'] = before;
    }
  });

  it('leaves mappings with other keys, an unknown default country or a column past the 31st to the JavaScript path', () => {
    expect(new ChunkHasher(settings(['EMAIL', 'DOB'])).native).toBe(false);
    expect(new ChunkHasher(settings(['EMAIL', 'EXTERN_ID'])).native).toBe(false);
    expect(new ChunkHasher(settings(['EMAIL'], 'xx')).native).toBe(false);
    const far: HashWorkerSettings = { ...settings(['EMAIL']), mapping: [{ index: 40, column: 'email', target: 'EMAIL' }] };
    expect(new ChunkHasher(far).native).toBe(false);
  });

  it("hashes Meta's documented example and normalises as the rules say", () => {
    const hasher = new ChunkHasher(settings(['EMAIL', 'PHONE', 'FN', 'ZIP', 'COUNTRY']));
    const reply = hashChunk(hasher, Buffer.from(' Mary@Example.com ,(650) 555-0100,Mary,94025-1234,US\n'));
    const sha = (value: string): string => createHash('sha256').update(value).digest('hex');
    const [row] = JSON.parse(`[${reply.rows}]`) as string[][];
    expect(row![0]).toMatch(/^f1904cf1.*bb79$/);
    expect(row).toEqual([sha('mary@example.com'), sha('16505550100'), sha('mary'), sha('94025'), sha('us')]);
  });

  it('hands a row it cannot judge to the JavaScript path, and takes such rows itself once taught', () => {
    const { mapping } = settings(['EMAIL', 'FN', 'COUNTRY']);
    const native = NativeRowHasher.open({ addonPath: addonPath!, mapping, schema: ['EMAIL', 'FN', 'COUNTRY'], delimiter: ',', defaultCountry: undefined })!;
    const record = Buffer.from('zoe@example.com,Zoë,Deutschland\n');
    const target = () => ({ out: new Uint8Array(4096), at: 0, starts: new Uint32Array(8), rows: 0 });
    expect(native.run(record, 0, record.length, target())).toMatchObject({ stop: 'record', pos: 0, recordEnd: record.length, records: 0 });
    const sha = (value: string): string => createHash('sha256').update(value).digest('hex');
    // As the JavaScript path hands them over: fields read as latin1, the row normalised.
    native.teach(['zoe@example.com', Buffer.from('Zoë').toString('latin1'), 'Deutschland'], [sha('zoe@example.com'), sha('zoë'), sha('de')]);
    const into = target();
    expect(native.run(record, 0, record.length, into)).toMatchObject({ stop: 'end', pos: record.length, records: 1, rows: 1 });
    const written = Buffer.from(into.out.subarray(0, into.out.indexOf(0))).toString();
    expect(written).toBe(`["${sha('zoe@example.com')}","${sha('zoë')}","${sha('de')}"],`);
  });

  it('keeps room for taught names however many ASCII names it has computed', () => {
    const { mapping } = settings(['FN']);
    const native = NativeRowHasher.open({ addonPath: addonPath!, mapping, schema: ['FN'], delimiter: ',', defaultCountry: undefined })!;
    // 40,000 distinct ASCII names, more than its whole table holds.
    const letters = (i: number): string => (i < 26 ? String.fromCharCode(97 + i) : letters(Math.floor(i / 26) - 1) + String.fromCharCode(97 + (i % 26)));
    const many = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `${letters(i)}\n`).join(''));
    const big = { out: new Uint8Array(40_000 * native.rowBytes), at: 0, starts: new Uint32Array(40_001), rows: 0 };
    expect(native.run(many, 0, many.length, big)).toMatchObject({ stop: 'end', records: 40_000 });
    const zoe = Buffer.from('Zoë\n');
    const target = () => ({ out: new Uint8Array(1024), at: 0, starts: new Uint32Array(4), rows: 0 });
    expect(native.run(zoe, 0, zoe.length, target())).toMatchObject({ stop: 'record' });
    native.teach([Buffer.from('Zoë').toString('latin1')], [createHash('sha256').update('zoë').digest('hex')]);
    expect(native.run(zoe, 0, zoe.length, target())).toMatchObject({ stop: 'end', records: 1 });
  });

  it('asks for room rather than writing past the end of its output', () => {
    const { mapping } = settings(['EMAIL']);
    const native = NativeRowHasher.open({ addonPath: addonPath!, mapping, schema: ['EMAIL'], delimiter: ',', defaultCountry: undefined })!;
    const input = Buffer.from('a@example.com\nb@example.com\n');
    const out = new Uint8Array(native.rowBytes + 10);
    const first = native.run(input, 0, input.length, { out, at: 0, starts: new Uint32Array(4), rows: 0 });
    expect(first).toMatchObject({ stop: 'room', rows: 1, records: 1, pos: 14 });
    expect(() => native.run(input, 0, input.length + 5, { out, at: 0, starts: new Uint32Array(4), rows: 0 })).toThrow(/bad arguments/);
  });

  it('gives records cut at a lone \\r back with the records up to the next newline, so none is lost', () => {
    // In a line holding a quote a lone \r ends a record; "\r" alone would parse as a blank line.
    for (const text of ['\r"a@b.co"\n', 'x\r\r"a@b.co"\r\rbad\n', '"a@b.co"\r\r\rc@d.co\n']) {
      const withNative = new ChunkHasher(settings(['EMAIL']));
      const plain = new ChunkHasher({ ...settings(['EMAIL']), nativeRowHasher: undefined });
      expect(hashChunk(withNative, Buffer.from(text)), JSON.stringify(text)).toEqual(hashChunk(plain, Buffer.from(text)));
    }
    expect(hashChunk(new ChunkHasher(settings(['EMAIL'])), Buffer.from('x\r\r"a@b.co"\r\rbad\n'))).toMatchObject({ records: 4, rejects: [[0, expect.any(String)], [1, expect.any(String)], [3, expect.any(String)]] });
  });

  it('answers as the JavaScript path does, byte for byte, on any input (property)', () => {
    const hex = createHash('sha256').update('x').digest('hex');
    const pool = [
      '', ' ', '\t', 'mary@example.com', ' Mary@Example.COM ', 'a@b', 'a@b.c', '@b.c', 'a b@c.d', 'x@y..z', 'a@@b.c', 'é@x.fr',
      '+1 (650) 555-0100', '0044 20 7946 0958', '020 7946 0958', '6505550100', '16505550100', '00', '+', '12', '0', '+44 07700 900123',
      'Mary', 'Jöhn', "O'Brien", 'Ana María', 'İstanbul', 'K', '\u212a', 'Ł', '---', 'São Paulo', 'NEW YORK',
      '94025', '94025-1234', '940251234', '2134', '123', 'SW1A 1AA', 'EC1A 1BB', 'sw1a1aa', '75008', '-12', 'ab-cd', ' 10115 ',
      'US', 'us', 'United States', 'UK', 'GB', 'Deutschland', 'Germany', 'xx', 'DE', 'France', 'fr', 'Côte d’Ivoire', 'USA', ' US ',
      hex, hex.toUpperCase(), ` ${hex}`, 'x'.repeat(70), 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', '"', '""',
    ];
    // Strings made of the characters each rule looks at, so that edge cases (a 6- or 16-digit phone,
    // "a@.b", a 4-digit zip, a name of only punctuation) come up often.
    const shaped = (chars: string, maxLength: number, minLength = 1) =>
      fc.string({ unit: fc.constantFrom(...chars), minLength, maxLength, size: 'max' });
    const anyCell = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...pool) },
      { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
    );
    // Each column mostly holds text of its own key, so that many rows are whole and valid: the rows the native hasher takes.
    const byKey: Record<string, fc.Arbitrary<string>> = {
      EMAIL: fc.oneof(
        { weight: 4, arbitrary: fc.tuple(shaped('aB.-', 5), shaped('aB.-', 6, 0), shaped('aB.', 4)).map(([local, domain, tld]) => `${local}@${domain}.${tld}`) },
        { weight: 1, arbitrary: shaped('aB@@.. -', 8) },
      ),
      PHONE: shaped('00011233455678999+- ()', 19),
      FN: fc.oneof(fc.constantFrom('Mary', 'Jöhn', 'Zoë', 'Ana María', "O'Brien", 'K', 'İ', 'Ł'), shaped("aZö-' İ", 6)),
      LN: fc.oneof(fc.constantFrom('Smith', 'Müller', 'García', 'van der Berg', '\u212a'), shaped("aZö-' ", 6)),
      CT: fc.oneof(fc.constantFrom('São Paulo', 'NEW YORK', 'İzmir', 'Köln', 'St. Louis'), shaped("aZö-' .", 8)),
      ZIP: fc.oneof(fc.constantFrom('94025', '94025-1234', '940251234', '2134', '123', 'SW1A 1AA', 'M1 1AE', ' 10115 '), shaped('00123459aBkX -', 11)),
      COUNTRY: fc.constantFrom('', '', 'US', 'us', 'GB', 'gb', 'DE', 'FR', 'United States', 'UK', 'Germany', 'Deutschland', 'xx', ' US ', 'Côte d’Ivoire', 'USA', ' '),
    };
    const cellFor = (target: MappingTarget) =>
      fc.oneof(
        { weight: 24, arbitrary: byKey[target]!.map((text) => Buffer.from(text)) },
        { weight: 2, arbitrary: fc.constant(Buffer.alloc(0)) },
        { weight: 1, arbitrary: anyCell.map((text) => Buffer.from(text)) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((bytes) => Buffer.from(bytes)) },
      );
    const written = (target: MappingTarget) => fc.record({ cell: cellFor(target), quote: fc.nat(19) }).map(({ cell, quote }) => {
      // Quoted when it must be, or sometimes anyway; left bare, a cell with a quote or newline makes a malformed record.
      const needs = cell.some((b) => b === 0x2c || b === 0x22 || b === 0x0a || b === 0x0d);
      if (quote === 0 || (needs && quote < 18)) return Buffer.concat([Buffer.from('"'), Buffer.from(cell.toString('latin1').replaceAll('"', '""'), 'latin1'), Buffer.from('"')]);
      return cell;
    });
    // A lone \r ends a record only in a line holding a quote (csv-parser.ts); elsewhere it is data.
    const ending = fc.constantFrom('\n', '\n', '\n', '\r\n', '\n\n', '\r\n\r\n', '\r', '\r\r');
    const keys: MappingTarget[] = ['EMAIL', 'PHONE', 'FN', 'LN', 'CT', 'ZIP', 'COUNTRY'];
    const mapping = fc.shuffledSubarray(keys, { minLength: 1 });
    // A record: the mapped columns in order (sometimes one short, or with one more), then its line ending.
    const record = (targets: readonly MappingTarget[]) =>
      fc.tuple(fc.tuple(...targets.map(written)), fc.constantFrom(0, 0, 0, 0, 1, 2), written('EMAIL'), ending).map(([cells, shape, extra, end]) => {
        const fields = shape === 1 ? cells.slice(0, -1) : shape === 2 ? [...cells, extra] : cells;
        return { fields: fields.length > 0 ? fields : [extra], end };
      });
    const chunk = (targets: readonly MappingTarget[], delimiter: string) =>
      fc.tuple(fc.array(record(targets), { maxLength: 25, size: 'max' }), fc.boolean()).map(([rows, lastEnds]) => {
        const parts: Buffer[] = [];
        rows.forEach(({ fields, end }, i) => {
          fields.forEach((c, j) => parts.push(j > 0 ? Buffer.concat([Buffer.from(delimiter), c]) : c));
          if (i + 1 < rows.length || lastEnds) parts.push(Buffer.from(end));
        });
        return Buffer.concat(parts);
      });
    // Cells are quoted for commas; under another delimiter, one inside a cell cuts it as the parser would.
    const testCase = fc.tuple(mapping, fc.constantFrom(',', ',', ',', ';', '\t')).chain(([targets, delimiter]) =>
      fc.record({
        targets: fc.constant(targets),
        delimiter: fc.constant(delimiter),
        defaultCountry: fc.constantFrom(undefined, 'us', 'gb', 'de', 'fr'),
        chunks: fc.array(chunk(targets, delimiter), { minLength: 1, maxLength: 3 }),
      }),
    );
    let nativeRecords = 0;
    let allRecords = 0;
    const run = NativeRowHasher.prototype.run;
    const spy = vi.spyOn(NativeRowHasher.prototype, 'run').mockImplementation(function (this: NativeRowHasher, ...args) {
      const outcome = run.apply(this, args);
      nativeRecords += outcome.records;
      return outcome;
    });
    fc.assert(
      fc.property(testCase, ({ targets, delimiter, defaultCountry, chunks }) => {
        const withNative = new ChunkHasher(settings(targets, defaultCountry, delimiter));
        const plain = new ChunkHasher({ ...settings(targets, defaultCountry, delimiter), nativeRowHasher: undefined });
        expect(withNative.native).toBe(true);
        expect(plain.native).toBe(false);
        for (const bytes of chunks) {
          const expected = hashChunk(plain, bytes);
          allRecords += expected.records;
          expect(hashChunk(withNative, bytes)).toEqual(expected);
        }
      }),
      { numRuns: 400 },
    );
    spy.mockRestore();
    // The test is worth something only if the native hasher took a good share of the rows itself.
    expect(nativeRecords / allRecords).toBeGreaterThan(0.15);
  });
});
