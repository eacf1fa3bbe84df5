/**
 * International calling codes, used to turn a national phone number into the
 * "country code + number, digits only" form Meta hashes (PHONE: "Prefix the
 * country code if the COUNTRY field is not specified").
 *
 * Each entry: ISO 3166-1 alpha-2 (lowercase) → [calling code, min, max] where
 * min/max bound the length of the *national significant number* (the digits
 * after the calling code, without the trunk "0"). The bounds are deliberately
 * loose; they only decide whether "digits that already start with the calling
 * code" are international already (see normalizePhone). Countries missing here
 * still work when numbers are written with "+" or "00".
 *
 * Sources: ITU-T E.164 assigned codes; national numbering plans (lengths are
 * approximate ranges, documented in docs/client.md).
 */
export const CALLING_CODES: Readonly<Record<string, readonly [code: string, minNsn: number, maxNsn: number]>> = {
  // North American Numbering Plan: always 10 national digits.
  us: ['1', 10, 10], ca: ['1', 10, 10], pr: ['1', 10, 10], do: ['1', 10, 10],
  jm: ['1', 10, 10], tt: ['1', 10, 10], bs: ['1', 10, 10], bb: ['1', 10, 10],
  // Latin America
  mx: ['52', 10, 10], br: ['55', 10, 11], ar: ['54', 10, 11], cl: ['56', 9, 9],
  co: ['57', 8, 10], pe: ['51', 8, 9], ve: ['58', 10, 10], ec: ['593', 8, 9],
  uy: ['598', 8, 8], py: ['595', 9, 9], bo: ['591', 8, 8], cr: ['506', 8, 8],
  pa: ['507', 7, 8], gt: ['502', 8, 8], sv: ['503', 8, 8], hn: ['504', 8, 8],
  ni: ['505', 8, 8],
  // Europe
  gb: ['44', 9, 10], ie: ['353', 7, 9], fr: ['33', 9, 9], de: ['49', 6, 13],
  it: ['39', 6, 11], es: ['34', 9, 9], pt: ['351', 9, 9], nl: ['31', 9, 9],
  be: ['32', 8, 9], lu: ['352', 6, 11], ch: ['41', 9, 9], at: ['43', 7, 13],
  dk: ['45', 8, 8], se: ['46', 7, 9], no: ['47', 8, 8], fi: ['358', 6, 11],
  is: ['354', 7, 7], pl: ['48', 9, 9], cz: ['420', 9, 9], sk: ['421', 9, 9],
  hu: ['36', 8, 9], ro: ['40', 9, 9], bg: ['359', 8, 9], gr: ['30', 10, 10],
  hr: ['385', 8, 9], si: ['386', 8, 8], rs: ['381', 8, 9], ua: ['380', 9, 9],
  by: ['375', 9, 9], ru: ['7', 10, 10], kz: ['7', 10, 10], lt: ['370', 8, 8],
  lv: ['371', 8, 8], ee: ['372', 7, 8], tr: ['90', 10, 10], cy: ['357', 8, 8],
  mt: ['356', 8, 8], al: ['355', 8, 9], ba: ['387', 8, 9], mk: ['389', 8, 8],
  md: ['373', 8, 8], ge: ['995', 9, 9], am: ['374', 8, 8], az: ['994', 9, 9],
  // Middle East and Africa
  il: ['972', 8, 9], ae: ['971', 8, 9], sa: ['966', 9, 9], qa: ['974', 8, 8],
  kw: ['965', 8, 8], bh: ['973', 8, 8], om: ['968', 8, 8], jo: ['962', 8, 9],
  lb: ['961', 7, 8], iq: ['964', 10, 10], ir: ['98', 10, 10], eg: ['20', 9, 10],
  ma: ['212', 9, 9], dz: ['213', 8, 9], tn: ['216', 8, 8], ng: ['234', 8, 10],
  gh: ['233', 9, 9], ke: ['254', 9, 9], za: ['27', 9, 9], et: ['251', 9, 9],
  tz: ['255', 9, 9], ug: ['256', 9, 9], ci: ['225', 10, 10], sn: ['221', 9, 9],
  cm: ['237', 9, 9], ao: ['244', 9, 9], zw: ['263', 9, 9], zm: ['260', 9, 9],
  rw: ['250', 9, 9],
  // Asia and Oceania
  in: ['91', 10, 10], pk: ['92', 9, 10], bd: ['880', 10, 10], lk: ['94', 9, 9],
  np: ['977', 8, 10], af: ['93', 9, 9], cn: ['86', 8, 11], hk: ['852', 8, 8],
  mo: ['853', 8, 8], tw: ['886', 8, 9], jp: ['81', 9, 10], kr: ['82', 8, 10],
  sg: ['65', 8, 8], my: ['60', 8, 10], th: ['66', 8, 9], vn: ['84', 9, 10],
  ph: ['63', 8, 10], id: ['62', 8, 12], mm: ['95', 8, 10], kh: ['855', 8, 9],
  au: ['61', 9, 9], nz: ['64', 8, 10], uz: ['998', 9, 9],
};

// A Map: looked up once per phone number, and a 120-key object literal is a slow dictionary-mode lookup.
const BY_COUNTRY: ReadonlyMap<string, readonly [string, number, number]> = new Map(Object.entries(CALLING_CODES));

export function callingCodeOf(country: string): readonly [string, number, number] | undefined {
  return BY_COUNTRY.get(country);
}
