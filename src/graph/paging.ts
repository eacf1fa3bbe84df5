/**
 * Cursor paging, as the real API pages: cursors are base64 of the boundary item's id, `next` and
 * `previous` are absolute URLs on the host the client came in on, carrying the token and the
 * original parameters, and they are left out on the last and first page.
 */
import { invalidParameter } from './errors/catalogue.js';
import type { GraphContext } from './context.js';

export interface PageRequest {
  limit: number;
  after?: string;
  before?: string;
}

export interface PageOut<T> {
  items: T[];
  cursors?: { before: string; after: string };
  hasNext: boolean;
  hasPrevious: boolean;
}

export const encodeCursor = (id: string): string => Buffer.from(id, 'utf8').toString('base64');

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64').toString('utf8');
  if (text.length === 0 || encodeCursor(text).replace(/=+$/, '') !== cursor.replace(/=+$/, '')) {
    throw invalidParameter('The cursor specified is invalid');
  }
  return text;
}

export function readLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw invalidParameter('Param limit must be a non-negative integer');
  const n = Number(raw.trim());
  return Math.min(n, max);
}

/** Cuts one page out of an ordered list. */
export function cutPage<T>(items: T[], idOf: (t: T) => string, req: PageRequest): PageOut<T> {
  let start = 0;
  let end = items.length;
  if (req.after !== undefined) {
    const id = decodeCursor(req.after);
    const i = items.findIndex((t) => idOf(t) === id);
    start = i < 0 ? items.length : i + 1;
    end = Math.min(items.length, start + req.limit);
  } else if (req.before !== undefined) {
    const id = decodeCursor(req.before);
    const i = items.findIndex((t) => idOf(t) === id);
    end = i < 0 ? 0 : i;
    start = Math.max(0, end - req.limit);
  } else {
    end = Math.min(items.length, req.limit);
  }
  const page = items.slice(start, end);
  return {
    items: page,
    cursors: page.length > 0 ? { before: encodeCursor(idOf(page[0])), after: encodeCursor(idOf(page[page.length - 1])) } : undefined,
    hasNext: end < items.length,
    hasPrevious: start > 0,
  };
}

/**
 * The `next`/`previous` link for an edge: `{base}/{version}/{nodeId}/{edge}?…`. Parameters of the
 * original request are carried over (token included, as the real links do), with the cursor
 * swapped.
 */
export function pageLink(
  ctx: GraphContext,
  pathSegments: string[],
  carry: Record<string, string>,
  cursor: { after?: string; before?: string },
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(carry)) {
    if (k === 'after' || k === 'before') continue;
    q.set(k, v);
  }
  if (cursor.after) q.set('after', cursor.after);
  if (cursor.before) q.set('before', cursor.before);
  return `${ctx.baseUrl}/${ctx.version.name}/${pathSegments.map(encodeURIComponent).join('/')}?${q.toString()}`;
}
