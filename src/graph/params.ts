/**
 * Request parameters as the Graph API sees them: one flat map merged from the query string and
 * the body, whatever encoding each came in. Values stay as they arrived (strings from forms and
 * query strings, anything from JSON bodies); handlers read them through typed accessors that
 * decode JSON-string values (`payload=%7B…%7D`) and nested objects alike.
 */
import fastQuerystring from 'fast-querystring';
import { parseBracketForm } from './brackets.js';
import { invalidParameter } from './errors/catalogue.js';

export type ParamMap = Record<string, unknown>;

/** The encodings a request's parameters can arrive in; the journal records which were used. */
export type ParamSource = 'query' | 'json' | 'urlencoded' | 'multipart' | 'none';

export class Params {
  constructor(private readonly values: ParamMap) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  raw(name: string): unknown {
    return this.values[name];
  }

  names(): string[] {
    return Object.keys(this.values);
  }

  toObject(): ParamMap {
    return { ...this.values };
  }

  /** A scalar as text: numbers and booleans from JSON bodies are stringified. */
  string(name: string): string | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return JSON.stringify(v);
  }

  /** A JSON value: an object/array from a JSON body, or a string holding JSON from a form/query. */
  json(name: string): unknown {
    return decodeJsonValue(this.values[name], name);
  }

  int(name: string): number | undefined {
    const s = this.string(name);
    if (s === undefined || s === '') return undefined;
    if (!/^-?\d+$/.test(s.trim())) throw invalidParameter(`Param ${name} must be an integer`);
    return Number(s.trim());
  }

  bool(name: string): boolean | undefined {
    const v = this.values[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
    throw invalidParameter(`Param ${name} must be a boolean`);
  }

  /** A list: a JSON array, a JSON-string array, or a comma-separated string. */
  list(name: string): string[] | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.map((x) => String(x));
    const s = this.string(name) ?? '';
    const t = s.trim();
    if (t.startsWith('[')) {
      const parsed = decodeJsonValue(t, name);
      if (Array.isArray(parsed)) return parsed.map((x) => String(x));
    }
    return t === '' ? [] : t.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  }

  with(extra: ParamMap): Params {
    return new Params({ ...this.values, ...extra });
  }

  without(...names: string[]): Params {
    const copy = { ...this.values };
    for (const n of names) delete copy[n];
    return new Params(copy);
  }
}

/** Decodes a JSON-string parameter; objects pass through; anything else is returned as is. */
export function decodeJsonValue(v: unknown, name: string): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return v;
  try {
    return JSON.parse(t);
  } catch {
    throw invalidParameter(`Param ${name} must be a JSON object or array`);
  }
}

/**
 * Parses `a=1&b=2` as Graph does: `+` is a space, a repeated key keeps its last value (as PHP —
 * and so Graph — does), and PHP-style bracket keys (`payload[data][0][0]=…`, sent by fbgraph)
 * build nested objects and arrays. The fast parser handles the common case; the bracket parser
 * only runs when some key holds a bracket.
 */
export function parseForm(text: string): ParamMap {
  if (text.length === 0) return {};
  if ((text.includes('%5B') || text.includes('%5b') || text.includes('[')) && /(^|&)[^=&]*(\[|%5B)/i.test(text)) {
    return parseBracketForm(text);
  }
  const parsed = fastQuerystring.parse(text) as Record<string, string | string[]>;
  const out: ParamMap = Object.create(null) as ParamMap;
  for (const key of Object.keys(parsed)) {
    const v = parsed[key];
    out[key] = Array.isArray(v) ? v[v.length - 1] : v;
  }
  return out;
}
