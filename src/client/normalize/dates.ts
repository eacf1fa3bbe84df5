/**
 * Birth dates → DOBY (YYYY, 1900..current year), DOBM (MM) and DOBD (DD).
 *
 * Accepted shapes of a date column (the rule is documented in docs/client.md):
 *   YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, and ISO date-times (date part used)
 *   MM/DD/YYYY  — slash with the year last is US order, as the Graph User `birthday`
 *                 field writes it; `slashOrder: 'dmy'` reads it as DD/MM/YYYY instead
 *   DD.MM.YYYY, DD-MM-YYYY — dot or dash with the year last is day-first
 *   MM/DD       — month and day only (the other `birthday` form); YYYY — year only
 * Two-digit years are refused: "01/02/03" has no single reading.
 */

export type SlashDateOrder = 'mdy' | 'dmy';

export interface BirthDateParts {
  /** '' when the input had no year. */
  readonly year: string;
  /** '' when the input had no month. */
  readonly month: string;
  /** '' when the input had no day. */
  readonly day: string;
}

const YEAR_FIRST = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const SLASH_YEAR_LAST = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const DOT_OR_DASH_YEAR_LAST = /^(\d{1,2})[.-](\d{1,2})[.-](\d{4})$/;
const SLASH_NO_YEAR = /^(\d{1,2})\/(\d{1,2})$/;
const YEAR_ONLY = /^(\d{4})$/;

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export function parseBirthDate(
  raw: string,
  slashOrder: SlashDateOrder,
  currentYear: number,
): BirthDateParts | null {
  const value = raw.trim();
  const ymd = matchDate(value, slashOrder);
  if (ymd === null) return null;
  const [y, m, d] = ymd;
  const year = y === '' ? '' : checkYear(y, currentYear);
  const month = m === '' ? '' : checkMonth(m);
  if (year === null || month === null) return null;
  const day = d === '' ? '' : checkDay(d, month, year);
  if (day === null) return null;
  return { year, month, day };
}

/** [year, month, day] as written ('' for a missing part), or null for an unknown shape. */
function matchDate(value: string, slashOrder: SlashDateOrder): [string, string, string] | null {
  let match: RegExpExecArray | null;
  if ((match = YEAR_FIRST.exec(value) ?? COMPACT.exec(value))) {
    return [group(match, 1), group(match, 2), group(match, 3)];
  }
  if ((match = SLASH_YEAR_LAST.exec(value))) {
    const [a, b] = [group(match, 1), group(match, 2)];
    return slashOrder === 'mdy' ? [group(match, 3), a, b] : [group(match, 3), b, a];
  }
  if ((match = DOT_OR_DASH_YEAR_LAST.exec(value))) {
    return [group(match, 3), group(match, 2), group(match, 1)];
  }
  if ((match = SLASH_NO_YEAR.exec(value))) {
    const [a, b] = [group(match, 1), group(match, 2)];
    return slashOrder === 'mdy' ? ['', a, b] : ['', b, a];
  }
  if ((match = YEAR_ONLY.exec(value))) return [group(match, 1), '', ''];
  return null;
}

function group(match: RegExpExecArray, index: number): string {
  return match[index] ?? '';
}

/** DOBY on its own: a 4-digit year between 1900 and the current year. */
export function normalizeBirthYear(raw: string, currentYear: number): string | null {
  const value = raw.trim();
  return /^\d{4}$/.test(value) ? checkYear(value, currentYear) : null;
}

/** DOBM on its own: 1–12 or an English month name, as two digits. */
export function normalizeBirthMonth(raw: string): string | null {
  const value = raw.trim().toLowerCase();
  if (/^\d{1,2}$/.test(value)) return checkMonth(value);
  const index = MONTH_NAMES.indexOf(value.slice(0, 3));
  return index >= 0 && /^[a-z]+\.?$/.test(value) ? pad2(index + 1) : null;
}

/** DOBD on its own: 1–31 as two digits. */
export function normalizeBirthDay(raw: string): string | null {
  const value = raw.trim();
  return /^\d{1,2}$/.test(value) ? checkDay(value, '', '') : null;
}

function checkYear(y: string, currentYear: number): string | null {
  const n = Number(y);
  return n >= 1900 && n <= currentYear ? y : null;
}

function checkMonth(m: string): string | null {
  const n = Number(m);
  return n >= 1 && n <= 12 ? pad2(n) : null;
}

/** Day must exist in that month; Feb 29 is allowed when the year is unknown. */
function checkDay(d: string, month: string, year: string): string | null {
  const n = Number(d);
  const max = month === '' ? 31 : daysInMonth(Number(month), year === '' ? 2000 : Number(year));
  return n >= 1 && n <= max ? pad2(n) : null;
}

function daysInMonth(month: number, year: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad2(n: number | string): string {
  return String(n).padStart(2, '0');
}
