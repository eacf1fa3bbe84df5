/**
 * The benchmark's server, in a process of its own so its memory (peak RSS) and CPU profile are
 * its own: `node --import tsx bench/audiences/server-child.ts <dataDir> <adminToken>`.
 * Prints one JSON line with its URL once it listens; SIGTERM closes it cleanly.
 */
import { startServer } from '../../src/server/start.js';

const [dataDir, adminToken, matchDelay] = process.argv.slice(2);
if (!dataDir || !adminToken) throw new Error('usage: server-child.ts <dataDir> <adminToken> [matchDelayMs]');
const server = await startServer({
  dataDir,
  port: 0,
  demo: false,
  adminToken,
  logRequests: false,
  ...(matchDelay ? { matchDelayMs: Number(matchDelay) } : {}),
});
process.stdout.write(JSON.stringify({ url: server.url, pid: process.pid }) + '\n');
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
