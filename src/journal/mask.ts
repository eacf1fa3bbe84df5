/**
 * What the journal and logs may keep of a request's parameters: secrets masked, uploaded member
 * data reduced to its shape (a raw email in a hashed column must never be written anywhere).
 */
const SECRET_PARAMS = new Set([
  'access_token',
  'input_token',
  'fb_exchange_token',
  'client_secret',
  'appsecret_proof',
  'password',
  'code',
  'owner_access_token',
]);

/** Keeps a token's first 6 characters so a reader can tell tokens apart, and nothing more. */
export function maskSecret(value: string): string {
  if (value.length <= 8) return '***';
  return `${value.slice(0, 6)}…(${value.length} chars, masked)`;
}

function summarisePayload(v: unknown): unknown {
  if (typeof v === 'string') {
    // Not parsed again (a 10,000-row payload is megabytes): the schema is near the start.
    const schema = /"schema"\s*:\s*("[A-Z_0-9]+"|\[[^\]]*\])/.exec(v.slice(0, 2000))?.[1];
    let parsed: unknown;
    try {
      parsed = schema ? (JSON.parse(schema) as unknown) : undefined;
    } catch {
      parsed = undefined;
    }
    return { schema: parsed, chars: v.length, data: '(member data not recorded)' };
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const p = v as Record<string, unknown>;
    const data = p.data;
    return {
      schema: p.schema,
      rows: Array.isArray(data) ? data.length : undefined,
      is_raw: p.is_raw,
      data: '(member data not recorded)',
    };
  }
  return '(not shown)';
}

export function maskParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (SECRET_PARAMS.has(k)) out[k] = typeof v === 'string' ? maskSecret(v) : '***';
    else if (k === 'payload') out[k] = summarisePayload(v);
    else if (k === 'batch') out[k] = typeof v === 'string' ? `(${v.length} chars)` : Array.isArray(v) ? `(${v.length} operations)` : '(batch)';
    else if (typeof v === 'string' && v.length > 2000) out[k] = `${v.slice(0, 200)}…(${v.length} chars)`;
    else out[k] = v;
  }
  return out;
}

/** Masks tokens wherever they appear in a URL's query string. */
export function maskUrl(url: string): string {
  return url.replace(/([?&](?:access_token|input_token|client_secret|appsecret_proof|fb_exchange_token)=)([^&]*)/g, (_m, k: string, v: string) =>
    k + encodeURIComponent(maskSecret(decodeURIComponent(v))),
  );
}
