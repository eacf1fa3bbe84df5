/**
 * Batch requests (spec/graph-api-core.md §5): up to 50 operations in one POST;
 * the answer is an array in request order whose items carry their own status,
 * headers and a JSON *string* body, or null for an operation that did not run.
 */
import { GraphApiError } from './graph-api-error.js';
import { formEncode } from './request-encoding.js';
import type { HttpMethod, Params } from './request-encoding.js';
import { parseUsageHeaders } from './usage-headers.js';

export const MAX_BATCH_OPERATIONS = 50;

export interface BatchOperation {
  readonly method: HttpMethod;
  /** Path and query without the version, e.g. `me?fields=id,name`. */
  readonly relative_url: string;
  /** Parameters of a POST/DELETE, sent form-encoded as Graph expects inside a batch. */
  readonly body?: Params;
  readonly name?: string;
  readonly depends_on?: string;
  readonly omit_response_on_success?: boolean;
}

export type BatchResult<T = unknown> =
  | { readonly ok: true; readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly error: GraphApiError }
  | null;

export interface WireBatchOperation {
  method: HttpMethod;
  relative_url: string;
  body?: string;
  name?: string;
  depends_on?: string;
  omit_response_on_success?: boolean;
}

export function encodeBatch(operations: readonly BatchOperation[]): WireBatchOperation[] {
  if (operations.length === 0) throw new RangeError('a batch needs at least one operation');
  if (operations.length > MAX_BATCH_OPERATIONS) {
    throw new RangeError(`a batch holds at most ${MAX_BATCH_OPERATIONS} operations (got ${operations.length})`);
  }
  return operations.map((op) => ({
    method: op.method,
    relative_url: op.relative_url.replace(/^\//, ''),
    ...(op.body !== undefined && { body: formEncode(op.body) }),
    ...(op.name !== undefined && { name: op.name }),
    ...(op.depends_on !== undefined && { depends_on: op.depends_on }),
    ...(op.omit_response_on_success !== undefined && { omit_response_on_success: op.omit_response_on_success }),
  }));
}

interface WireBatchItem {
  readonly code?: number;
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
  readonly body?: string;
}

export function decodeBatch(answer: unknown, operations: readonly BatchOperation[]): BatchResult[] {
  if (!Array.isArray(answer)) {
    throw new GraphApiError({
      kind: 'http',
      message: 'batch answer is not an array',
      status: 200,
      method: 'POST',
      path: '/',
    });
  }
  return operations.map((op, i) => decodeItem(answer[i] as WireBatchItem | null | undefined, op));
}

function decodeItem(item: WireBatchItem | null | undefined, op: BatchOperation): BatchResult {
  if (item === null || item === undefined) return null;
  const headers: Record<string, string> = {};
  for (const h of item.headers ?? []) headers[h.name.toLowerCase()] = h.value;
  const status = item.code ?? 200;
  const bodyText = item.body ?? '';
  const path = '/' + op.relative_url.split('?')[0]!.replace(/^\//, '');
  let body: unknown;
  let parsed = true;
  try {
    // An empty body is normal for omit_response_on_success operations.
    body = bodyText === '' ? undefined : JSON.parse(bodyText);
  } catch {
    parsed = false;
  }
  const isError = !parsed || status >= 400 || (typeof body === 'object' && body !== null && 'error' in body);
  if (!isError) return { ok: true, status, headers, body };
  const usage = parseUsageHeaders({ get: (name) => headers[name] ?? null });
  const error = GraphApiError.fromResponse({
    status,
    bodyText,
    contentType: headers['content-type'] ?? null,
    method: op.method,
    path,
    usage,
  });
  return { ok: false, status, error };
}
