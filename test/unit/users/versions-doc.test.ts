import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { renderVersionsDoc } from '../../../src/users/version-doc.js';

const DOC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'versions.md');

it('docs/versions.md is the version table rendered (UPDATE_DOCS=1 regenerates it)', () => {
  const expected = renderVersionsDoc();
  if (process.env.UPDATE_DOCS === '1') fs.writeFileSync(DOC, expected);
  const actual = fs.existsSync(DOC) ? fs.readFileSync(DOC, 'utf8') : '';
  expect(actual, 'docs/versions.md is out of date: run UPDATE_DOCS=1 npx vitest run test/unit/users/versions-doc.test.ts').toBe(expected);
});
