import { describe, expect, it } from 'vitest';
import { ageRange, ageRangeFor, sharedBirthday, sharedGender, toRefList } from '../../../src/users/profile-values.js';
import { graphDateTime, toUnixSeconds } from '../../../src/users/graph-time.js';
import { tokenForBusiness, idForAvatars, pageScopedId } from '../../../src/users/derived-ids.js';

describe('birthday is shared as the person chose', () => {
  it.each([
    ['04/12/1990', 'full', '04/12/1990'],
    ['04/12/1990', undefined, '04/12/1990'],
    ['04/12/1990', 'month_day', '04/12'],
    ['04/12/1990', 'year', '1990'],
    ['1985', 'year', '1985'],
    ['04/12', 'month_day', '04/12'],
  ])('sharedBirthday(%j, %j) → %j', (stored, vis, expected) => {
    expect(sharedBirthday(stored, vis)).toBe(expected);
  });
});

describe('age_range brackets', () => {
  it.each([
    [12, undefined],
    [13, { min: 13, max: 17 }],
    [17, { min: 13, max: 17 }],
    [18, { min: 18, max: 20 }],
    [20, { min: 18, max: 20 }],
    [21, { min: 21 }],
    [65, { min: 21 }],
  ])('age %d → %j', (age, expected) => {
    expect(ageRangeFor(age)).toEqual(expected);
  });

  it('is computed from a full birthday on the server clock (the day before the 18th birthday is still 13–17)', () => {
    const now = Date.UTC(2024, 3, 11) / 1000;
    expect(ageRange(undefined, '04/12/2006', now)).toEqual({ min: 13, max: 17 });
    expect(ageRange(undefined, '04/11/2006', now)).toEqual({ min: 18, max: 20 });
  });

  it('prefers the stored range and needs a year otherwise', () => {
    expect(ageRange({ min: 18, max: 20 }, '01/01/1950', 0)).toEqual({ min: 18, max: 20 });
    expect(ageRange(undefined, '04/12', 0)).toBeUndefined();
  });
});

describe('gender follows the pronoun for custom values', () => {
  it.each([
    ['male', undefined, 'male'],
    ['female', undefined, 'female'],
    ['nonbinary', 'she', 'female'],
    ['nonbinary', 'he', 'male'],
    ['nonbinary', 'they', undefined],
  ])('sharedGender(%j, %j) → %j', (g, p, expected) => {
    expect(sharedGender(g, p)).toBe(expected);
  });
});

describe('value helpers', () => {
  it('writes datetimes the Graph way and reads them back', () => {
    expect(graphDateTime(1716310800)).toBe('2024-05-21T17:00:00+0000');
    expect(toUnixSeconds('2024-05-21T17:00:00+0000')).toBe(1716310800);
    expect(toUnixSeconds(1716310800)).toBe(1716310800);
    expect(toUnixSeconds('not a date')).toBeUndefined();
  });

  it('turns numeric ids of {id,name} lists into strings and drops entries without an id', () => {
    expect(toRefList([{ id: 1, name: 'a' }, { name: 'no id' }])).toEqual([{ id: '1', name: 'a' }]);
    expect(toRefList([])).toBeUndefined();
  });

  it('token_for_business is the same across one business\'s apps and differs across businesses', () => {
    expect(tokenForBusiness('b1', 'app1', 'p')).toBe(tokenForBusiness('b1', 'app2', 'p'));
    expect(tokenForBusiness('b1', 'app1', 'p')).not.toBe(tokenForBusiness('b2', 'app3', 'p'));
    expect(tokenForBusiness(null, 'app1', 'p')).not.toBe(tokenForBusiness(null, 'app2', 'p'));
  });

  it('derived ids are numeric strings of their length and differ by input', () => {
    expect(idForAvatars('a', 'p')).toMatch(/^[1-9]\d{15}$/);
    expect(pageScopedId('page', 'p')).not.toBe(pageScopedId('page', 'q'));
  });
});
