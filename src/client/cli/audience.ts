/**
 * `localgraph audience upload|remove|replace`: read customers from a CSV or
 * JSON-lines file (or stdin), normalise and hash them here, and send them to
 * a custom audience in 10,000-row batches of one session.
 *
 * The main CLI registers these commands with `registerAudienceCommands(program)`
 * (and should call `program.enablePositionalOptions()` if it defines its own
 * `--version`, so that `audience upload --version v21.0` reaches this command);
 * `runAudienceCommand` is the same thing without commander or process globals,
 * for tests and embedding.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { Command } from 'commander';
import { GraphClient, DEFAULT_BASE_URL, DEFAULT_VERSION } from '../graph/graph-client.js';
import { GraphApiError } from '../graph/graph-api-error.js';
import { guessMapping, mapColumnNames, MappingError, parseMapping } from '../input/column-mapping.js';
import type { ResolvedMapping } from '../input/column-mapping.js';
import { countLines } from '../input/count-rows.js';
import { formatFromPath, openRowSource } from '../input/row-source.js';
import type { InputFormat } from '../input/row-source.js';
import { dryRunTransport, graphTransport } from '../upload/transport.js';
import type { AudienceTransport, UploadOperation } from '../upload/transport.js';
import { fileStateStore, stateFilePath } from '../upload/upload-state.js';
import type { UploadStateStore } from '../upload/upload-state.js';
import { MAX_BATCH_SIZE, SessionEndedError, UploadFailedError, uploadRows } from '../upload/uploader.js';
import type { UploadResult } from '../upload/uploader.js';
import { readSettings, UsageError } from './audience-settings.js';
import type { AudienceCommandOptions, Settings } from './audience-settings.js';
import { explainError } from './explain-error.js';
import { createProgressReporter, formatDuration } from './progress-reporter.js';
import type { OutputStream } from './progress-reporter.js';
import { formatAudienceStatus, formatSummary } from './upload-summary.js';

export type { AudienceCommandOptions } from './audience-settings.js';

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin?: NodeJS.ReadableStream | undefined;
  readonly fetch?: typeof fetch | undefined;
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Stop cleanly on Ctrl-C (the real CLI); tests leave it off. */
  readonly handleSignals?: boolean | undefined;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const COMMANDS: readonly { name: string; operation: UploadOperation; description: string }[] = [
  { name: 'upload', operation: 'add', description: 'add people to a customer-file custom audience (POST /{audience_id}/users)' },
  { name: 'remove', operation: 'remove', description: 'remove people from a custom audience (DELETE /{audience_id}/users)' },
  {
    name: 'replace',
    operation: 'replace',
    description: 'replace all members of a custom audience with the file (POST /{audience_id}/usersreplace)',
  },
];

export function registerAudienceCommands(program: Command): void {
  const audience = program
    .command('audience')
    .description('send customer lists to a custom audience, normalised and hashed on this machine');
  for (const { name, operation, description } of COMMANDS) {
    audience
      .command(name)
      .description(description)
      .requiredOption('--audience <id>', 'custom audience id')
      .requiredOption('--file <path>', 'CSV or JSON-lines file, or - for stdin')
      .option('--format <format>', 'csv or jsonl (default: from the file extension, or sniffed)')
      .option('--delimiter <char>', 'CSV delimiter (default: sniffed from the header)')
      .option('--map <mapping>', 'column=KEY pairs, e.g. email=EMAIL,phone=PHONE,first=FN (default: guessed from headers)')
      .option('--country <code>', 'default country (ISO alpha-2 or name) for phones, zips and states without one')
      .option('--date-order <order>', 'how to read NN/NN/YYYY dates: mdy (default, US) or dmy')
      .option('--base-url <url>', `Graph API base URL (default: LOCALGRAPH_URL or ${DEFAULT_BASE_URL})`)
      .option('--token <token>', 'access token (default: LOCALGRAPH_TOKEN or FB_ACCESS_TOKEN)')
      .option('--app-secret <secret>', 'app secret, to send appsecret_proof (default: LOCALGRAPH_APP_SECRET or FB_APP_SECRET)')
      .option('--version <version>', `Graph API version (default ${DEFAULT_VERSION})`)
      // A root program with .version() claims --version anywhere on the line unless it calls
      // enablePositionalOptions(); this alias always works.
      .option('--graph-version <version>', 'same as --version')
      .option('--resume', 'continue the interrupted upload recorded next to the file')
      .option('--dry-run <out>', 'write the hashed request bodies (JSON lines) to <out> instead of sending them')
      .option('--concurrency <n>', 'batches in flight at once (default 2)')
      .option('--batch-size <n>', `rows per request (default and maximum ${MAX_BATCH_SIZE})`)
      .option('--no-progress', 'no progress bar or progress lines')
      .action(async (options: AudienceCommandOptions) => {
        process.exitCode = await runAudienceCommand(operation, options, {
          stdout: process.stdout,
          stderr: process.stderr,
          env: process.env,
          stdin: process.stdin,
          handleSignals: true,
        });
      });
  }
}

