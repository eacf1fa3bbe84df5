/**
 * Profile values in the shapes the real API returns, computed from what a fixture stores: the
 * birthday as the person shares it, the age range, gender from a custom pronoun, and the
 * `{id,name}` lists (languages, sports, favourite teams…).
 */
export type BirthdayVisibility = 'full' | 'month_day' | 'year';

const FULL = /^(\d{2})\/(\d{2})\/(\d{4})$/;

/**
 * "a fixed format string, like MM/DD/YYYY. However, people can control who can see the year they
 * were born separately from the month and day so this string can be only the year (YYYY) or the
 * month + day (MM/DD)".
 */
export function sharedBirthday(stored: unknown, visibility: unknown): string | undefined {
  if (typeof stored !== 'string' || stored === '') return undefined;
  const m = FULL.exec(stored);
  if (!m) return stored;
  if (visibility === 'year') return m[3];
  if (visibility === 'month_day') return `${m[1]}/${m[2]}`;
  return stored;
}

export interface AgeRange {
  min: number;
  max?: number;
}

/** The brackets of the real `age_range` (13–17, 18–20, 21+). */
export function ageRangeFor(age: number): AgeRange | undefined {
  if (age < 13) return undefined;
  if (age <= 17) return { min: 13, max: 17 };
  if (age <= 20) return { min: 18, max: 20 };
  return { min: 21 };
}

export function ageRange(stored: unknown, birthday: unknown, nowSeconds: number): AgeRange | undefined {
  if (stored !== null && typeof stored === 'object' && typeof (stored as AgeRange).min === 'number') {
    const s = stored as AgeRange;
    return s.max === undefined ? { min: s.min } : { min: s.min, max: s.max };
  }
  if (typeof birthday !== 'string') return undefined;
  const m = FULL.exec(birthday);
  if (!m) return undefined;
  const now = new Date(nowSeconds * 1000);
  let age = now.getUTCFullYear() - Number(m[3]);
  const beforeBirthday = now.getUTCMonth() + 1 < Number(m[1]) || (now.getUTCMonth() + 1 === Number(m[1]) && now.getUTCDate() < Number(m[2]));
  if (beforeBirthday) age -= 1;
  return ageRangeFor(age);
}

/**
 * "male or female. If the gender is set to a custom value, this value will be based off of the
 * selected pronoun; it will be omitted if the pronoun is neutral."
 */
export function sharedGender(gender: unknown, pronoun: unknown): string | undefined {
  if (gender === 'male' || gender === 'female') return gender;
  if (typeof gender !== 'string' || gender === '') return undefined;
  if (pronoun === 'he' || pronoun === 'him' || pronoun === 'male') return 'male';
  if (pronoun === 'she' || pronoun === 'her' || pronoun === 'female') return 'female';
  return undefined;
}

export interface Ref {
  id: string;
  name?: string;
  [key: string]: unknown;
}

/** A `{id,name}` object (Page references such as `location`), ids always as strings. */
export function toRef(v: unknown): Ref | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (o.id === undefined || o.id === null) return undefined;
  return { ...o, id: String(o.id) };
}

/** A list of `{id,name}` objects (list<experience>); undefined when the person has none. */
export function toRefList(v: unknown): Ref[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out = v.map(toRef).filter((r): r is Ref => r !== undefined);
  return out.length > 0 ? out : undefined;
}
