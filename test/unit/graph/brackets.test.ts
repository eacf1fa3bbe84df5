/**
 * Bracket notation (`payload[data][0][0]=…`): what `qs.stringify` writes (fbgraph's encoder) comes
 * back as the same value, in linear time, with no way to reach an object's prototype.
 */
import fc from 'fast-check';
import qs from 'qs';
import { describe, expect, it } from 'vitest';
import { nestEntries, parseBracketForm, splitKey } from '../../../src/graph/brackets.js';
import { parseForm } from '../../../src/graph/params.js';

/** Plain JSON for comparison: null-prototype objects become ordinary ones. */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('splitKey', () => {
  it('splits bracket keys and keeps malformed ones whole', () => {
    expect(splitKey('payload[data][0][1]')).toEqual(['payload', 'data', '0', '1']);
    expect(splitKey('a[]')).toEqual(['a', '']);
    expect(splitKey('plain')).toEqual(['plain']);
    for (const k of ['a[b', 'a]b', '[x]', 'a[b]c', 'a[b]]']) expect(splitKey(k)).toEqual([k]);
  });

  it('keeps segments past the depth limit as one key', () => {
    const deep = 'a' + '[x]'.repeat(40);
    const parts = splitKey(deep);
    expect(parts.length).toBe(34);
    expect(parts[parts.length - 1]).toBe('[x]'.repeat(8));
  });
});

describe('parseBracketForm', () => {
  it('reads what fbgraph sends for a multi-key payload', () => {
    const body = qs.stringify({ payload: { schema: ['EMAIL', 'FN'], data: [['h1', ''], ['h2', 'x y']] }, access_token: 'EAA' });
    expect(plain(parseBracketForm(body))).toEqual({ payload: { schema: ['EMAIL', 'FN'], data: [['h1', ''], ['h2', 'x y']] }, access_token: 'EAA' });
  });

  it('appends with [] after explicit indexes, closes gaps, and lets a later write win', () => {
    expect(plain(parseBracketForm('a[]=x&a[]=y&b[0]=p&b[]=q&c[5]=z&c[2]=w&d=1&d[k]=2&e[k]=1&e=2'))).toEqual({
      a: ['x', 'y'],
      b: ['p', 'q'],
      c: ['w', 'z'],
      d: { k: '2' },
      e: '2',
    });
  });

  it('decodes + as a space and keeps a stray % as written', () => {
    expect(plain(parseBracketForm('a[b]=x+y%20z&c[d]=100%&e[f]=%E2%82%AC'))).toEqual({ a: { b: 'x y z' }, c: { d: '100%' }, e: { f: '€' } });
  });

  it('never touches a prototype, whatever the keys say', () => {
    const parsed = parseBracketForm('__proto__[polluted]=1&a[__proto__][x]=2&constructor[prototype][y]=3');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('y');
    // Built with JSON.parse: in an object literal `__proto__` would set the prototype instead.
    expect(plain(parsed)).toEqual(JSON.parse('{"__proto__":{"polluted":"1"},"a":{"__proto__":{"x":"2"}},"constructor":{"prototype":{"y":"3"}}}'));
  });

  it('is what parseForm uses when a key has a bracket, and only then', () => {
    expect(plain(parseForm('payload%5Bschema%5D=EMAIL_SHA256&x=1'))).toEqual({ payload: { schema: 'EMAIL_SHA256' }, x: '1' });
    // A bracket in a value (fb's `fields=["id"]`) is just text.
    expect(plain(parseForm('fields=%5B%22id%22%5D&x=[1]'))).toEqual({ fields: '["id"]', x: '[1]' });
  });

  it('round-trips any nested value qs.stringify encodes', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
    const leaf = fc.string({ maxLength: 12 });
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { minLength: 1, maxLength: 4 }), fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 4 })),
    }));
    fc.assert(
      fc.property(fc.dictionary(key, tree.node, { minKeys: 1, maxKeys: 4 }), (value) => {
        const text = qs.stringify(value, { encodeValuesOnly: false });
        expect(plain(parseForm(text))).toEqual(value);
      }),
      { numRuns: 500 },
    );
  });

  it('decodes 150,000 keys (10,000 rows × 15) into a 10,000-row array', () => {
    const parts: string[] = [];
    for (let i = 0; i < 10_000; i++) for (let j = 0; j < 15; j++) parts.push(`payload%5Bdata%5D%5B${i}%5D%5B${j}%5D=${'f'.repeat(64)}`);
    const parsed = parseBracketForm(parts.join('&')) as { payload: { data: string[][] } };
    expect(parsed.payload.data).toHaveLength(10_000);
    expect(parsed.payload.data[9_999]).toHaveLength(15);
  });
});

describe('nestEntries', () => {
  it('nests multipart-style entries', () => {
    expect(plain(nestEntries([['payload[schema][0]', 'EMAIL'], ['payload[data][0][0]', 'h'], ['name', 'n']]))).toEqual({
      payload: { schema: ['EMAIL'], data: [['h']] },
      name: 'n',
    });
  });
});
