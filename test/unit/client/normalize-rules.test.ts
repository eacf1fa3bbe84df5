import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  asciiLettersOnly, normalizeCity, normalizeCountry, normalizeEmail, normalizeExternId, normalizeFirstInitial,
  normalizeGender, normalizeMadid, normalizeName, normalizePhone, normalizeState, normalizeZip,
} from '../../../src/client/normalize/rules.js';
import { normalizeBirthDay, normalizeBirthMonth, normalizeBirthYear, parseBirthDate } from '../../../src/client/normalize/dates.js';
import { isSha256Hex, sha256Hex } from '../../../src/client/normalize/hash.js';
import { CALLING_CODES } from '../../../src/client/normalize/calling-codes.js';
import { COUNTRY_ALIASES, ISO_ALPHA2 } from '../../../src/client/normalize/countries.js';
import { US_STATE_CODES } from '../../../src/client/normalize/us-states.js';

const reference = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

describe('sha256Hex', () => {
  // Meta's documented examples (D-guide) and the anchors quoted in the brief, checked by computation.
  it.each([
    ['mary@example.com', 'f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79'],
    ['alice@example.com', 'ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976'],
    ['15559876543', '1ef970831d7963307784fa8688e8fce101a15685d62aa765fed23f3a2c576a4e'],
    ['f', '252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111'],
    ['m', '62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a'],
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['test', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
  ])('sha256Hex(%j) is %s', (input, digest) => {
    expect(sha256Hex(input)).toBe(digest);
  });

  it('hashes UTF-8 bytes, as createHash does', () => {
    for (const s of ['jöhn', 'łukasz', '東京', 'zoë']) expect(sha256Hex(s)).toBe(reference(s));
  });

  it('raw " Mary@Example.COM " → normalised → hashed gives the issue\'s "f1904cf1…bb79", the same digest as node:crypto', () => {
    const digest = sha256Hex(normalizeEmail('  Mary@Example.COM ')!);
    expect(digest).toMatch(/^f1904cf1[0-9a-f]{52}bb79$/);
    expect(digest).toBe(reference('mary@example.com'));
  });

  it.each([
    ['F1904CF1A9D73A55FA5DE0AC823C4403DED71AFD4C3248D00BDCD0866552BB79', true],
    ['f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb7', false],
    ['g1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79', false],
  ])('isSha256Hex(%j) → %s', (value, expected) => {
    expect(isSha256Hex(value)).toBe(expected);
  });
});

describe('EMAIL', () => {
  it.each([
    ['mary@example.com', 'mary@example.com'],
    ['  Mary@Example.COM \t', 'mary@example.com'],
    ['John.Doe+tag@Sub.Example.co.uk', 'john.doe+tag@sub.example.co.uk'],
  ])('normalizeEmail(%j) → %j', (input, expected) => {
    expect(normalizeEmail(input)).toBe(expected);
  });
  it.each(['not an email', 'mary@', '@example.com', 'mary@example', 'ma ry@example.com', 'a@b@c.com'])(
    'normalizeEmail(%j) is invalid',
    (input) => {
      expect(normalizeEmail(input)).toBeNull();
    },
  );
});

describe('PHONE', () => {
  it.each([
    ['+1 (650) 555-1234', undefined, '16505551234'],
    ['+1 (650) 555-1234', 'us', '16505551234'],
    ['(650) 555-1234', 'us', '16505551234'],
    ['650.555.1234', 'ca', '16505551234'],
    ['1-650-555-1234', 'us', '16505551234'],
    ['16505551234', undefined, '16505551234'],
    ['(650) 555-1234', undefined, '6505551234'], // no country known: digits as written
    ['07700 900123', 'gb', '447700900123'],
    ['+44 7700 900123', 'gb', '447700900123'],
    ['0044 7700 900123', undefined, '447700900123'],
    ['447700900123', 'gb', '447700900123'],
    ['06 12 34 56 78', 'fr', '33612345678'],
    ['33612345678', 'fr', '33612345678'],
    ['030 1234567', 'de', '49301234567'],
    ['06 1234 5678', 'it', '39612345678'], // Meta: leading zeros go, even Italy's
    ['11 98765-4321', 'br', '5511987654321'],
    ['55 98765-4321', 'br', '5555987654321'], // area code 55 is not the country code: too short to be international
    ['+1 650 555 1234 ext. 9', undefined, '165055512349'],
    ['1-800-FLOWERS', 'us', null], // letters are removed, as Meta says; what is left is too short
  ] as const)('normalizePhone(%j, %j) → %j', (input, country, expected) => {
    expect(normalizePhone(input, country)).toBe(expected);
  });
  it.each(['', 'abc', '12345', '+1 234', '1234567890123456'])('normalizePhone(%j) is invalid', (input) => {
    expect(normalizePhone(input, 'us')).toBeNull();
  });
});

describe('FN / LN', () => {
  it.each([
    ['John', 'john'],
    ['Jöhn', 'jöhn'],
    ['Jo\u0308hn', 'jöhn'], // decomposed ö is composed first
    ['Mary-Ann', 'maryann'],
    ["O'Brien", 'obrien'],
    ['  van der Berg ', 'vanderberg'],
    ['ÉMILE', 'émile'],
    ['Łukasz', 'łukasz'],
    ['José María', 'josémaría'],
    ['Ольга', 'ольга'],
    ['山田', '山田'],
    ['Dr. J.R.', 'drjr'],
  ])('normalizeName(%j) → %j', (input, expected) => {
    expect(normalizeName(input)).toBe(expected);
  });
  it('hashes UTF-8 names as their UTF-8 bytes', () => {
    expect(sha256Hex(normalizeName('Jöhn')!)).toBe(reference('jöhn'));
  });
  it.each(['---', '123', '  ', "''"])('normalizeName(%j) is invalid', (input) => {
    expect(normalizeName(input)).toBeNull();
  });
  it.each([
    ['John', 'j'],
    ['Émile', 'é'],
    ['  mary-ann', 'm'],
    ['J.', 'j'],
  ])('normalizeFirstInitial(%j) → %j', (input, expected) => {
    expect(normalizeFirstInitial(input)).toBe(expected);
  });
});

describe('GEN', () => {
  it.each([
    ['m', 'm'], ['M', 'm'], ['Male', 'm'], [' man ', 'm'], ['f', 'f'], ['FEMALE', 'f'], ['Woman', 'f'],
  ])('normalizeGender(%j) → %j', (input, expected) => {
    expect(normalizeGender(input)).toBe(expected);
  });
  it.each(['x', 'unknown', 'mx', 'other'])('normalizeGender(%j) is invalid', (input) => {
    expect(normalizeGender(input)).toBeNull();
  });
});

describe('DOBY / DOBM / DOBD', () => {
  const year = 2025;
  it.each([
    ['1985-07-04', 'mdy', { year: '1985', month: '07', day: '04' }],
    ['1985/7/4', 'mdy', { year: '1985', month: '07', day: '04' }],
    ['19850704', 'mdy', { year: '1985', month: '07', day: '04' }],
    ['1985-07-04T10:00:00Z', 'mdy', { year: '1985', month: '07', day: '04' }],
    ['07/04/1985', 'mdy', { year: '1985', month: '07', day: '04' }],
    ['07/04/1985', 'dmy', { year: '1985', month: '04', day: '07' }],
    ['04.07.1985', 'mdy', { year: '1985', month: '07', day: '04' }],
    ['04-07-1985', 'mdy', { year: '1985', month: '07', day: '04' }],
    ['07/04', 'mdy', { year: '', month: '07', day: '04' }],
    ['1985', 'mdy', { year: '1985', month: '', day: '' }],
    ['02/29/2000', 'mdy', { year: '2000', month: '02', day: '29' }],
  ] as const)('parseBirthDate(%j, %s)', (input, order, expected) => {
    expect(parseBirthDate(input, order, year)).toEqual(expected);
  });
  it.each(['02/30/1985', '02/29/2001', '13/01/1985', '1899-01-01', '2030-01-01', '01/02/03', 'yesterday', '1985-00-10'])(
    'parseBirthDate(%j) is invalid',
    (input) => {
      expect(parseBirthDate(input, 'mdy', year)).toBeNull();
    },
  );
  it('reads the separate columns', () => {
    expect(normalizeBirthYear(' 1985 ', year)).toBe('1985');
    expect(normalizeBirthYear('85', year)).toBeNull();
    expect(normalizeBirthMonth('7')).toBe('07');
    expect(normalizeBirthMonth('July')).toBe('07');
    expect(normalizeBirthMonth('sept.')).toBe('09');
    expect(normalizeBirthMonth('13')).toBeNull();
    expect(normalizeBirthDay('4')).toBe('04');
    expect(normalizeBirthDay('32')).toBeNull();
  });
});

describe('CT / ST / ZIP / COUNTRY', () => {
  it.each([
    ['Menlo Park', 'menlopark'],
    ['São Paulo', 'sopaulo'], // a–z only: accented letters are dropped, as the SDKs and the server do
    ['Winston-Salem', 'winstonsalem'],
    ["Coeur d'Alene", 'coeurdalene'],
  ])('normalizeCity(%j) → %j', (input, expected) => {
    expect(normalizeCity(input)).toBe(expected);
  });
  it('a city with no Latin letters is invalid (CT allows a–z only)', () => {
    expect(normalizeCity('東京')).toBeNull();
    expect(asciiLettersOnly('Zürich')).toBe('zrich');
  });
  it.each([
    ['CA', 'us', 'ca'],
    ['California', 'us', 'ca'],
    ['new york', undefined, 'ny'],
    ['N.Y.', 'us', 'ny'],
    ['District of Columbia', 'us', 'dc'],
    ['Bavaria', 'de', 'bavaria'],
    ['Île-de-France', 'fr', 'ledefrance'],
    ['Ontario', undefined, 'ontario'],
  ] as const)('normalizeState(%j, %j) → %j', (input, country, expected) => {
    expect(normalizeState(input, country)).toBe(expected);
  });
  it('a US state that is neither a code nor a name is invalid', () => {
    expect(normalizeState('Narnia', 'us')).toBeNull();
  });
  it.each([
    ['94025', 'us', '94025'],
    ['94025-1234', 'us', '94025'],
    ['940251234', 'us', '94025'],
    ['2134', 'us', '02134'],
    ['94025-1234', undefined, '94025'],
    ['SW1A 1AA', 'gb', 'sw1a1'], // UK: area, district and sector
    ['M1 1AE', 'gb', 'm11'],
    ['SW1A', 'gb', 'sw1a'], // not a full postcode: kept as written
    ['75018', 'fr', '75018'],
    ['100-0001', 'jp', '100'], // elsewhere: the part before "-", as the SDKs cut it
    ['K1A 0B1', undefined, 'k1a0b1'],
  ] as const)('normalizeZip(%j, %j) → %j', (input, country, expected) => {
    expect(normalizeZip(input, country)).toBe(expected);
  });
  it('a US zip without 5 digits is invalid', () => {
    expect(normalizeZip('ABCDE', 'us')).toBeNull();
  });
  it.each([
    ['US', 'us'], ['us', 'us'], ['United States', 'us'], ['U.S.A.', 'us'], ['UK', 'gb'], ['Great Britain', 'gb'],
    ['Deutschland', 'de'], ['DEU', 'de'], ["Côte d'Ivoire", 'ci'], ['Aruba', null], ['AW', 'aw'], ['XX', null], ['Narnia', null],
  ])('normalizeCountry(%j) → %j', (input, expected) => {
    expect(normalizeCountry(input)).toBe(expected);
  });
});

describe('MADID / EXTERN_ID', () => {
  it('MADID: lowercase UUID, hyphens kept', () => {
    expect(normalizeMadid(' 6032D997-3AB0-4DE0-AA16-8AF0E5B482FB ')).toBe('6032d997-3ab0-4de0-aa16-8af0e5b482fb');
    expect(normalizeMadid('not-a-device-id')).toBeNull();
  });
  it('EXTERN_ID: trimmed, case kept', () => {
    expect(normalizeExternId('  Cust-0042 ')).toBe('Cust-0042');
    expect(normalizeExternId('   ')).toBeNull();
  });
});

describe('data tables', () => {
  it('holds every ISO 3166-1 alpha-2 code, each known to ICU', () => {
    expect(ISO_ALPHA2.size).toBe(249);
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of ISO_ALPHA2) expect(names.of(code.toUpperCase())).not.toBe(code.toUpperCase());
  });
  it('maps names only to real codes, and has calling codes for at least 60 countries', () => {
    for (const code of COUNTRY_ALIASES.values()) expect(ISO_ALPHA2.has(code)).toBe(true);
    const countries = Object.keys(CALLING_CODES);
    expect(countries.length).toBeGreaterThanOrEqual(60);
    for (const code of countries) expect(ISO_ALPHA2.has(code)).toBe(true);
    for (const [prefix, min, max] of Object.values(CALLING_CODES)) {
      expect(prefix).toMatch(/^[1-9]\d{0,2}$/);
      expect(min).toBeLessThanOrEqual(max);
    }
  });
  it('has the 50 states, DC and the territories', () => {
    expect(new Set(Object.values(US_STATE_CODES)).size).toBe(56);
  });
});
