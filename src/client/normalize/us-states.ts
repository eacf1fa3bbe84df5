/**
 * US states, DC and the inhabited territories: full name → 2-letter ANSI
 * (USPS) code. Meta's ST rule for the US is "2-character ANSI abbreviation,
 * lowercase"; people's files often hold the full name instead.
 *
 * Keys are already in the folded form normalizeState compares against
 * (lowercase a–z, no spaces or punctuation).
 */
export const US_STATE_CODES: Readonly<Record<string, string>> = {
  alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca',
  colorado: 'co', connecticut: 'ct', delaware: 'de', florida: 'fl', georgia: 'ga',
  hawaii: 'hi', idaho: 'id', illinois: 'il', indiana: 'in', iowa: 'ia',
  kansas: 'ks', kentucky: 'ky', louisiana: 'la', maine: 'me', maryland: 'md',
  massachusetts: 'ma', michigan: 'mi', minnesota: 'mn', mississippi: 'ms', missouri: 'mo',
  montana: 'mt', nebraska: 'ne', nevada: 'nv', newhampshire: 'nh', newjersey: 'nj',
  newmexico: 'nm', newyork: 'ny', northcarolina: 'nc', northdakota: 'nd', ohio: 'oh',
  oklahoma: 'ok', oregon: 'or', pennsylvania: 'pa', rhodeisland: 'ri', southcarolina: 'sc',
  southdakota: 'sd', tennessee: 'tn', texas: 'tx', utah: 'ut', vermont: 'vt',
  virginia: 'va', washington: 'wa', westvirginia: 'wv', wisconsin: 'wi', wyoming: 'wy',
  districtofcolumbia: 'dc', washingtondc: 'dc',
  puertorico: 'pr', guam: 'gu', usvirginislands: 'vi', virginislands: 'vi',
  americansamoa: 'as', northernmarianaislands: 'mp',
};

/** The valid 2-letter codes (values of US_STATE_CODES). */
export const US_STATE_ABBREVIATIONS: ReadonlySet<string> = new Set(Object.values(US_STATE_CODES));
