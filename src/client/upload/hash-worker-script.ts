/**
 * The hashing worker's code as one JavaScript bundle, built once per process
 * with esbuild (which tsx, our TypeScript runner, already depends on).
 *
 * Why not start the worker on its TypeScript entry: a worker does not inherit
 * the parent's tsx loader on Node 20, so it had to register tsx itself, and
 * that costs each worker ≈ 0.45 CPU-s (tsx's hooks thread, its loader and the
 * transform cache) — ≈ 0.9 CPU-s per upload, ≈ 0.9 µs a row of a 1 M-row
 * file, more than a tenth of the client's whole cost. A bundled worker starts
 * in ≈ 40 ms and 70 CPU-ms, and the bundle is built in 0.01–0.1 s by
 * esbuild's own process (decision client-12).
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./hash-worker.ts', import.meta.url));

let script: Promise<string> | undefined;

/** Source (a script, its imports bundled) of hash-worker.ts and everything it imports, for `new Worker(source, { eval: true })`. */
export function hashWorkerScript(): Promise<string> {
  script ??= build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    // A function scope: an eval'd worker script runs at global scope, where `var crypto` would hit the global.
    format: 'iife',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).then(
    (result) => result.outputFiles[0]!.text,
    (error: unknown) => {
      script = undefined; // a later upload may try again
      throw error;
    },
  );
  return script;
}
