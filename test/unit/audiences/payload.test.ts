import { describe, expect, it } from 'vitest';
import { decodeHex64, isEmptyCell, sha256Hex } from '../../../src/audiences/hashing.js';
import { parsePayload } from '../../../src/audiences/payload.js';
import { GraphError } from '../../../src/graph/errors/graph-error.js';

const h = (s: string) => sha256Hex(s);

function error(fn: () => unknown): GraphError {
  try {
    fn();
  } catch (e) {
    if (e instanceof GraphError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('decodeHex64', () => {
  it('decodes lower- and upper-case digests and rejects everything else', () => {
    const out = Buffer.alloc(32);
    expect(decodeHex64(h('a'), out, 0)).toBe(true);
    expect(out.toString('hex')).toBe(h('a'));
    expect(decodeHex64(h('a').toUpperCase(), out, 0)).toBe(true);
    expect(decodeHex64(h('a').slice(0, 63), out, 0)).toBe(false);
    expect(decodeHex64(h('a').slice(0, 62) + 'zz', out, 0)).toBe(false);
    expect(decodeHex64('mary@example.com', out, 0)).toBe(false);
  });
});

describe('parsePayload', () => {
  it('packs identity columns as 32-byte hashes, empty cells as zeros, and drops value columns', () => {
    const p = parsePayload({ schema: ['EMAIL', 'PHONE', 'LOOKALIKE_VALUE'], data: [[h('a'), '', 3], ['', h('1'), '0.5']] });
    expect(p.columns).toEqual([1, 2]);
    expect(p.validRows).toBe(2);
    expect(p.rows.length).toBe(2 * 2 * 32);
    expect(p.rows.subarray(0, 32).toString('hex')).toBe(h('a'));
    expect(isEmptyCell(p.rows, 32)).toBe(true);
    expect(p.hasLookalikeValue).toBe(true);
    expect(p.multiKey).toBe(true);
  });

  it('hashes raw identifiers it accepts (MADID, EXTERN_ID) and never keeps their text', () => {
    const p = parsePayload({ schema: ['MADID', 'EXTERN_ID'], data: [['6032D997-3AB0-4DE0-AA16-8AF0E5B482FB', 'crm-1']] });
    expect(p.rows.subarray(0, 32).toString('hex')).toBe(h('6032d997-3ab0-4de0-aa16-8af0e5b482fb'));
    expect(p.rows.subarray(32, 64).toString('hex')).toBe(h('crm-1'));
    expect(p.rows.includes(Buffer.from('crm-1'))).toBe(false);
  });

  it('keeps valid rows and reports invalid ones with the row as compact JSON', () => {
    const p = parsePayload({ schema: ['EMAIL', 'EXTERN_ID'], data: [[h('a'), 'x'], [h('b'), ''], ['raw@example.com', 'y']] });
    expect(p).toMatchObject({ received: 3, invalid: 2, validRows: 1 });
    expect(p.samples[JSON.stringify([h('b'), ''])]).toBe('empty external ID');
    expect(Object.keys(p.samples)).toContain('["raw@example.com","y"]');
    expect(p.rows.length).toBe(64);
  });

  it('treats a single-key schema as one column of a flat list', () => {
    const p = parsePayload({ schema: 'EMAIL_SHA256', data: [h('a'), 'bad'] });
    expect(p).toMatchObject({ multiKey: false, validRows: 1, invalid: 1 });
    // The entry as sent, as compact JSON: a flat list's entry is a JSON string.
    expect(Object.keys(p.samples)).toEqual(['"bad"']);
    expect(p.samples['"bad"']).toContain('SHA-256');
    const rows = parsePayload({ schema: 'EMAIL_SHA256', data: [['bad']] });
    expect(Object.keys(rows.samples)).toEqual(['["bad"]']);
    const externs = parsePayload({ schema: 'EXTERN_ID', data: ['', 7, 'crm-1'] });
    expect(externs.samples).toEqual({ '""': 'empty external ID' });
  });

  it('refuses what the whole request gets wrong', () => {
    expect(error(() => parsePayload(undefined)).message).toBe('(#100) Missing required parameter: payload');
    expect(error(() => parsePayload({ schema: ['NAME'], data: [['x']] })).message).toMatch(/^\(#100\) Raw PII type is invalid/);
    expect(error(() => parsePayload({ schema: ['EMAIL', 'FN'], data: [[h('a')]] })).message).toMatch(/^\(#100\) Data is missing or does not match schema:/);
    expect(error(() => parsePayload({ schema: 'EMAIL_SHA256', data: new Array(10_001).fill(h('a')) })).code).toBe(105);
    expect(error(() => parsePayload({ schema: 'PAGEUID', data: ['1'] })).message).toContain('page_ids');
  });

  it('requires app_ids for app-scoped ids in a single-key and in an array schema, and page_ids for PAGEUID', () => {
    for (const schema of ['UID', 'APPUID', ['APPUID'], ['EMAIL', 'APPUID']]) {
      const width = Array.isArray(schema) ? schema.length : 1;
      const row = width === 1 ? ['102938475610293'] : [[h('a'), '102938475610293']];
      expect(error(() => parsePayload({ schema, data: row })).message).toBe('(#100) The parameter payload.app_ids is required');
      expect(error(() => parsePayload({ schema, data: row, app_ids: [] })).message).toBe('(#100) The parameter payload.app_ids is required');
      expect(parsePayload({ schema, data: row, app_ids: ['1234567890123456'] }).validRows).toBe(1);
    }
    expect(error(() => parsePayload({ schema: ['PAGEUID'], data: [['1']] })).message).toBe('(#100) The parameter payload.page_ids is required');
  });

  it('takes app_ids and page_ids as lists of numeric ids only', () => {
    const uid = (app_ids: unknown) => () => parsePayload({ schema: ['APPUID'], data: [['102938475610293']], app_ids });
    for (const ok of [[1234567890123456], ['1234567890123456', 42], '1234567890123456,42', '[1234567890123456]', 1234567890123456]) {
      expect(uid(ok)().validRows).toBe(1);
    }
    for (const [bad, at] of [['abc', 0], [['abc'], 0], [[1234, 'x1'], 1], [[1.5], 0], [[-3], 0], [['0'], 0], [[{ id: 1 }], 0]] as const) {
      expect(error(uid(bad)).message).toBe(`(#100) Param payload[app_ids][${at}] must be an integer`);
    }
    expect(error(uid({ id: 1 })).message).toBe('(#100) Param payload[app_ids] must be an array of ids');
    // Checked whenever sent, as a typed parameter is, even when the schema does not need it.
    expect(error(() => parsePayload({ schema: ['EMAIL'], data: [[h('a')]], page_ids: ['me'] })).message).toBe('(#100) Param payload[page_ids][0] must be an integer');
    expect(parsePayload({ schema: ['EMAIL'], data: [[h('a')]], app_ids: [] }).validRows).toBe(1);
  });
});
