import { describe, expect, it } from 'vitest';
import { compilePathPattern } from '../../../src/faults/path-pattern.js';
import { DEFAULT_URL_LIMIT_BYTES, parseRule, seededRandom } from '../../../src/faults/rules.js';

describe('path patterns', () => {
  it('matches one segment with * and any depth with **', () => {
    const one = compilePathPattern('/*/users');
    expect(one('/238000000000001/users')).toBe(true);
    expect(one('/a/b/users')).toBe(false);
    const any = compilePathPattern('/act_*/**');
    expect(any('/act_1/customaudiences')).toBe(true);
    expect(any('/act_1/a/b')).toBe(true);
    expect(any('/me')).toBe(false);
  });

  it('ignores a version written in the pattern and accepts regular expressions', () => {
    expect(compilePathPattern('/v21.0/me')('/me')).toBe(true);
    expect(compilePathPattern('re:^/me(/.*)?$')('/me/permissions')).toBe(true);
  });
});

describe('fault rules', () => {
  it('reads shorthands: a bare code is an error fault, a profile is the URL limit', () => {
    expect(parseRule({ code: 4 }, 'r1', 0)).toMatchObject({ fault: 'error', error: { code: 4 } });
    expect(parseRule({ profile: 'real_url_limit' }, 'r2', 0)).toMatchObject({ fault: 'url_limit', max_bytes: DEFAULT_URL_LIMIT_BYTES, status: 400 });
    expect(parseRule({ latency_ms: 10 }, 'r3', 0)).toMatchObject({ fault: 'latency', latency_ms: 10 });
  });

  it('turns duration_seconds into a window starting now', () => {
    expect(parseRule({ fault: 'drop', duration_seconds: 60 }, 'r', 1000)).toMatchObject({ from: 1000, until: 1060 });
  });

  it('names what is wrong with a bad rule', () => {
    expect(() => parseRule({ fault: 'explode' }, 'r', 0)).toThrow(/fault must be one of/);
    expect(() => parseRule({ fault: 'error' }, 'r', 0)).toThrow(/error.code is required/);
    expect(() => parseRule({ code: 4, probability: 2 }, 'r', 0)).toThrow(/probability/);
    expect(() => parseRule({ code: 4, colour: 'red' }, 'r', 0)).toThrow(/unknown rule key "colour"/);
    expect(() => parseRule({ code: 4, method: 'PATCH' }, 'r', 0)).toThrow(/method/);
  });

  it('draws the same sequence for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
