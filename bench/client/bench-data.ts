/**
 * A reproducible customer file for the benchmark: seeded PRNG, the six
 * columns of the brief, and the mess real exports have (mixed case, spaces,
 * national and international phones, ZIP+4, UK postcodes, country names,
 * accented names, ~1 % quoted fields).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { seededRandom } from '../../src/faults/rules.js';

export const BENCH_COLUMNS = ['email', 'phone', 'first_name', 'last_name', 'zip', 'country'] as const;

// One seeded generator for the whole project (mulberry32), shared with fault injection's coin flips.
export { seededRandom };

const FIRST = ['James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'Jöhn', 'Mary-Ann',
  'Émile', 'José', 'Zoë', 'François', 'Søren', 'Łukasz', 'Ana María', 'Chloé', 'Björn', 'Siobhán'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', "O'Brien", 'García', 'Müller', 'Dubois', 'Nowak',
  'van der Berg', 'Smith-Jones', 'Rossi', 'Kowalski', 'Andersen', 'Martínez'];
const DOMAINS = ['example.com', 'Example.COM', 'mail.example.org', 'test.example.net'];
const COUNTRIES = [
  ['US', 0.45], ['us', 0.05], ['United States', 0.05], ['GB', 0.15], ['UK', 0.03], ['DE', 0.12], ['Germany', 0.03], ['FR', 0.12],
] as const;

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

function digits(random: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(random() * 10);
  return s;
}

function country(random: () => number): string {
  let r = random();
  for (const [name, weight] of COUNTRIES) if ((r -= weight) < 0) return name;
  return 'US';
}

function row(random: () => number, i: number): string {
  const first = pick(random, FIRST);
  const last = pick(random, LAST);
  const c = country(random);
  const code = c === 'GB' || c === 'UK' ? 'gb' : c === 'DE' || c === 'Germany' ? 'de' : c === 'FR' ? 'fr' : 'us';
  const local = `${first}.${last}${i}`.replace(/[^A-Za-z0-9.]/g, '');
  const email = `${random() < 0.1 ? ' ' : ''}${random() < 0.3 ? local : local.toLowerCase()}@${pick(random, DOMAINS)}`;
  const intl = random() < 0.4;
  let phone: string;
  let zip: string;
  switch (code) {
    case 'gb':
      phone = intl ? `+44 7${digits(random, 3)} ${digits(random, 6)}` : `07${digits(random, 3)} ${digits(random, 6)}`;
      zip = `${pick(random, ['SW1A', 'M1', 'EC1A', 'B33'])} ${digits(random, 1)}${pick(random, ['AA', 'AE', 'BB', 'HX'])}`;
      break;
    case 'de':
      phone = intl ? `+49 30 ${digits(random, 7)}` : `030 ${digits(random, 7)}`;
      zip = digits(random, 5);
      break;
    case 'fr':
      phone = intl ? `+33 6 ${digits(random, 2)} ${digits(random, 2)} ${digits(random, 2)} ${digits(random, 2)}` : `06 ${digits(random, 2)} ${digits(random, 2)} ${digits(random, 2)} ${digits(random, 2)}`;
      zip = `75${digits(random, 3)}`;
      break;
    default:
      phone = intl ? `+1 (${digits(random, 3)}) 555-${digits(random, 4)}` : `${digits(random, 3)}-555-${digits(random, 4)}`;
      zip = random() < 0.2 ? `${digits(random, 5)}-${digits(random, 4)}` : digits(random, 5);
  }
  const lastCell = random() < 0.01 ? `"${last}, Jr."` : last;
  return `${email},${phone},${first},${lastCell},${zip},${c}\n`;
}

/** Write `rows` data rows (plus a header) to `path`, streaming; returns the byte size. */
export async function writeBenchCsv(path: string, rows: number, seed = 42): Promise<void> {
  const random = seededRandom(seed);
  const out = createWriteStream(path);
  let buffer = `${BENCH_COLUMNS.join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    buffer += row(random, i);
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'close');
}

/** Short strings shaped like the normalised values, for the raw SHA-256 baseline. */
export function sampleStrings(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const out: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    switch (i % 6) {
      case 0: out[i] = `${pick(random, FIRST).toLowerCase()}.${pick(random, LAST).toLowerCase()}${i}@example.com`; break;
      case 1: out[i] = `1${digits(random, 10)}`; break;
      case 2: out[i] = pick(random, FIRST).toLowerCase(); break;
      case 3: out[i] = pick(random, LAST).toLowerCase(); break;
      case 4: out[i] = digits(random, 5); break;
      default: out[i] = pick(random, ['us', 'gb', 'de', 'fr']);
    }
  }
  return out;
}
