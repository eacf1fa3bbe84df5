/**
 * `localgraph serve --proxy` as a person runs it: the banner says how to use the proxy, the CA
 * downloads, and curl reaches https://graph.facebook.com through it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { curl, DEMO, REPO_ROOT } from '../helpers.js';

let child: ChildProcess | undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localgraph-cli-proxy-'));

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

function startCli(args: string[]): Promise<{ url: string; banner: string }> {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'localgraph.mjs'), ...args], { cwd: tmp, env: { ...process.env, LOCALGRAPH_PROXY: '' } });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /localgraph listening on (http:\/\/\S+)/.exec(out);
      if (m && out.includes('try:')) {
        clearTimeout(timer);
        resolve({ url: m[1], banner: out });
      }
    });
    child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

describe('localgraph serve --proxy', () => {
  it('prints the proxy settings, serves its CA, and answers curl through the proxy', async () => {
    const { url, banner } = await startCli(['serve', '--proxy', '--port', '0', '--ephemeral']);
    expect(banner).toContain(`HTTPS_PROXY=${url}`);
    expect(banner).toContain(`${url}/_localgraph/ca.pem`);
    const caFile = path.join(tmp, 'localgraph-ca.pem');
    const got = await curl(['-sS', '-o', caFile, `${url}/_localgraph/ca.pem`]);
    expect(got.code).toBe(0);
    const r = await curl(['-sS', '--proxy', url, '--cacert', caFile, `https://graph.facebook.com/v21.0/me?fields=id&access_token=${DEMO.aliceToken}`]);
    expect(JSON.parse(r.stdout)).toEqual({ id: DEMO.aliceAsid });
  });
});
