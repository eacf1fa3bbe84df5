/**
 * Starts `localgraph serve` as a child process, the way a user does, and reads its banner. Used by
 * the start-command, signal and durability tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'localgraph.mjs');

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything printed on stdout so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

export interface ServeOptions {
  /** Run through `npm start -- …` instead of `node bin/localgraph.mjs serve …`. */
  viaNpm?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Spawns the server and waits for `localgraph listening on http://…` and the rest of the banner. */
export function serve(args: string[], opts: ServeOptions = {}): Promise<ServeProcess> {
  const [cmd, argv] = opts.viaNpm ? ['npm', ['start', '--silent', '--', ...args]] : [process.execPath, [BIN, 'serve', ...args]];
  const child = spawn(cmd, argv, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so `npm start`'s whole tree can be signalled at once.
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup(child, 'SIGKILL');
      reject(new Error(`no banner within ${opts.timeoutMs ?? 30_000} ms; stdout:\n${out}\nstderr:\n${err}`));
    }, opts.timeoutMs ?? 30_000);
    const check = (): void => {
      const m = /localgraph listening on (http:\/\/[^\s]+)/.exec(out);
      // The banner is written in one piece; wait for its last line when a user token exists.
      if (m && /\n$/.test(out)) {
        clearTimeout(timer);
        resolve({ child, url: m[1], output: () => out, exited });
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${String(code)}) before listening; stdout:\n${out}\nstderr:\n${err}`));
    });
  });
}

/** Sends a signal to the child's whole process group (npm → sh → node). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
