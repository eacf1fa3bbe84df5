import { formatTable, type BenchRow } from './table.js';

/**
 * `npm run bench`: every benchmark of the project, each with the baseline it is compared to
 * measured in the same run, printed as one table. Absolute times on shared machines are noisy;
 * the ratios are what we track.
 */
export type { BenchRow };

interface BenchModule {
  file: string;
  fn: string;
}

const BENCHES: BenchModule[] = [
  { file: './audiences/upload-bench.ts', fn: 'runAudienceBench' },
  { file: './client/normalize-bench.ts', fn: 'runClientBench' },
  { file: './client/e2e-upload-bench.ts', fn: 'runClientE2eBench' },
  { file: './scaling/multi-process-bench.ts', fn: 'runScalingBench' },
];


async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: Array<BenchRow & { group: string }> = [];
  for (const b of BENCHES) {
    if (only.length > 0 && !only.some((o) => b.file.includes(o))) continue;
    let mod: Record<string, unknown>;
    try {
      mod = (await import(b.file)) as Record<string, unknown>;
    } catch (e) {
      process.stderr.write(`skipping ${b.file}: ${(e as Error).message}\n`);
      continue;
    }
    const fn = mod[b.fn] as ((opts: Record<string, unknown>) => Promise<BenchRow[]>) | undefined;
    if (!fn) continue;
    process.stderr.write(`running ${b.file}…\n`);
    for (const r of await fn({})) rows.push({ ...r, group: b.file.replace(/^\.\//, '').replace(/\.ts$/, '') });
  }
  process.stdout.write(formatTable(rows, 'bench') + '\n');
}

await main();
