/**
 * ISO 3166-1 alpha-2 codes, and the names people commonly write instead.
 * Meta's COUNTRY rule: "Lowercase ISO 3166-1 alpha-2".
 */

/** Every officially assigned ISO 3166-1 alpha-2 code (249), lowercase. */
export const ISO_ALPHA2: ReadonlySet<string> = new Set(
  ('ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs bt bv bw ' +
    'by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh er es et fi ' +
    'fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in ' +
    'io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me ' +
    'mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf ' +
    'pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st sv ' +
    'sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug um us uy uz va vc ve vg vi vn vu wf ws ye ' +
    'yt za zm zw').split(' '),
);

/**
 * Names, native names, alpha-3 codes and common abbreviations → alpha-2.
 * Keys are folded (lowercase a–z only: "U.S.A." → "usa", "Côte d'Ivoire" → "cotedivoire").
 * Two-letter keys here are non-ISO abbreviations people use ("uk").
 */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  us: ['unitedstates', 'unitedstatesofamerica', 'usa', 'america', 'estadosunidos'],
  ca: ['canada', 'can'],
  mx: ['mexico', 'mex'],
  br: ['brazil', 'brasil', 'bra'],
  ar: ['argentina', 'arg'],
  cl: ['chile', 'chl'],
  co: ['colombia', 'col'],
  pe: ['peru', 'per'],
  ve: ['venezuela', 'ven'],
  ec: ['ecuador', 'ecu'],
  uy: ['uruguay', 'ury'],
  py: ['paraguay', 'pry'],
  bo: ['bolivia', 'bol'],
  cr: ['costarica', 'cri'],
  pa: ['panama', 'pan'],
  gt: ['guatemala', 'gtm'],
  do: ['dominicanrepublic', 'dom'],
  pr: ['puertorico', 'pri'],
  jm: ['jamaica', 'jam'],
  gb: ['unitedkingdom', 'uk', 'greatbritain', 'britain', 'england', 'scotland', 'wales', 'northernireland', 'gbr'],
  ie: ['ireland', 'eire', 'irl'],
  fr: ['france', 'fra'],
  de: ['germany', 'deutschland', 'deu', 'ger'],
  it: ['italy', 'italia', 'ita'],
  es: ['spain', 'espana', 'esp'],
  pt: ['portugal', 'prt'],
  nl: ['netherlands', 'thenetherlands', 'holland', 'nederland', 'nld'],
  be: ['belgium', 'belgique', 'belgie', 'bel'],
  lu: ['luxembourg', 'lux'],
  ch: ['switzerland', 'schweiz', 'suisse', 'svizzera', 'che'],
  at: ['austria', 'osterreich', 'oesterreich', 'aut'],
  dk: ['denmark', 'danmark', 'dnk'],
  se: ['sweden', 'sverige', 'swe'],
  no: ['norway', 'norge', 'nor'],
  fi: ['finland', 'suomi', 'fin'],
  is: ['iceland', 'island', 'isl'],
  pl: ['poland', 'polska', 'pol'],
  cz: ['czechia', 'czechrepublic', 'cesko', 'cze'],
  sk: ['slovakia', 'slovensko', 'svk'],
  hu: ['hungary', 'magyarorszag', 'hun'],
  ro: ['romania', 'rou'],
  bg: ['bulgaria', 'bgr'],
  gr: ['greece', 'hellas', 'grc'],
  hr: ['croatia', 'hrvatska', 'hrv'],
  si: ['slovenia', 'slovenija', 'svn'],
  rs: ['serbia', 'srbija', 'srb'],
  ua: ['ukraine', 'ukr'],
  by: ['belarus', 'blr'],
  ru: ['russia', 'russianfederation', 'rus'],
  kz: ['kazakhstan', 'kaz'],
  lt: ['lithuania', 'ltu'],
  lv: ['latvia', 'lva'],
  ee: ['estonia', 'est'],
  tr: ['turkey', 'turkiye', 'tur'],
  cy: ['cyprus', 'cyp'],
  mt: ['malta', 'mlt'],
  il: ['israel', 'isr'],
  ae: ['unitedarabemirates', 'uae', 'are', 'emirates'],
  sa: ['saudiarabia', 'sau', 'ksa'],
  qa: ['qatar', 'qat'],
  kw: ['kuwait', 'kwt'],
  bh: ['bahrain', 'bhr'],
  om: ['oman', 'omn'],
  jo: ['jordan', 'jor'],
  lb: ['lebanon', 'lbn'],
  eg: ['egypt', 'egy'],
  ma: ['morocco', 'mar'],
  dz: ['algeria', 'dza'],
  tn: ['tunisia', 'tun'],
  ng: ['nigeria', 'nga'],
  gh: ['ghana', 'gha'],
  ke: ['kenya', 'ken'],
  za: ['southafrica', 'zaf', 'rsa'],
  et: ['ethiopia', 'eth'],
  tz: ['tanzania', 'tza'],
  ug: ['uganda', 'uga'],
  ci: ['cotedivoire', 'ivorycoast', 'civ'],
  sn: ['senegal', 'sen'],
  cm: ['cameroon', 'cmr'],
  in: ['india', 'bharat', 'ind'],
  pk: ['pakistan', 'pak'],
  bd: ['bangladesh', 'bgd'],
  lk: ['srilanka', 'lka'],
  np: ['nepal', 'npl'],
  cn: ['china', 'peoplesrepublicofchina', 'prc', 'chn'],
  hk: ['hongkong', 'hkg'],
  tw: ['taiwan', 'twn'],
  jp: ['japan', 'nippon', 'jpn'],
  kr: ['southkorea', 'korea', 'republicofkorea', 'kor'],
  sg: ['singapore', 'sgp'],
  my: ['malaysia', 'mys'],
  th: ['thailand', 'tha'],
  vn: ['vietnam', 'vnm'],
  ph: ['philippines', 'phl'],
  id: ['indonesia', 'idn'],
  au: ['australia', 'aus'],
  nz: ['newzealand', 'nzl'],
  ir: ['iran', 'irn'],
  iq: ['iraq', 'irq'],
};

/** Folded alias → alpha-2 (built once from ALIASES). */
export const COUNTRY_ALIASES: ReadonlyMap<string, string> = new Map(
  Object.entries(ALIASES).flatMap(([code, names]) => names.map((name) => [name, code] as const)),
);
