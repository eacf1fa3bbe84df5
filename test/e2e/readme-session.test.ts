/**
 * The README's curl session works when pasted: its ```sh block under "A short session" is run in
 * bash against a server with the demo fixture (the documented port swapped for the test's), and
 * each command's output matches the `# …` line under it (`…` standing for any text).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROOT } from './cli-process.js';

const run = promisify(execFile);

interface Step {
  command: string;
  expected: string[];
}

/** The session's setup lines and its commands, each with the `# ` lines that follow it. */
function session(): { setup: string[]; steps: Step[] } {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /## A short session[^\n]*\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no "A short session" ```sh block');
  const setup: string[] = [];
  const steps: Step[] = [];
  let current: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('# ')) {
      steps[steps.length - 1]?.expected.push(line.slice(2));
    } else if (line.trim() === '') {
      continue;
    } else {
      current.push(line);
      if (line.endsWith('\\')) continue;
      const command = current.join('\n');
      current = [];
      if (command.startsWith('curl')) steps.push({ command, expected: [] });
      else setup.push(command);
    }
  }
  return { setup, steps };
}

/** `…` in the README stands for any text; everything else must match exactly. */
function pattern(expected: string): RegExp {
  return new RegExp(`^${expected.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*')}$`);
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('README curl session', () => {
  const { setup, steps } = session();

  it('has commands, each with its expected answer', () => {
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const s of steps) expect(s.expected.length, s.command).toBeGreaterThan(0);
  });

  for (const step of steps) {
    it(`answers as documented: ${step.command.split('\n')[0].slice(0, 90)}`, async () => {
      const script = [...setup, step.command.replace(/http:\/\/127\.0\.0\.1:8080/g, server.url).replace(/^curl /, 'curl --silent --show-error ')].join('\n');
      const { stdout } = await run('bash', ['-c', script]);
      expect(stdout.trim()).toMatch(pattern(step.expected.join('\n')));
    });
  }
});
