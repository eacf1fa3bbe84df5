/** One result row of a benchmark, and the one way `npm run bench` and each bench alone print them. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** A markdown table; `group` adds a first column (the bench a row came from). */
export function formatTable(rows: ReadonlyArray<BenchRow & { group?: string }>, groupHeading?: string): string {
  const head = [...(groupHeading ? [groupHeading] : []), 'measure', 'value', 'unit', 'note'];
  const body = rows.map((r) => [
    ...(groupHeading ? [r.group ?? ''] : []),
    r.name,
    r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2),
    r.unit,
    r.note ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}
