/** The JSONPath subset batch references use: `$.id`, `$.data[0].id`, `$.data.*.id`. */
import { describe, expect, it } from 'vitest';
import { jsonPath } from '../../../src/graph/batch.js';

const result = { id: '1', data: [{ id: 'a', tags: ['x'] }, { id: 'b' }], paging: { cursors: { after: 'QQ==' } } };

describe('jsonPath', () => {
  it('reads members, indexes and wildcards', () => {
    expect(jsonPath(result, '$.id')).toEqual(['1']);
    expect(jsonPath(result, '$.data[0].id')).toEqual(['a']);
    expect(jsonPath(result, '$.data.*.id')).toEqual(['a', 'b']);
    expect(jsonPath(result, '$.data[*].id')).toEqual(['a', 'b']);
    expect(jsonPath(result, '$.paging.cursors.after')).toEqual(['QQ==']);
  });

  it('gives nothing for a path that does not exist', () => {
    expect(jsonPath(result, '$.nope')).toEqual([]);
    expect(jsonPath(result, '$.data[5].id')).toEqual([]);
    expect(jsonPath(result, '$.id.deeper')).toEqual([]);
  });
});
