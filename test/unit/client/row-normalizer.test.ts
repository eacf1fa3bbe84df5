import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guessMapping, parseMapping, MappingError } from '../../../src/client/input/column-mapping.js';
import { sha256Hex } from '../../../src/client/normalize/hash.js';
import { isRejection, RowNormalizer } from '../../../src/client/normalize/row-normalizer.js';
import type { ColumnMapping, RowOutcome } from '../../../src/client/normalize/row-normalizer.js';

const COLUMNS = ['Email', 'Phone', 'First Name', 'last_name', 'ZIP', 'country', 'dob', 'gender', 'madid', 'customer_id'];

function normalizer(columns = COLUMNS, options: { defaultCountry?: string; memo?: boolean } = {}): RowNormalizer {
  return new RowNormalizer({
    mapping: guessMapping(columns).mapping,
    defaultCountry: options.defaultCountry,
    currentYear: 2025,
    memoizeRepeatedValues: options.memo ?? true,
  });
}

function row(n: RowNormalizer, outcome: RowOutcome): Record<string, string> {
  if (isRejection(outcome)) throw new Error(`rejected: ${outcome.reason}`);
  return Object.fromEntries(n.schema.map((key, i) => [key, outcome[i]!]));
}

describe('guessMapping', () => {
  it('recognises the common header names and orders the schema as Meta lists it', () => {
    const { mapping, ignoredColumns } = guessMapping([...COLUMNS, 'notes']);
    expect(mapping.map((m) => `${m.column}=${m.target}`)).toEqual([
      'Email=EMAIL', 'Phone=PHONE', 'First Name=FN', 'last_name=LN', 'ZIP=ZIP', 'country=COUNTRY', 'dob=DOB',
      'gender=GEN', 'madid=MADID', 'customer_id=EXTERN_ID',
    ]);
    expect(ignoredColumns).toEqual(['notes']);
    expect(normalizer().schema).toEqual([
      'EXTERN_ID', 'EMAIL', 'PHONE', 'GEN', 'DOBY', 'DOBM', 'DOBD', 'LN', 'FN', 'ZIP', 'MADID', 'COUNTRY',
    ]);
  });

  it.each([
    ['e-mail', 'EMAIL'], ['email_address', 'EMAIL'], ['mobile', 'PHONE'], ['phone_number', 'PHONE'], ['fname', 'FN'],
    ['firstname', 'FN'], ['first', 'FN'], ['lname', 'LN'], ['last', 'LN'], ['postal_code', 'ZIP'], ['zipcode', 'ZIP'],
    ['postcode', 'ZIP'], ['city', 'CT'], ['state', 'ST'], ['region', 'ST'], ['birthday', 'DOB'], ['date_of_birth', 'DOB'],
    ['maid', 'MADID'], ['idfa', 'MADID'], ['gaid', 'MADID'], ['external_id', 'EXTERN_ID'], ['extern_id', 'EXTERN_ID'],
  ])('guesses %j as %s', (header, target) => {
    expect(guessMapping([header]).mapping[0]?.target).toBe(target);
  });

  it('refuses input where nothing is recognised', () => {
    expect(() => guessMapping(['a', 'b'])).toThrow(MappingError);
  });
});

describe('parseMapping', () => {
  it('maps named columns, case-insensitively', () => {
    const { mapping, ignoredColumns } = parseMapping('mail=email, tel=PHONE,Given=fn', ['MAIL', 'tel', 'given', 'x']);
    expect(mapping.map((m) => [m.index, m.target])).toEqual([[0, 'EMAIL'], [1, 'PHONE'], [2, 'FN']]);
    expect(ignoredColumns).toEqual(['x']);
  });
  it.each([
    ['nope=EMAIL', /no column "nope"/],
    ['a=WHAT', /unknown key "WHAT"/],
    ['a=EMAIL,b=EMAIL', /EMAIL is mapped more than once/],
    ['a=DOB,b=DOBY', /DOBY is mapped more than once/],
    ['a', /is not column=KEY/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseMapping(spec, ['a', 'b'])).toThrow(message);
  });
});

