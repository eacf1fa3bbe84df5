/**
 * The `localgraph` command: `serve` runs the server; `audience …` uploads customer files.
 */
import { Command, Option } from 'commander';
import { startServer } from '../server/start.js';
import { banner } from './banner.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('localgraph').description('A faithful, self-hostable Graph API: the User node and Custom Audience membership.');
  program
    .command('serve')
    .description('start the server (SQLite in ./data by default, loaded with the demo fixture)')
    .option('--port <n>', 'port (0 picks a free one)', (v) => Number(v), Number(process.env.PORT ?? 8080))
    .option('--host <h>', 'address to listen on', process.env.HOST ?? '127.0.0.1')
    .option('--data <dir>', 'SQLite data folder', process.env.LOCALGRAPH_DATA ?? 'data')
    .option('--fixture <file>', 'load this fixture (replacing the stored state) at start')
    .option('--ephemeral', 'keep everything in memory')
    .option('--no-demo', 'do not load the demo fixture into an empty store')
    .option('--database <url>', 'PostgreSQL URL (or DATABASE_URL)')
    .option('--redis <url>', 'Redis URL for shared rate-limit counters (or REDIS_URL)')
    .option('--match-delay <ms>', 'delay before matching results show', (v) => Number(v), 1000)
    .option('--public-url <url>', 'base URL for paging links when behind a proxy')
    .addOption(new Option('--no-rate-limits', 'turn rate limits off'))
    .option('--proxy', 'also act as an HTTPS forward proxy for the Graph API hosts (CONNECT graph.facebook.com:443; CA at /_localgraph/ca.pem)')
    .option('--proxy-ca-dir <dir>', 'where the proxy CA is kept (default: <data>/proxy-ca; memory with --ephemeral)')
    .option('--log', 'log requests')
    .action(async (o: Record<string, unknown>) => {
      const server = await startServer({
        port: o.port as number,
        host: o.host as string,
        dataDir: o.ephemeral ? null : (o.data as string),
        ephemeral: Boolean(o.ephemeral),
        fixture: o.fixture as string | undefined,
        demo: o.demo !== false,
        databaseUrl: (o.database as string | undefined) ?? process.env.DATABASE_URL,
        redisUrl: (o.redis as string | undefined) ?? process.env.REDIS_URL,
        matchDelayMs: o.matchDelay as number,
        publicUrl: o.publicUrl as string | undefined,
        rateLimits: o.rateLimits !== false,
        logRequests: Boolean(o.log),
        // Only when given: LOCALGRAPH_PROXY=1 in the environment turns it on too.
        ...(o.proxy ? { proxy: true } : {}),
        proxyCaDir: o.proxyCaDir as string | undefined,
      });
      process.stdout.write((await banner(server)) + '\n');
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`localgraph: ${signal}, stopping\n`);
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
  try {
    // A variable specifier: the uploader is written beside the server and may be absent in a build.
    const uploaderModule = '../client/cli/audience.js';
    const { registerAudienceCommands } = (await import(uploaderModule)) as { registerAudienceCommands: (p: Command) => void };
    registerAudienceCommands(program);
  } catch (e) {
    // The uploader is optional at start-up; `serve` must work without it.
    if ((e as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw e;
  }
  await program.parseAsync(argv);
}
