/** Cutting pages: cursors are base64 of the boundary ids; before/after/limit as the real API pages. */
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../../src/graph/errors/graph-error.js';
import { cutPage, decodeCursor, encodeCursor, readLimit } from '../../../src/graph/paging.js';

const items = Array.from({ length: 7 }, (_, i) => ({ id: `id${i}` }));
const ids = (p: { items: Array<{ id: string }> }): string[] => p.items.map((i) => i.id);

describe('paging', () => {
  it('encodes cursors as base64 of the id, as the real ones are', () => {
    expect(encodeCursor('131686830683789')).toBe('MTMxNjg2ODMwNjgzNzg5');
    expect(decodeCursor('MTMxNjg2ODMwNjgzNzg5')).toBe('131686830683789');
  });

  it('refuses a cursor that is not one it made', () => {
    for (const bad of ['', '%%%', 'not base64!']) expect(() => decodeCursor(bad)).toThrow(GraphError);
  });

  it('cuts the first page, then after and before a cursor, with next/previous flags', () => {
    const first = cutPage(items, (i) => i.id, { limit: 3 });
    expect(ids(first)).toEqual(['id0', 'id1', 'id2']);
    expect(first).toMatchObject({ hasNext: true, hasPrevious: false, cursors: { before: encodeCursor('id0'), after: encodeCursor('id2') } });
    const second = cutPage(items, (i) => i.id, { limit: 3, after: first.cursors!.after });
    expect(ids(second)).toEqual(['id3', 'id4', 'id5']);
    expect(second).toMatchObject({ hasNext: true, hasPrevious: true });
    const last = cutPage(items, (i) => i.id, { limit: 3, after: second.cursors!.after });
    expect(ids(last)).toEqual(['id6']);
    expect(last.hasNext).toBe(false);
    const back = cutPage(items, (i) => i.id, { limit: 3, before: last.cursors!.before });
    expect(ids(back)).toEqual(ids(second));
  });

  it('gives an empty page without cursors past the end', () => {
    const past = cutPage(items, (i) => i.id, { limit: 3, after: encodeCursor('id6') });
    expect(past).toEqual({ items: [], cursors: undefined, hasNext: false, hasPrevious: true });
  });

  it('reads limit: default when absent, capped at the edge maximum, an error when not a number', () => {
    expect(readLimit(undefined, 25, 100)).toBe(25);
    expect(readLimit('500', 25, 100)).toBe(100);
    expect(readLimit(' 7 ', 25, 100)).toBe(7);
    expect(() => readLimit('ten', 25, 100)).toThrow(GraphError);
  });
});