describe('RowNormalizer', () => {
  it('normalises and hashes each key, leaving MADID and EXTERN_ID unhashed', () => {
    const n = normalizer();
    const out = row(n, n.normalize([
      ' Mary@Example.com ', '(650) 555-1234', 'Jöhn', 'Mary-Ann', '94025-1234', 'United States', '07/04/1985', 'Female',
      '6032D997-3AB0-4DE0-AA16-8AF0E5B482FB', ' C-42 ',
    ]));
    expect(out).toEqual({
      EXTERN_ID: 'C-42',
      EMAIL: 'f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79',
      PHONE: sha256Hex('16505551234'),
      GEN: sha256Hex('f'),
      DOBY: sha256Hex('1985'),
      DOBM: sha256Hex('07'),
      DOBD: sha256Hex('04'),
      LN: sha256Hex('maryann'),
      FN: sha256Hex('jöhn'),
      ZIP: sha256Hex('94025'),
      MADID: '6032d997-3ab0-4de0-aa16-8af0e5b482fb',
      COUNTRY: sha256Hex('us'),
    });
  });

  it('uses the row country for the phone prefix, --country when the row has none', () => {
    const n = normalizer(['phone', 'country'], { defaultCountry: 'us' });
    expect(row(n, n.normalize(['07700 900123', 'GB'])).PHONE).toBe(sha256Hex('447700900123'));
    expect(row(n, n.normalize(['(650) 555-1234', ''])).PHONE).toBe(sha256Hex('16505551234'));
    // An empty COUNTRY cell takes the default too.
    expect(row(n, n.normalize(['(650) 555-1234', ''])).COUNTRY).toBe(sha256Hex('us'));
  });

  it('passes 64-hex values through, lowercased', () => {
    const n = normalizer(['email', 'phone']);
    const hashed = 'F1904CF1A9D73A55FA5DE0AC823C4403DED71AFD4C3248D00BDCD0866552BB79';
    expect(row(n, n.normalize([hashed, ` ${sha256Hex('16505551234')} `]))).toEqual({
      EMAIL: hashed.toLowerCase(),
      PHONE: sha256Hex('16505551234'),
    });
  });

  it('sends an invalid value as "" and counts it, without rejecting the row', () => {
    const n = normalizer(['email', 'phone', 'gender']);
    const out = row(n, n.normalize(['not-an-email', '+1 650 555 1234', 'x']));
    expect(out).toEqual({ EMAIL: '', PHONE: sha256Hex('16505551234'), GEN: '' });
    expect(n.invalidValueCounts).toEqual({ EMAIL: 1, GEN: 1 });
  });

  it('rejects a row whose mapped values are all empty or invalid, naming keys only', () => {
    const n = normalizer(['email', 'phone', 'first_name']);
    const outcome = n.normalize(['mary(at)example.com', '', '']);
    expect(outcome).toEqual({ rejected: true, reason: 'no usable value (invalid: EMAIL; other mapped columns empty)' });
    expect(JSON.stringify(outcome)).not.toContain('mary');
    expect(n.normalize(['', '   ', ''])).toMatchObject({ rejected: true });
  });

  it('rejects a row without an external id when EXTERN_ID is mapped (the API would)', () => {
    const n = normalizer(['email', 'external_id']);
    expect(n.normalize(['mary@example.com', '  '])).toMatchObject({ rejected: true, reason: expect.stringMatching(/empty EXTERN_ID/) });
  });

  it('gives the same output with and without the repeated-value cache', () => {
    const cell = fc.oneof(
      fc.constantFrom('', ' ', 'Mary', 'Jöhn', 'CA', 'California', '94025', 'SW1A 1AA', '2134', 'us', 'GB', 'm', 'F', '1985-07-04', '07/04'),
      fc.string({ maxLength: 12 }),
    );
    const columns = ['email', 'phone', 'first_name', 'last_name', 'city', 'state', 'zip', 'country', 'gender', 'dob'];
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: columns.length, maxLength: columns.length }), { maxLength: 60 }), (rows) => {
        const cached = normalizer(columns, { memo: true, defaultCountry: 'us' });
        const plain = normalizer(columns, { memo: false, defaultCountry: 'us' });
        // Twice, so the second pass is served from the cache.
        for (const r of [...rows, ...rows]) expect(cached.normalize(r)).toEqual(plain.normalize(r));
        expect(cached.invalidValueCounts).toEqual(plain.invalidValueCounts);
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same output for fields marked as UTF-8 read as latin1 (csv-parser markUtf8Fields) as for them decoded', () => {
    // Text that is UTF-8 of many kinds, or any bytes: "à" and a no-break space end in byte 0xA0, which
    // read as latin1 is whitespace to trim(); repeated names exercise the caches keyed by the bytes.
    const text = fc.oneof(
      fc.constantFrom('', ' ', 'Zoë', 'Jöhn', 'à', 'Łukasz', 'Ana María', '\u00a0', 'Perú', 'España', 'Deutschland', 'us', 'DE', 'München',
        'São Paulo', 'Bayern', 'ünï@exämple.com', 'zoë@example.com', '+49 30 1234567', '１２３', '94025', 'SW1A 1AA', 'm', 'Femme', 'ｆ',
        '1985-07-04', '04.07.1985', 'ä'.repeat(64), 'AB'.repeat(32), '😀', 'e\u0301'),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    ).map((t) => Buffer.from(t, 'utf8'));
    const bytes = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b)) });
    // Every kind of step: cached (names, city, state, zip, gender), uncached (email, phone, dates,
    // MADID, EXTERN_ID), COUNTRY, and columns read by a cached and an uncached step alike.
    const mapping: ColumnMapping[] = [
      { index: 0, column: 'email', target: 'EMAIL' }, { index: 1, column: 'phone', target: 'PHONE' },
      { index: 2, column: 'first', target: 'FN' }, { index: 2, column: 'first', target: 'FI' },
      { index: 3, column: 'last', target: 'LN' }, { index: 4, column: 'zip', target: 'ZIP' },
      { index: 5, column: 'country', target: 'COUNTRY' }, { index: 6, column: 'city', target: 'CT' },
      { index: 6, column: 'city', target: 'MADID' }, { index: 7, column: 'state', target: 'ST' },
      { index: 8, column: 'gender', target: 'GEN' }, { index: 9, column: 'dob', target: 'DOB' },
      { index: 10, column: 'id', target: 'EXTERN_ID' },
    ];
    const make = (): RowNormalizer => new RowNormalizer({ mapping, defaultCountry: 'de', currentYear: 2025 });
    fc.assert(
      fc.property(fc.array(fc.array(bytes, { minLength: 11, maxLength: 11 }), { maxLength: 40 }), (rows) => {
        const marked = make();
        const decoded = make();
        // Twice, so the second pass is served from the caches.
        for (const r of [...rows, ...rows]) {
          let mask = 0;
          r.forEach((b, i) => {
            if (b.some((byte) => byte > 0x7f)) mask |= 1 << i;
          });
          const asRead = r.map((b) => b.toString('latin1'));
          expect(marked.normalize(asRead, mask)).toEqual(decoded.normalize(r.map((b) => b.toString('utf8'))));
          expect(asRead).toEqual(r.map((b) => b.toString('latin1'))); // the caller's row is left as it was
        }
        expect(marked.invalidValueCounts).toEqual(decoded.invalidValueCounts);
      }),
      { numRuns: 300 },
    );
  });

  it('never puts a raw value in a hashed column', () => {
    const columns = ['email', 'phone', 'first_name', 'last_name', 'zip', 'country'];
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { minLength: 6, maxLength: 6 }), (cells) => {
        const outcome = normalizer(columns).normalize(cells);
        if (isRejection(outcome)) return;
        for (const value of outcome) expect(value === '' || /^[0-9a-f]{64}$/.test(value)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
