/**
 * Renders `docs/versions.md` from the version table, so the document cannot say something the
 * code does not do. `test/unit/users/versions-doc.test.ts` fails when the file is out of date;
 * `UPDATE_DOCS=1 npx vitest run test/unit/users/versions-doc.test.ts` rewrites it.
 */
import {
  METADATA_LAST_VERSION,
  PAGES,
  USER_EDGES,
  USER_FIELDS,
  USER_OPERATIONS,
  fieldTypeOn,
  type FieldRow,
  type PageName,
} from './version-table.js';

const PAGE_NAMES: readonly PageName[] = PAGES.map((p) => p.page);

function governs(i: number): string {
  const from = PAGES[i].from === 'v1.0' ? 'v10.0' : PAGES[i].from;
  const next = PAGES[i + 1];
  if (!next) return `${from} – v25.0 (and later)`;
  const m = /^v(\d+)\.0$/.exec(next.from);
  const until = m ? `v${Number(m[1]) - 1}.0` : next.from;
  return from === until ? from : `${from} – ${until}`;
}

const mark = (on: boolean): string => (on ? '✓' : '—');

function access(row: FieldRow): string {
  if (row.access === 'public') return 'public_profile';
  if (row.access === 'self') return 'self / app';
  return row.access.permission;
}

function behaviour(row: FieldRow): string {
  if (row.behaviour === 'no-data') return 'accepted, returns nothing';
  if (row.behaviour === 'deprecated-12') return '(#12) deprecated for v3.0+';
  return 'value';
}

function fieldType(row: FieldRow): string {
  const types = new Set(PAGE_NAMES.filter((p) => row.pages.includes(p)).map((p) => fieldTypeOn(row, p)));
  if (types.size <= 1) return [...types][0] ?? '';
  return PAGE_NAMES.filter((p) => row.pages.includes(p))
    .map((p) => `${fieldTypeOn(row, p)} (${p})`)
    .join(', ');
}

export function renderVersionsDoc(): string {
  const out: string[] = [];
  out.push('# The User node by version');
  out.push('');
  out.push('<!-- Generated from src/users/version-table.ts by src/users/version-doc.ts; do not edit by hand.');
  out.push('     Regenerate: UPDATE_DOCS=1 npx vitest run test/unit/users/versions-doc.test.ts -->');
  out.push('');
  out.push('Three reference pages of the seeds describe the User node; each is the truth for its own version and');
  out.push('for the served versions between it and the previous page. Every row below is one row of the version');
  out.push('table in the code: handlers ask the table, never compare versions themselves.');
  out.push('');
  out.push('| page | seed | governs served versions | page chrome |');
  out.push('| --- | --- | --- | --- |');
  PAGES.forEach((p, i) => out.push(`| ${p.page} | \`${p.seed}\` | ${governs(i)} | ${p.language} |`));
  out.push('');
  out.push('## Fields');
  out.push('');
  out.push('A field a version\'s page does not list answers `(#100) Tried accessing nonexisting field (…) on node type (User)`');
  out.push('on that version. "public_profile" fields are visible to any token that can see the node; "self / app" fields');
  out.push('to the person\'s own token and the app\'s token only; a permission name means self or app *and* granted.');
  out.push('A field the token may not read is left out, with a `__debug__` warning when `debug` is set.');
  out.push('');
  out.push(`| field | ${PAGE_NAMES.join(' | ')} | type | needs | behaviour | note |`);
  out.push(`| --- | ${PAGE_NAMES.map(() => ':-:').join(' | ')} | --- | --- | --- | --- |`);
  for (const row of USER_FIELDS) {
    const note = [row.marker, row.note].filter(Boolean).join('; ');
    out.push(`| \`${row.name}\` | ${PAGE_NAMES.map((p) => mark(row.pages.includes(p))).join(' | ')} | ${fieldType(row)} | ${access(row)} | ${behaviour(row)} | ${note} |`);
  }
  out.push('');
  out.push('## Edges');
  out.push('');
  out.push('An edge a version\'s page does not list answers `Unknown path components: /…` (2500) as a path, and');
  out.push('`(#100) Tried accessing nonexisting field` inside `fields`. "Without permission" is what the edge answers');
  out.push('when the token lacks every listed permission (or belongs to someone else).');
  out.push('');
  out.push(`| edge | ${PAGE_NAMES.join(' | ')} | items | needs one of | without permission | served by | note |`);
  out.push(`| --- | ${PAGE_NAMES.map(() => ':-:').join(' | ')} | --- | --- | --- | --- | --- |`);
  for (const row of USER_EDGES) {
    const missing = row.onMissing === 'empty' ? 'empty `data` + `__debug__` warning' : `(#${row.onMissing.slice(6)})`;
    const note = [row.marker, row.note].filter(Boolean).join('; ');
    out.push(
      `| \`${row.name}\` | ${PAGE_NAMES.map((p) => mark(row.pages.includes(p))).join(' | ')} | ${row.itemType} | ${row.permissions.join(', ') || '—'} | ${missing} | ${row.owner}/ | ${note} |`,
    );
  }
  out.push('');
  out.push('## Operations and their error codes');
  out.push('');
  out.push('The error codes each page lists for an operation, in the page\'s order (— = the page does not document the');
  out.push('operation, which then answers as an unknown path or an unsupported request on that version).');
  out.push('');
  out.push(`| operation | ${PAGE_NAMES.join(' | ')} | parameters | returns | served by |`);
  out.push(`| --- | ${PAGE_NAMES.map(() => '---').join(' | ')} | --- | --- | --- |`);
  for (const op of USER_OPERATIONS) {
    const codes = PAGE_NAMES.map((p) => (op.pages.includes(p) ? (op.errors[p] ?? []).join(', ') : '—'));
    const params = op.params.map((p) => `\`${p.name}\`${p.enum ? ` {${p.enum.join(', ')}}` : ` ${p.type}`}${p.required ? ' (required)' : ''}`).join('<br>') || '—';
    out.push(`| \`${op.id}\` | ${codes.join(' | ')} | ${params} | ${op.returns} | ${op.owner}/ |`);
  }
  out.push('');
  out.push('## Protocol features that change with the version');
  out.push('');
  out.push(`- \`metadata=1\` returns \`metadata\` (the version's fields, with the page's descriptions and types, and its edges)`);
  out.push(`  up to ${METADATA_LAST_VERSION}; from v25.0 the parameter is ignored ("no longer returns metadata").`);
  out.push('');
  return out.join('\n');
}
