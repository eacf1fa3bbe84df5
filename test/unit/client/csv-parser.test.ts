import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, CsvSyntaxError, sniffDelimiter } from '../../../src/client/input/csv-parser.js';
import { openTextSource, rowSourceFromArrays } from '../../../src/client/input/row-source.js';
import type { SourceRow } from '../../../src/client/input/row-source.js';

function parse(chunks: readonly string[], delimiter = ','): string[][] {
  const parser = new CsvParser(delimiter);
  const out: string[][] = [];
  for (const chunk of chunks) parser.push(chunk, out);
  parser.finish(out);
  return out;
}

async function collect(chunks: AsyncIterable<readonly SourceRow[]>): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const chunk of chunks) rows.push(...chunk);
  return rows;
}

describe('CsvParser', () => {
  it('parses plain, quoted, escaped and multi-line fields, CRLF and a BOM', () => {
    const text = '\uFEFFa,b,c\r\n1,"two, 2","say ""hi"""\r\n\r\n"multi\nline",,x\nlast,row,"no newline"';
    expect(parse([text])).toEqual([
      ['a', 'b', 'c'],
      ['1', 'two, 2', 'say "hi"'],
      ['multi\nline', '', 'x'],
      ['last', 'row', 'no newline'],
    ]);
  });

  it('gives the same records however the input is cut into chunks', () => {
    const field = fc.oneof(
      fc.stringMatching(/^[a-zA-Z0-9 éö@.+-]{0,8}$/),
      fc.string({ maxLength: 6 }).map((s) => `"${s.replace(/"/g, '""')}"`),
    );
    const record = fc.array(field, { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 8 }), (records, cuts) => {
        // Records made only of one empty unquoted field are blank lines, which the parser skips.
        const kept = records.filter((r) => !(r.length === 1 && r[0] === ''));
        const text = kept.map((r) => r.join(',')).join('\n') + '\n';
        const positions = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let from = 0;
        for (const at of positions) {
          chunks.push(text.slice(from, at));
          from = at;
        }
        chunks.push(text.slice(from));
        expect(parse(chunks)).toEqual(parse([text]));
      }),
      { numRuns: 300 },
    );
  });

  it('reads UTF-8 bytes as latin1 (utf8AsLatin1) to the very records it reads from the decoded text', () => {
    // Any text: ASCII, latin1, beyond it (Ł, ’, emoji), invalid sequences cut by a delimiter, quotes, CR/LF.
    const piece = fc.oneof(
      fc.constantFrom(',', '"', '""', '\n', '\r\n', '\r', ' ', 'a', 'é', 'Ł', '’', '😀', '\uFEFF'),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    );
    const bytes = fc.oneof(
      fc.array(piece, { maxLength: 40 }).map((parts) => Buffer.from(parts.join(''), 'utf8')),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)), // any bytes, invalid UTF-8 included
    );
    fc.assert(
      fc.property(bytes, (input) => {
        const read = (text: string, options: ConstructorParameters<typeof CsvParser>[1]): string[][] | string => {
          const parser = new CsvParser(',', options);
          const out: string[][] = [];
          try {
            parser.push(text, out);
            parser.finish(out);
          } catch (e) {
            return (e as Error).message;
          }
          return out;
        };
        expect(read(input.toString('latin1'), { stripBom: false, utf8AsLatin1: true })).toEqual(read(input.toString('utf8'), { stripBom: false }));
        // Marked instead of decoded: the marked fields, and only they, hold UTF-8 read as latin1.
        const marked: string[][] = [];
        const parser = new CsvParser(',', { stripBom: false, utf8AsLatin1: true, markUtf8Fields: true });
        const sink = {
          push(record: string[], utf8Fields: number): void {
            // Fields after the 31st have no bit: they come decoded.
            const isMarked = (i: number): boolean => i < 31 && (utf8Fields & (1 << i)) !== 0;
            record.forEach((field, i) => {
              if (i < 31) expect(isMarked(i), field).toBe(/[\x80-\xff]/.test(field));
            });
            marked.push(record.map((field, i) => (isMarked(i) ? Buffer.from(field, 'latin1').toString('utf8') : field)));
          },
        };
        let failure: string | undefined;
        try {
          parser.push(input.toString('latin1'), sink);
          parser.finish(sink);
        } catch (e) {
          failure = (e as Error).message;
        }
        expect(failure ?? marked).toEqual(read(input.toString('utf8'), { stripBom: false }));
        // And from the start of a file, where a byte-order mark is dropped either way.
        const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), input]);
        expect(read(withBom.toString('latin1'), { utf8AsLatin1: true })).toEqual(read(withBom.toString('utf8'), {}));
      }),
      { numRuns: 1000 },
    );
  });

  it('marks UTF-8 fields among the first 31 and decodes those after (the mask has no bit for them)', () => {
    const fields = Array.from({ length: 40 }, (_, i) => (i === 3 || i === 30 || i === 35 ? `é${i}` : `f${i}`));
    const got: Array<[string[], number]> = [];
    const parser = new CsvParser(',', { utf8AsLatin1: true, markUtf8Fields: true });
    parser.push(Buffer.from(`${fields.join(',')}\n"q",${fields.slice(1).join(',')}\n`, 'utf8').toString('latin1'), { push: (r: string[], m: number) => got.push([r, m]) });
    for (const [record, mask] of got) {
      expect(mask).toBe((1 << 3) | (1 << 30));
      expect(record[3]).toBe(Buffer.from('é3', 'utf8').toString('latin1'));
      expect(record[35]).toBe('é35');
    }
    expect(got).toHaveLength(2); // the fast path and the quoted one
  });

  it('refuses an array as the sink of a parser that marks UTF-8 fields (it would take each mask as a record)', () => {
    const parser = new CsvParser(',', { utf8AsLatin1: true, markUtf8Fields: true });
    expect(() => parser.push('a,b\n', [])).toThrow(/MarkedRecordSink/);
  });

  it('reports an unterminated quote at the end of input', () => {
    expect(() => parse(['a,"open\n'])).toThrow(CsvSyntaxError);
  });

  it.each([
    ['email,phone,zip', ','],
    ['email;phone;zip', ';'],
    ['email\tphone\tzip', '\t'],
    ['email', ','],
  ])('sniffDelimiter(%j) → %j', (header, delimiter) => {
    expect(sniffDelimiter(header)).toBe(delimiter);
  });
});

