/**
 * The error catalogue and docs/errors.md name the same codes with the same HTTP statuses, and every
 * factory in the catalogue builds an error the renderer can send.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as catalogue from '../../../src/graph/errors/catalogue.js';
import { CATALOGUE } from '../../../src/graph/errors/catalogue.js';
import { defaultStatus, GraphError } from '../../../src/graph/errors/graph-error.js';
import { errorResponse } from '../../../src/graph/response.js';

const DOC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'errors.md');

/** `| 190 | message | 400 | when |` rows of the table. */
function documented(): Map<number, number> {
  const rows = new Map<number, number>();
  for (const line of fs.readFileSync(DOC, 'utf8').split('\n')) {
    const m = /^\|\s*(\d+)\s*\|.*\|\s*(\d{3})\s*\|[^|]*\|\s*$/.exec(line);
    if (m) {
      expect(rows.has(Number(m[1])), `docs/errors.md lists code ${m[1]} twice`).toBe(false);
      rows.set(Number(m[1]), Number(m[2]));
    }
  }
  return rows;
}

describe('error catalogue against docs/errors.md', () => {
  it('documents every code of the catalogue, and no code the catalogue lacks', () => {
    const inCode = Object.keys(CATALOGUE).map(Number).sort((a, b) => a - b);
    const inDoc = [...documented().keys()].sort((a, b) => a - b);
    expect(inDoc.filter((c) => !inCode.includes(c)), 'in docs/errors.md but not in CATALOGUE').toEqual([]);
    expect(inCode.filter((c) => !inDoc.includes(c)), 'in CATALOGUE but not in docs/errors.md').toEqual([]);
  });

  it('holds every code the seeds’ error tables name', () => {
    // Collected from the "Error Codes" tables of ../shared/seeds/*.txt (User v10.0/v20.0/v21.0,
    // Custom Audience users v21.0/v25.0).
    const seedCodes = [100, 102, 104, 105, 190, 194, 200, 210, 230, 240, 294, 368, 452, 457, 458, 459, 483, 613, 2500, 2635, 2650, 2903, 2904, 3914, 3919, 80003, 80004, 80006];
    expect(seedCodes.filter((c) => CATALOGUE[c] === undefined)).toEqual([]);
  });

  it('documents the HTTP status the server sends by default for each code', () => {
    for (const [code, status] of documented()) expect(status, `code ${code}`).toBe(defaultStatus(code));
  });

  it('sends the spec’s observed statuses: 190/104/2500/100 → 400, 803 → 404, 200 and 4 → 403, 1 and 2 → 500', () => {
    expect([190, 104, 2500, 100].map(defaultStatus)).toEqual([400, 400, 400, 400]);
    expect(defaultStatus(803)).toBe(404);
    expect([200, 4].map(defaultStatus)).toEqual([403, 403]);
    expect([1, 2].map(defaultStatus)).toEqual([500, 500]);
  });
});

describe('error factories', () => {
  // Sample arguments for factories that take some; each must give a GraphError whose code is catalogued.
  const samples: unknown[][] = [[], [catalogue.invalidParameter('x'), { id: '1' }], ['x'], ['x', 'y'], [['x']], [100, 'x'], ['x', ['a', 'b']]];

  it('build GraphErrors with catalogued codes, rendered as the real envelope', () => {
    let checked = 0;
    for (const [name, value] of Object.entries(catalogue)) {
      if (typeof value !== 'function' || name === 'catalogueError') continue;
      let built: unknown;
      for (const args of samples) {
        try {
          built = (value as (...a: unknown[]) => unknown)(...args);
          if (built instanceof GraphError) break;
        } catch {
          // wrong sample arguments for this factory: try the next
        }
      }
      if (!(built instanceof GraphError)) continue;
      checked++;
      expect(CATALOGUE[built.code], `${name} answers code ${built.code}, which is not in CATALOGUE`).toBeDefined();
      const res = errorResponse(built, 'Atrace', 'v21.0', { pretty: false, suppress: false });
      const body = JSON.parse(res.body) as { error: Record<string, unknown> };
      expect(body.error.code).toBe(built.code);
      expect(body.error.fbtrace_id).toBe('Atrace');
      expect(typeof body.error.message).toBe('string');
      expect(res.headers['content-type']).toBe('application/json; charset=UTF-8');
      expect(res.status).toBe(built.status);
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('gives any catalogued code through catalogueError, transient where the real API marks it', () => {
    for (const code of Object.keys(CATALOGUE).map(Number)) {
      const e = catalogue.catalogueError(code);
      expect(e.code).toBe(code);
      expect(e.message.length).toBeGreaterThan(0);
    }
    expect(catalogue.catalogueError(4).isTransient).toBe(true);
    expect(catalogue.catalogueError(2).isTransient).toBe(true);
    expect(catalogue.catalogueError(190).isTransient).toBeUndefined();
  });
});
