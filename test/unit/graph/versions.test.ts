/** The version table: which version serves a call to a given path version at a given time. */
import { describe, expect, it } from 'vitest';
import { atLeast, DEFAULT_VERSIONS, VersionTable } from '../../../src/graph/versions.js';

describe('VersionTable', () => {
  const T0 = 1_800_000_000;

  it('lists v10.0 to v25.0 by default, oldest first', () => {
    const t = new VersionTable();
    expect(DEFAULT_VERSIONS).toHaveLength(16);
    expect(t.versions[0].name).toBe('v10.0');
    expect(t.latest.name).toBe('v25.0');
  });

  it('sorts a configured list and refuses a name that is not a version', () => {
    expect(new VersionTable(['v26.0', 'v9.0', 'v10.0']).versions.map((v) => v.name)).toEqual(['v9.0', 'v10.0', 'v26.0']);
    expect(() => new VersionTable(['21.0'])).toThrow(/not a Graph API version/);
  });

  it('serves a version as itself until its end, then with the oldest usable version', () => {
    const t = new VersionTable(DEFAULT_VERSIONS, { 'v10.0': T0, 'v11.0': T0 + 100 });
    expect(t.resolve('v10.0', T0 - 1)?.name).toBe('v10.0');
    expect(t.resolve('v10.0', T0)?.name).toBe('v11.0');
    expect(t.resolve('v10.0', T0 + 100)?.name).toBe('v12.0');
    expect(t.resolve('v11.0', T0 + 100)?.name).toBe('v12.0');
    expect(t.resolve('v2.8', T0 + 100)?.name).toBe('v12.0');
    expect(t.resolve('v21.0', T0 + 100)?.name).toBe('v21.0');
    expect(t.oldestAvailable(T0 + 100).name).toBe('v12.0');
  });

  it('knows nothing newer than its latest version, nor a malformed name', () => {
    const t = new VersionTable();
    expect(t.resolve('v26.0', T0)).toBeUndefined();
    expect(t.resolve('v21', T0)).toBeUndefined();
    expect(t.resolve('21.0', T0)).toBeUndefined();
  });

  it('compares versions for version-dependent behaviour', () => {
    const t = new VersionTable();
    expect(atLeast(t.get('v25.0')!, 25)).toBe(true);
    expect(atLeast(t.get('v24.0')!, 25)).toBe(false);
    expect(atLeast(t.get('v24.0')!, 23, 5)).toBe(true);
  });
});
