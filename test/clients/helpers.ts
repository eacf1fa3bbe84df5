/**
 * Shared pieces of the real-client acceptance tests: a server (optionally in proxy mode), its CA
 * written to a file the way a user would save it, the journal, curl, and child Node processes for
 * clients that read their environment at launch (HTTPS_PROXY, NODE_EXTRA_CA_CERTS).
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO as DEMO_IDS, startTestServer, type TestServer } from '../helpers/server.js';
import type { ServerConfig } from '../../src/server/config.js';

export { DEMO } from '../helpers/server.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHILDREN_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'children');

export interface JournalEntry {
  seq: number;
  method: string;
  path: string;
  encodings: string[];
  params: Record<string, unknown>;
  status: number;
  errorCode?: number;
  errorSubcode?: number;
  batchOf?: string;
}

export interface ClientServer extends TestServer {
  /** Journal entries after `seq`, oldest first: what the client sent since a mark. */
  journalSince(seq: number): Promise<JournalEntry[]>;
  /** The newest journal sequence number (0 when empty): take it before a flow. */
  journalMark(): Promise<number>;
  /** The CA certificate saved to a temp file (proxy mode only). */
  caFile?: string;
  /** A scratch folder removed by `close()`. */
  tmpDir: string;
}

export async function startClientServer(overrides: Partial<ServerConfig> = {}): Promise<ClientServer> {
  const server = await startTestServer({ journalSize: 5000, ...overrides });
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'localgraph-clients-'));
  let caFile: string | undefined;
  if (overrides.proxy) {
    // Fetched over HTTP as a user would (`curl -o … /_localgraph/ca.pem`), not read from memory.
    const res = await fetch(`${server.url}/_localgraph/ca.pem`);
    caFile = path.join(tmpDir, 'localgraph-ca.pem');
    fs.writeFileSync(caFile, await res.text());
  }
  const journal = async (limit: number): Promise<JournalEntry[]> => {
    const r = await server.admin(`/_localgraph/journal?limit=${limit}`);
    return r.body.data as JournalEntry[];
  };
  const close = server.close.bind(server);
  return Object.assign(server, {
    caFile,
    tmpDir,
    async journalMark() {
      const last = await journal(1);
      return last[0]?.seq ?? 0;
    },
    async journalSince(seq: number) {
      return (await journal(5000)).filter((e) => e.seq > seq).reverse();
    },
    async close() {
      await close();
      fs.rmSync(tmpDir, { recursive: true, force: true });
    },
  });
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs curl with these arguments exactly (no shell), as a person would type them. */
export function curl(args: string[], timeoutMs = 20_000): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile('curl', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs `node <children/script>` with an environment set at launch, the way a user runs an app
 * behind a proxy. Proxy variables from the outer environment are cleared first so that only the
 * ones given apply (and NO_PROXY cannot send the client around the proxy). `nodeArgs` go before the
 * script, as on a user's command line (`node -r global-agent/bootstrap app.js`).
 */
export function runChild(script: string, env: Record<string, string>, args: string[] = [], timeoutMs = 30_000, nodeArgs: string[] = []): Promise<ProcessResult> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(https?_proxy|all_proxy|no_proxy|node_extra_ca_certs|node_tls_reject_unauthorized|node_options|global_agent_\w+)$/i.test(k)) continue;
    base[k] = v;
  }
  return new Promise((resolve) => {
    // TypeScript children run through tsx, as the sources do; plain .cjs children run as they are.
    const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const child = spawn(process.execPath, [...nodeArgs, ...loader, path.join(CHILDREN_DIR, script), ...args], { cwd: REPO_ROOT, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The last line of a child's stdout, parsed: children print one JSON report when done. */
export function childReport(r: ProcessResult): any { // any: each child reports its own shape
  const lines = r.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`child did not report JSON (exit ${r.code}).\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

/** `sha256(s)` as lowercase hex: member keys are sent hashed. */
export async function sha256(s: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(s).digest('hex');
}

/** Creates an audience with a plain form POST (test setup, not the client under test). */
export async function createAudienceDirect(server: TestServer, name: string, extra: Record<string, string> = {}): Promise<string> {
  const r = await server.call(`/v24.0/act_${DEMO_IDS.adAccountId}/customaudiences`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name, subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY', access_token: DEMO_IDS.aliceToken, ...extra }),
  });
  if (typeof r.body?.id !== 'string') throw new Error(`setup: could not create an audience: ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

/** The ad account's audience ids, in the order the edge lists them (test setup and oracle). */
export async function audienceIdsDirect(server: TestServer): Promise<string[]> {
  const r = await server.call(`/v24.0/act_${DEMO_IDS.adAccountId}/customaudiences?fields=id&limit=500&access_token=${DEMO_IDS.aliceToken}`);
  if (!Array.isArray(r.body?.data)) throw new Error(`setup: could not list audiences: ${JSON.stringify(r.body)}`);
  return (r.body.data as Array<{ id: string }>).map((a) => a.id);
}

/** At least `n` audiences on the demo ad account, so a listing has several pages. */
export async function ensureAudiences(server: TestServer, n: number): Promise<string[]> {
  let ids = await audienceIdsDirect(server);
  for (let i = ids.length; i < n; i++) await createAudienceDirect(server, `paging audience ${i}`);
  if (ids.length < n) ids = await audienceIdsDirect(server);
  return ids;
}
