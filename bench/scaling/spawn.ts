/**
 * Starts real `localgraph serve` processes (the same command an operator runs) for the
 * multi-process test and benchmark, and stops them by their own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'localgraph.mjs');

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** SIGTERM (graceful) and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies mid-work, as a crashed machine would. */
  kill(): Promise<void>;
}

export interface ServeOptions {
  databaseUrl?: string;
  /** SQLite data folder (without it and without a database URL: `--ephemeral`). */
  dataDir?: string;
  redisUrl?: string;
  /** Extra `serve` arguments. */
  args?: string[];
  env?: Record<string, string>;
  /** Longest wait for the process to listen. */
  timeoutMs?: number;
}

export function startServeProcess(opts: ServeOptions): Promise<ServeProcess> {
  const store = opts.databaseUrl ? ['--database', opts.databaseUrl] : opts.dataDir ? ['--data', opts.dataDir] : ['--ephemeral'];
  const args = [BIN, 'serve', '--port', '0', ...store];
  if (opts.redisUrl) args.push('--redis', opts.redisUrl);
  args.push(...(opts.args ?? []));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise<ServeProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`localgraph did not start within ${opts.timeoutMs ?? 30_000} ms:\n${out}`));
    }, opts.timeoutMs ?? 30_000);
    const onData = (): void => {
      const m = /LOCALGRAPH_URL=(\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({
        url: m[1],
        child,
        output: () => out,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          child.kill('SIGTERM');
          return exited;
        },
        async kill() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`localgraph exited with ${String(code)} before listening:\n${out}`));
    });
  });
}