/** Runs one command; returns the exit code. Never prints a customer value. */
export async function runAudienceCommand(
  operation: UploadOperation,
  options: AudienceCommandOptions,
  io: CliIo,
): Promise<number> {
  const err = (line: string): void => void io.stderr.write(`${line}\n`);
  let settings: Settings;
  try {
    settings = readSettings(operation, options, io.env);
  } catch (error) {
    err(`localgraph audience: ${(error as Error).message}`);
    return EXIT_USAGE;
  }
  const context = { baseUrl: settings.baseUrl, audienceId: settings.audienceId, version: settings.version };
  const abort = new AbortController();
  const onSignal = (): void => {
    err('interrupted: finishing the batches in flight, then stopping (run again with --resume to continue)');
    abort.abort();
  };
  if (io.handleSignals === true) process.once('SIGINT', onSignal);
  let dryRunOut: ReturnType<typeof createWriteStream> | undefined;
  try {
    const source = await openRowSource(settings.file, {
      format: settings.format,
      delimiter: settings.delimiter,
      stdin: io.stdin,
      // JSON lines: a key --map names is read even if it first appears after the look-ahead.
      jsonKeys: options.map !== undefined ? mapColumnNames(options.map) : undefined,
    });
    const resolved = options.map !== undefined ? parseMapping(options.map, source.columns) : guessMapping(source.columns);
    describeMapping(resolved, settings, err);
    const later = source.jsonKeys?.namedLater.filter((k) => resolved.mapping.some((m) => m.column === k)) ?? [];
    if (later.length > 0) {
      err(`note: ${later.map((k) => `"${k}"`).join(', ')} ${later.length === 1 ? 'is' : 'are'} in none of the first ${source.jsonKeys!.lookaheadLines} lines; read from the lines that have ${later.length === 1 ? 'it' : 'them'}`);
    }
    const total = settings.file === '-' ? undefined : await estimateRows(settings.file, source.columns.length > 0, settings.format);
    const stateStore = settings.file === '-' || settings.dryRun !== undefined ? undefined : fileStateStore(stateFilePath(settings.file));
    if (settings.resume && stateStore === undefined) throw new UsageError('--resume needs a file (not stdin) and no --dry-run');
    await checkResumeState(stateStore, settings, err);
    const fingerprint = settings.file === '-' ? '' : await fingerprintOf(settings, resolved);

    let transport: AudienceTransport;
    let client: GraphClient | undefined;
    if (settings.dryRun !== undefined) {
      const out = (dryRunOut = createWriteStream(settings.dryRun, { encoding: 'utf8' }));
      transport = dryRunTransport(async (line) => {
        if (!out.write(`${line}\n`)) await once(out, 'drain');
      });
    } else {
      client = new GraphClient({
        baseUrl: settings.baseUrl,
        version: settings.version,
        accessToken: settings.token,
        appSecret: settings.appSecret,
        retry: false, // the uploader retries, keeping batch_seq
        ...(io.fetch !== undefined && { fetch: io.fetch }),
      });
      transport = graphTransport(client);
    }

    const reporter = settings.progress ? createProgressReporter({ stream: io.stdout, total }) : undefined;
    // A line for the person running the upload: above the progress bar when there is one.
    const say = (line: string): void => (reporter !== undefined ? reporter.note(line) : err(line));
    let result: UploadResult;
    try {
      result = await uploadRows(source, {
        operation,
        audienceId: settings.audienceId,
        transport,
        mapping: resolved.mapping,
        defaultCountry: settings.country,
        slashDateOrder: settings.dateOrder,
        batchSize: settings.batchSize,
        concurrency: settings.concurrency,
        estimatedTotal: total,
        stateStore,
        resume: settings.resume,
        fingerprint,
        signal: abort.signal,
        ...(io.sleep !== undefined && { sleep: io.sleep }),
        onProgress: (p) => reporter?.update(p),
        onNotice: (message) => say(`note: ${message}`),
        onRetry: (e) => {
          const why = e.error.kind === 'graph' ? `code ${e.error.code}` : e.error.kind === 'network' ? 'network error' : `HTTP ${e.error.status}`;
          const wait = e.throttled ? `rate limited; every batch waits ${formatDuration(e.delayMs / 1000)}` : `retrying in ${formatDuration(e.delayMs / 1000)}`;
          say(`batch ${e.batchSeq}: attempt ${e.attempt} failed (${why}); ${wait}`);
        },
      });
    } finally {
      reporter?.stop();
    }
    io.stdout.write(`${formatSummary(result, { dryRun: settings.dryRun !== undefined, failed: false })}\n`);
    if (client !== undefined && !result.alreadyCompleted) await reportAudience(client, settings.audienceId, io, err);
    if (result.rowsSent === 0 && !result.alreadyCompleted && result.rowsSkipped === 0) {
      err('nothing was sent: no row had a usable value. Check --map (or the column names) and the rejected-row reasons above.');
      return EXIT_FAILED;
    }
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UploadFailedError) {
      io.stdout.write(`${formatSummary(error.result, { dryRun: settings.dryRun !== undefined, failed: true })}\n`);
      err(`localgraph audience ${commandName(operation)}: ${explainError(error.cause, context)}`);
      // A replace whose session ended cannot be resumed; the error says to start it again.
      const resumable = !(error.cause instanceof SessionEndedError && operation === 'replace');
      if (resumable && error.result.batchesSent > 0 && settings.dryRun === undefined && settings.file !== '-') {
        const how = error.cause instanceof SessionEndedError ? 'add --resume to send the rest in a new session' : 'add --resume to continue from there';
        err(`${error.result.batchesSent} batch(es) were acknowledged and recorded in ${stateFilePath(settings.file)}; ${how}.`);
      }
      return EXIT_FAILED;
    }
    // Wrong flags or mapping: exit 2, like commander's own usage errors. Bad input files, refused resumes and API failures: 1.
    const usage = error instanceof UsageError || error instanceof MappingError;
    const fsError = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `cannot read ${settings.file}: no such file` : undefined;
    err(`localgraph audience ${commandName(operation)}: ${fsError ?? explainError(error, context)}`);
    return usage ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    if (io.handleSignals === true) process.removeListener('SIGINT', onSignal);
    if (dryRunOut !== undefined) {
      dryRunOut.end();
      await once(dryRunOut, 'close');
    }
  }
}

