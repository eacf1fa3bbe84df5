import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../src/graph/errors/catalogue.js';
import { fieldsWithoutGetter } from '../../../src/users/user-fields.js';
import { userEdgeDefs } from '../../../src/users/user-edges.js';
import {
  PAGES,
  USER_EDGES,
  USER_FIELDS,
  USER_OPERATIONS,
  metadataSupported,
  pageFor,
  userEdgeAvailable,
  userFieldAvailable,
  userOperationAvailable,
} from '../../../src/users/version-table.js';

describe('which page governs a served version', () => {
  it.each([
    ['v10.0', 'v10.0'],
    ['v11.0', 'v20.0'],
    ['v19.0', 'v20.0'],
    ['v20.0', 'v20.0'],
    ['v21.0', 'v21.0'],
    ['v25.0', 'v21.0'],
  ])('%s follows the %s page', (version, page) => {
    expect(pageFor(version)).toBe(page);
  });
});

describe('field availability follows the pages', () => {
  it.each([
    ['interested_in', ['v10.0'], ['v11.0', 'v20.0', 'v21.0', 'v25.0']],
    ['religion', ['v10.0', 'v21.0', 'v25.0'], ['v11.0', 'v20.0']],
    ['id_for_avatars', ['v11.0', 'v20.0', 'v21.0', 'v25.0'], ['v10.0']],
    ['cover', ['v10.0'], ['v20.0', 'v21.0']],
    ['short_name', ['v10.0', 'v20.0', 'v25.0'], []],
  ])('%s exists on %j and not on %j', (field, on, off) => {
    for (const v of on) expect(userFieldAvailable(field, v), `${field} on ${v}`).toBe(true);
    for (const v of off) expect(userFieldAvailable(field, v), `${field} on ${v}`).toBe(false);
  });

  it('an unknown field exists on no version', () => {
    expect(userFieldAvailable('address', 'v21.0')).toBe(false);
  });
});

describe('edge availability follows the pages', () => {
  it.each([
    ['adaccounts', ['v10.0'], ['v11.0', 'v21.0']],
    ['live_encoders', ['v10.0'], ['v20.0', 'v21.0']],
    ['personal_ad_accounts', ['v10.0'], ['v20.0']],
    ['assigned_ad_accounts', ['v10.0'], ['v20.0']],
    ['assigned_applications', ['v11.0', 'v20.0', 'v21.0'], ['v10.0']],
    ['permissions', ['v10.0', 'v20.0', 'v25.0'], []],
  ])('%s exists on %j and not on %j', (edge, on, off) => {
    for (const v of on) expect(userEdgeAvailable(edge, v), `${edge} on ${v}`).toBe(true);
    for (const v of off) expect(userEdgeAvailable(edge, v), `${edge} on ${v}`).toBe(false);
  });

  it('the v10.0-only writes exist on v10.0 alone', () => {
    expect(userOperationAvailable('POST /{user_id}/game_items', 'v10.0')).toBe(true);
    expect(userOperationAvailable('POST /{user_id}/game_items', 'v11.0')).toBe(false);
    expect(userOperationAvailable('DELETE /{user_id}/businesses', 'v10.0')).toBe(true);
    expect(userOperationAvailable('DELETE /{user_id}/businesses', 'v21.0')).toBe(false);
  });
});

describe('the table is complete and consistent', () => {
  it('every field the table marks as data has a value getter', () => {
    expect(fieldsWithoutGetter()).toEqual([]);
  });

  it('every edge users/ owns has an item source', () => {
    const defs = userEdgeDefs();
    for (const row of USER_EDGES.filter((e) => e.owner === 'users')) expect(defs[row.name], row.name).toBeDefined();
  });

  it('every error code the pages list is in the error catalogue', () => {
    const codes = new Set(USER_OPERATIONS.flatMap((op) => Object.values(op.errors).flat()));
    for (const c of codes) expect(CATALOGUE[c as number], `code ${c}`).toBeDefined();
  });

  it('names are unique', () => {
    expect(new Set(USER_FIELDS.map((f) => f.name)).size).toBe(USER_FIELDS.length);
    expect(new Set(USER_EDGES.map((e) => e.name)).size).toBe(USER_EDGES.length);
  });

  it('every page the table names is a seed file (checked where the seeds are present)', () => {
    const dir = '/work/shared/seeds';
    for (const p of PAGES) {
      expect(p.seed).toMatch(/^\d{3}_[0-9a-f]{16}\.txt$/);
      if (fs.existsSync(dir)) expect(fs.existsSync(`${dir}/${p.seed}`), p.seed).toBe(true);
    }
  });

  it('metadata stops at v25.0', () => {
    expect(metadataSupported('v24.0')).toBe(true);
    expect(metadataSupported('v25.0')).toBe(false);
  });
});