describe('row sources', () => {
  it('reads a CSV stream: header as columns, rows after it', async () => {
    const source = await openTextSource(Readable.from(['email;phone\r\nmary@example.com;', '+1 650 555 1234\r\n']));
    expect(source.columns).toEqual(['email', 'phone']);
    expect(await collect(source.chunks)).toEqual([['mary@example.com', '+1 650 555 1234']]);
  });

  it('reads JSON lines by the keys of the first lines (row-source.test.ts); a bad line becomes an unreadable row', async () => {
    const lines = '{"email":"a@example.com","phone":16505551234}\n\nnot json\n{"phone":null,"email":"b@example.com","x":1}\n';
    const source = await openTextSource(Readable.from([lines.slice(0, 20), lines.slice(20)]));
    expect(source.columns).toEqual(['email', 'phone', 'x']);
    expect(await collect(source.chunks)).toEqual([
      ['a@example.com', '16505551234', ''],
      { parseError: 'not a JSON object' },
      ['b@example.com', '', '1'],
    ]);
  });

  it('wraps in-memory rows', async () => {
    const source = rowSourceFromArrays(['email'], [['a@example.com'], ['b@example.com']], 1);
    expect(await collect(source.chunks)).toEqual([['a@example.com'], ['b@example.com']]);
  });
});
