import { describe, expect, it } from 'vitest';
import {
  normalizeCity,
  normalizeCountry,
  normalizeEmail,
  normalizeFirstInitial,
  normalizeGender,
  normalizeName,
  normalizePhone,
  normalizeState,
  normalizeZip,
  splitBirthday,
} from '../../../src/audiences/normalize.js';

describe('normalising people’s identifiers as Meta documents', () => {
  it.each([
    ['  Mary@Example.COM ', 'mary@example.com'],
    ['a@b.co\n', 'a@b.co'],
  ])('normalizeEmail(%j) → %j', (input, expected) => expect(normalizeEmail(input)).toBe(expected));

  it.each([
    ['+1 (555) 987-6543', undefined, '15559876543'],
    ['0044 20 7946 0958', undefined, '442079460958'],
    ['(650) 555-0101', 'US', '16505550101'],
    ['020 7946 0958', 'GB', '442079460958'],
    ['16505550101', 'US', '16505550101'],
    ['no digits', 'US', ''],
  ])('normalizePhone(%j, %j) → %j', (input, country, expected) => expect(normalizePhone(input, country)).toBe(expected));

  it('keeps letters outside a–z in names and drops punctuation and spaces', () => {
    expect(normalizeName('  Érin O’Neil-Smith ')).toBe('érinoneilsmith');
    expect(normalizeFirstInitial('Érin')).toBe('é');
  });

  it('keeps a–z only in cities and maps US state names to their codes', () => {
    expect(normalizeCity('Menlo Park!')).toBe('menlopark');
    expect(normalizeState('California', 'US')).toBe('ca');
    expect(normalizeState('NY')).toBe('ny');
    expect(normalizeState('Île-de-France', 'FR')).toBe('ledefrance');
  });

  it.each([
    ['94025-1234', 'US', '94025'],
    ['SW1A 1AA', 'GB', 'sw1a1'],
    ['75001', 'FR', '75001'],
    ['10001', undefined, '10001'],
  ])('normalizeZip(%j, %j) → %j', (input, country, expected) => expect(normalizeZip(input, country)).toBe(expected));

  it('reads countries, genders and birthdays', () => {
    expect(normalizeCountry('US')).toBe('us');
    expect(normalizeCountry('United Kingdom')).toBe('gb');
    expect(normalizeGender('female')).toBe('f');
    expect(normalizeGender('other')).toBe('');
    expect(splitBirthday('04/12/1990')).toEqual({ year: '1990', month: '04', day: '12' });
    expect(splitBirthday('1985')).toEqual({ year: '1985', month: '', day: '' });
    expect(splitBirthday('7/4')).toEqual({ year: '', month: '07', day: '04' });
  });
});
