/**
 * Server-side normalisation of the people's own identifiers, by Meta's documented rules
 * (spec/custom-audience-users.md §2.1), so that their hashes equal what an advertiser who
 * normalised correctly uploads. Uploaded rows are never normalised here: they arrive hashed, and
 * a badly normalised hash simply matches nobody, as on the real API.
 *
 * Every function returns '' when nothing usable is left; the caller skips empty keys.
 */

/** EMAIL: trim, lower-case. */
export function normalizeEmail(v: string): string {
  return v.trim().toLowerCase();
}

/** Country calling codes for the countries a fixture is likely to use; the rest need a `+` prefix. */
const CALLING_CODES: Record<string, string> = {
  us: '1', ca: '1', gb: '44', ie: '353', fr: '33', de: '49', es: '34', it: '39', nl: '31', be: '32',
  ch: '41', at: '43', se: '46', no: '47', dk: '45', fi: '358', pl: '48', pt: '351', br: '55', mx: '52',
  ar: '54', in: '91', jp: '81', kr: '82', cn: '86', au: '61', nz: '64', za: '27', ng: '234', il: '972',
  tr: '90', ru: '7', sg: '65', hk: '852', ph: '63', id: '62', th: '66', vn: '84', eg: '20', ae: '971',
};

/**
 * PHONE: digits only, no leading zeros, with the country code. A number written with `+` or `00`
 * already carries it; otherwise the person's country supplies it ("Prefix the country code if
 * the COUNTRY field is not specified").
 */
export function normalizePhone(v: string, country?: string): string {
  const t = v.trim();
  const international = t.startsWith('+') || t.startsWith('00');
  const digits = t.replace(/\D/g, '').replace(/^0+/, '');
  if (digits.length === 0) return '';
  if (international) return digits;
  const code = country ? CALLING_CODES[normalizeCountry(country)] : undefined;
  if (!code || digits.startsWith(code)) return digits;
  return code + digits;
}

/** FN, LN: lower-case letters only; letters outside a–z are kept (UTF-8), punctuation and spaces go. */
export function normalizeName(v: string): string {
  return v.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{M}]/gu, '');
}

/** FI: the first letter of the normalised first name. */
export function normalizeFirstInitial(firstName: string): string {
  return Array.from(normalizeName(firstName))[0] ?? '';
}

/** CT: a–z only, lower-case, no spaces or punctuation. */
export function normalizeCity(v: string): string {
  return v.toLowerCase().replace(/[^a-z]/g, '');
}

const US_STATES: Record<string, string> = {
  alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca', colorado: 'co', connecticut: 'ct',
  delaware: 'de', districtofcolumbia: 'dc', florida: 'fl', georgia: 'ga', hawaii: 'hi', idaho: 'id', illinois: 'il',
  indiana: 'in', iowa: 'ia', kansas: 'ks', kentucky: 'ky', louisiana: 'la', maine: 'me', maryland: 'md',
  massachusetts: 'ma', michigan: 'mi', minnesota: 'mn', mississippi: 'ms', missouri: 'mo', montana: 'mt',
  nebraska: 'ne', nevada: 'nv', newhampshire: 'nh', newjersey: 'nj', newmexico: 'nm', newyork: 'ny',
  northcarolina: 'nc', northdakota: 'nd', ohio: 'oh', oklahoma: 'ok', oregon: 'or', pennsylvania: 'pa',
  rhodeisland: 'ri', southcarolina: 'sc', southdakota: 'sd', tennessee: 'tn', texas: 'tx', utah: 'ut',
  vermont: 'vt', virginia: 'va', washington: 'wa', westvirginia: 'wv', wisconsin: 'wi', wyoming: 'wy',
};

/** ST: US states as their two-letter code; elsewhere lower-case letters only. */
export function normalizeState(v: string, country?: string): string {
  const letters = v.toLowerCase().replace(/[^a-z]/g, '');
  const c = country ? normalizeCountry(country) : '';
  if ((c === '' || c === 'us') && US_STATES[letters]) return US_STATES[letters];
  return letters;
}

/**
 * ZIP: lower-case, no spaces. US: the first five digits. UK: area, district and sector (the
 * postcode without its last two letters). Elsewhere the part before a `-`.
 */
export function normalizeZip(v: string, country?: string): string {
  const c = country ? normalizeCountry(country) : '';
  const compact = v.toLowerCase().replace(/\s+/g, '');
  if (c === 'us' || (c === '' && /^\d{5}(-\d{4})?$/.test(compact))) return compact.split('-')[0].replace(/\D/g, '').slice(0, 5);
  if (c === 'gb' && /^[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}$/.test(compact)) return compact.slice(0, -2);
  return compact.split('-')[0];
}

const COUNTRY_NAMES: Record<string, string> = {
  unitedstates: 'us', usa: 'us', unitedkingdom: 'gb', uk: 'gb', greatbritain: 'gb', england: 'gb', france: 'fr',
  germany: 'de', spain: 'es', italy: 'it', canada: 'ca', brazil: 'br', mexico: 'mx', india: 'in', japan: 'jp',
  australia: 'au', netherlands: 'nl', ireland: 'ie',
};

/** COUNTRY: ISO 3166-1 alpha-2, lower-case. */
export function normalizeCountry(v: string): string {
  const letters = v.toLowerCase().replace(/[^a-z]/g, '');
  if (letters.length === 2) return letters;
  return COUNTRY_NAMES[letters] ?? '';
}

/** GEN: `m` or `f`. */
export function normalizeGender(v: string): string {
  const g = v.trim().toLowerCase();
  if (g === 'm' || g === 'male') return 'm';
  if (g === 'f' || g === 'female') return 'f';
  return '';
}

/** MADID: lower-case, hyphens kept (not hashed by advertisers; localgraph stores its sha256). */
export function normalizeMadid(v: string): string {
  return v.trim().toLowerCase();
}

export interface BirthDate {
  year: string;
  month: string;
  day: string;
}

/**
 * The User node's `birthday` (`MM/DD/YYYY`, `MM/DD` or `YYYY`) as DOBY (YYYY), DOBM and DOBD
 * (two digits each); parts the person does not share stay empty.
 */
export function splitBirthday(v: string): BirthDate {
  const t = v.trim();
  let m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (m) return { year: m[3], month: m[1].padStart(2, '0'), day: m[2].padStart(2, '0') };
  m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (m) return { year: m[1], month: m[2].padStart(2, '0'), day: m[3].padStart(2, '0') };
  m = /^(\d{1,2})\/(\d{1,2})$/.exec(t);
  if (m) return { year: '', month: m[1].padStart(2, '0'), day: m[2].padStart(2, '0') };
  m = /^(\d{4})$/.exec(t);
  if (m) return { year: m[1], month: '', day: '' };
  return { year: '', month: '', day: '' };
}