function commandName(operation: UploadOperation): string {
  return COMMANDS.find((c) => c.operation === operation)?.name ?? operation;
}

function describeMapping(resolved: ResolvedMapping, settings: Settings, err: (line: string) => void): void {
  const used = resolved.mapping.map((m) => `${m.column}→${m.target}`).join(', ');
  err(`columns: ${used}${resolved.ignoredColumns.length > 0 ? `; ignored: ${resolved.ignoredColumns.join(', ')}` : ''}`);
  const hasPhone = resolved.mapping.some((m) => m.target === 'PHONE');
  const hasCountry = resolved.mapping.some((m) => m.target === 'COUNTRY');
  if (hasPhone && !hasCountry && settings.country === undefined) {
    err('note: no --country and no country column, so phone numbers are assumed to include their country code');
  }
}

async function estimateRows(file: string, hasHeader: boolean, format: InputFormat | undefined): Promise<number> {
  const lines = await countLines(file);
  const isCsv = (format ?? formatFromPath(file)) === 'csv';
  return Math.max(0, lines - (isCsv && hasHeader ? 1 : 0));
}

/** Identity of the input and of every option that changes batch contents. */
async function fingerprintOf(settings: Settings, resolved: ResolvedMapping): Promise<string> {
  const info = await stat(settings.file);
  const identity = {
    size: info.size,
    mtimeMs: Math.round(info.mtimeMs),
    mapping: resolved.mapping.map((m) => [m.index, m.target]),
    country: settings.country ?? null,
    dateOrder: settings.dateOrder,
    format: settings.format ?? null,
    delimiter: settings.delimiter ?? null,
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

async function checkResumeState(store: UploadStateStore | undefined, settings: Settings, err: (line: string) => void): Promise<void> {
  if (store === undefined) return;
  const previous = await store.load();
  if (settings.resume && previous === undefined) {
    throw new UsageError(`--resume: no interrupted upload is recorded for this file (${stateFilePath(settings.file)} does not exist)`);
  }
  if (!settings.resume && previous !== undefined && !previous.completed) {
    err(
      `note: ${stateFilePath(settings.file)} records an unfinished upload (session ${previous.sessionId}); ` +
        'starting a new session instead. Use --resume to continue the old one.',
    );
  }
}

async function reportAudience(client: GraphClient, audienceId: string, io: CliIo, err: (line: string) => void): Promise<void> {
  try {
    const audience = await client.getCustomAudience(audienceId, [
      'approximate_count_lower_bound',
      'approximate_count_upper_bound',
      'operation_status',
    ]);
    io.stdout.write(`${formatAudienceStatus(audience)}\n`);
  } catch (error) {
    const reason = error instanceof GraphApiError ? error.message : String(error);
    err(`note: the upload finished but the audience's status could not be read: ${reason}`);
  }
}
