/**
 * How parameters travel: query string for GET, JSON body for POST and DELETE.
 * Graph accepts JSON bodies on DELETE (spec/custom-audience-users.md §1.1:
 * Meta's own uploader sends them), and a body avoids the URL-length failures
 * that break large deletes sent in the query (§1.1, "Long DELETE query strings break").
 */
import type { AudienceUploadSession } from './wire-types.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

export type ParamValue = string | number | boolean | null | undefined | object;
export type Params = Readonly<Record<string, ParamValue>>;

/**
 * A query-string value: strings as they are, numbers and booleans as text,
 * lists and objects as JSON (Graph's convention for complex parameters,
 * spec/graph-api-core.md §3.9). null and undefined are left out.
 */
export function queryValue(value: ParamValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

export function appendQuery(url: URL, params: Params): void {
  for (const [key, value] of Object.entries(params)) {
    const text = queryValue(value);
    if (text !== undefined) url.searchParams.set(key, text);
  }
}

/** Form encoding (batch operation bodies): like the query string. */
export function formEncode(params: Params): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    const text = queryValue(value);
    if (text !== undefined) form.set(key, text);
  }
  return form.toString();
}

/**
 * JSON text a request body carries as it is, not encoded again: the rows of an upload batch that the
 * hashing workers already wrote as JSON (upload/chunk-hasher.ts). Re-stringifying 10,000 rows of six
 * digests on the main thread cost ~2–3 µs a row, about as much as the server spends on them.
 * Anything else that serialises it (a dry run, a test double) gets the parsed value.
 */
export class RawJson {
  /** JSON text, or its UTF-8 bytes in parts, in order (the hashing workers hand over bytes). */
  constructor(readonly text: string | readonly Uint8Array[]) {}

  toJSON(): unknown {
    if (embedding === undefined) return JSON.parse(typeof this.text === 'string' ? this.text : Buffer.concat(this.text).toString('utf8'));
    embedding.raws.push(this);
    return embedding.marker + String(embedding.raws.length - 1);
  }
}

/** JSON text of a list of rows, and how many there are. */
export class JsonRows extends RawJson {
  constructor(
    text: string | readonly Uint8Array[],
    readonly length: number,
  ) {
    super(text);
  }
}

/** Set while jsonBody serialises: RawJson values leave a marker to be replaced by their text. */
let embedding: { marker: string; raws: RawJson[] } | undefined;

/** A request body: JSON text, or its UTF-8 bytes in parts, sent in order and never joined into one buffer. */
export type RequestBody = string | readonly Uint8Array[];

/**
 * JSON body without undefined members (JSON.stringify drops them anyway); RawJson values go in as
 * they are. The body is a string, or UTF-8 bytes in parts when a RawJson holds bytes: nothing of it
 * is encoded again (the surrounding JSON is small), and the parts are not concatenated — copying an
 * upload batch's 4 MB into a fresh buffer cost the client ≈ 1 ms of CPU per batch in page faults
 * and copying, plus the GC work external memory brings (decision client-13).
 */
export function jsonBody(params: Params): RequestBody {
  // NUL cannot appear unescaped in JSON text: a marker holding one is written as `\u0000…`, which
  // with a random part no string of the caller's serialises to.
  const nonce = Math.random().toString(36).slice(2);
  const state = { marker: `\u0000raw:${nonce}:`, raws: [] as RawJson[] };
  embedding = state;
  let text: string;
  try {
    text = JSON.stringify(params);
  } finally {
    embedding = undefined;
  }
  const bytes: Uint8Array[] = [];
  let rest = text;
  for (let i = 0; i < state.raws.length; i++) {
    const serialised = `"\\u0000raw:${nonce}:${i}"`;
    const at = rest.indexOf(serialised);
    // Every RawJson reached by JSON.stringify left its marker; a miss would splice the wrong place.
    if (at < 0) throw new Error('jsonBody: a RawJson value was not serialised where expected');
    const raw = state.raws[i]!.text;
    if (typeof raw === 'string') {
      rest = rest.slice(0, at) + raw + rest.slice(at + serialised.length);
    } else {
      bytes.push(Buffer.from(rest.slice(0, at), 'utf8'), ...raw);
      rest = rest.slice(at + serialised.length);
    }
  }
  if (bytes.length === 0) return rest;
  bytes.push(Buffer.from(rest, 'utf8'));
  return bytes;
}

/** A /users or /usersreplace body: the payload, and the session when there is one (left out, not sent empty). */
export function usersBody<P>(payload: P, session: AudienceUploadSession | undefined): { payload: P; session?: AudienceUploadSession } {
  return session === undefined ? { payload } : { payload, session };
}
