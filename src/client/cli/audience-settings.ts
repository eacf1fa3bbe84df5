/**
 * The audience commands' flags and environment, checked and turned into
 * typed settings. Every problem is a UsageError (exit code 2).
 */
import { DEFAULT_BASE_URL, DEFAULT_VERSION } from '../graph/graph-client.js';
import type { InputFormat } from '../input/row-source.js';
import type { SlashDateOrder } from '../normalize/dates.js';
import { normalizeCountry } from '../normalize/rules.js';
import type { UploadOperation } from '../upload/transport.js';
import { MAX_BATCH_SIZE } from '../upload/uploader.js';

/** Options as commander hands them over (strings, booleans). */
export interface AudienceCommandOptions {
  readonly audience: string;
  readonly file: string;
  readonly format?: string | undefined;
  readonly delimiter?: string | undefined;
  readonly map?: string | undefined;
  readonly country?: string | undefined;
  readonly dateOrder?: string | undefined;
  readonly baseUrl?: string | undefined;
  readonly token?: string | undefined;
  readonly appSecret?: string | undefined;
  readonly version?: string | undefined;
  readonly graphVersion?: string | undefined;
  readonly resume?: boolean | undefined;
  readonly dryRun?: string | undefined;
  readonly concurrency?: string | undefined;
  readonly batchSize?: string | undefined;
  readonly progress?: boolean | undefined;
}

export class UsageError extends Error {}

export interface Settings {
  readonly operation: UploadOperation;
  readonly audienceId: string;
  readonly file: string;
  readonly format: InputFormat | undefined;
  readonly delimiter: string | undefined;
  readonly country: string | undefined;
  readonly dateOrder: SlashDateOrder;
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly appSecret: string | undefined;
  readonly version: string;
  readonly resume: boolean;
  readonly dryRun: string | undefined;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly progress: boolean;
}

export function readSettings(
  operation: UploadOperation,
  o: AudienceCommandOptions,
  env: Readonly<Record<string, string | undefined>>,
): Settings {
  if (!/^\d+$/.test(o.audience ?? '')) throw new UsageError(`--audience must be a numeric audience id (got "${o.audience ?? ''}")`);
  if (o.file === undefined || o.file === '') throw new UsageError('--file is required (use - for stdin)');
  const format = o.format === undefined ? undefined : o.format.toLowerCase();
  if (format !== undefined && format !== 'csv' && format !== 'jsonl') throw new UsageError('--format must be csv or jsonl');
  let country: string | undefined;
  if (o.country !== undefined) {
    const code = normalizeCountry(o.country);
    if (code === null) throw new UsageError(`--country: "${o.country}" is not a country (use an ISO code such as US or GB)`);
    country = code;
  }
  const dateOrder = (o.dateOrder ?? 'mdy').toLowerCase();
  if (dateOrder !== 'mdy' && dateOrder !== 'dmy') throw new UsageError('--date-order must be mdy or dmy');
  const token = o.token ?? env.LOCALGRAPH_TOKEN ?? env.FB_ACCESS_TOKEN;
  if (o.dryRun === undefined && (token === undefined || token === '')) {
    throw new UsageError('no access token: pass --token or set LOCALGRAPH_TOKEN (or FB_ACCESS_TOKEN)');
  }
  const version = o.graphVersion ?? o.version ?? DEFAULT_VERSION;
  if (!/^v\d+\.\d+$/.test(version)) throw new UsageError(`--version must look like v21.0 (got "${version}")`);
  const baseUrl = o.baseUrl ?? env.LOCALGRAPH_URL ?? DEFAULT_BASE_URL;
  if (!/^https?:\/\/[^/]/.test(baseUrl)) throw new UsageError(`--base-url must be an http(s) URL (got "${baseUrl}")`);
  return {
    operation,
    audienceId: o.audience,
    file: o.file,
    format: format as InputFormat | undefined,
    delimiter: o.delimiter === '\\t' || o.delimiter === 'tab' ? '\t' : o.delimiter,
    country,
    dateOrder,
    baseUrl,
    token,
    appSecret: o.appSecret ?? env.LOCALGRAPH_APP_SECRET ?? env.FB_APP_SECRET,
    version,
    resume: o.resume === true,
    dryRun: o.dryRun,
    concurrency: positiveInt(o.concurrency, 2, '--concurrency', 16),
    batchSize: positiveInt(o.batchSize, MAX_BATCH_SIZE, '--batch-size', MAX_BATCH_SIZE),
    progress: o.progress !== false,
  };
}

function positiveInt(text: string | undefined, fallback: number, flag: string, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}`);
  return n;
}

