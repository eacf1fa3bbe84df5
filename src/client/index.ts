/**
 * localgraph/client: a Graph API client, Meta's customer-file normalisation
 * and hashing, and the custom-audience uploader. Importable on its own; it
 * depends on nothing outside src/client.
 */
export { GraphClient, DEFAULT_BASE_URL, DEFAULT_VERSION, actId } from './graph/graph-client.js';
export type { GraphClientOptions, GraphResponse, RequestOptions } from './graph/graph-client.js';
export { GraphApiError } from './graph/graph-api-error.js';
export { JsonRows, RawJson } from './graph/request-encoding.js';
export type { GraphErrorEnvelope, GraphErrorKind } from './graph/graph-api-error.js';
export { appSecretProof } from './graph/appsecret-proof.js';
export { parseUsageHeaders, regainAccessMinutes } from './graph/usage-headers.js';
export type { AdAccountUsage, AppUsage, BusinessUseCaseUsage, UsageHeaders } from './graph/usage-headers.js';
export { DEFAULT_RETRY, isRetryable, isThrottle, retryDelay, withRetry } from './graph/retry-policy.js';
export type { RetryEvent, RetryOptions, RetryRuntime } from './graph/retry-policy.js';
export { MAX_BATCH_OPERATIONS } from './graph/batch.js';
export type { BatchOperation, BatchResult } from './graph/batch.js';
export type * from './graph/wire-types.js';

export * from './normalize/rules.js';
export { parseBirthDate, normalizeBirthDay, normalizeBirthMonth, normalizeBirthYear } from './normalize/dates.js';
export type { BirthDateParts, SlashDateOrder } from './normalize/dates.js';
export { isSha256Hex, sha256Hex } from './normalize/hash.js';
export { RowNormalizer, isRejection, keysOf } from './normalize/row-normalizer.js';
export type { ColumnMapping, RowNormalizerOptions, RowOutcome, RowRejection } from './normalize/row-normalizer.js';
export { SCHEMA_ORDER, UNHASHED_KEYS, isMappingTarget } from './normalize/schema-keys.js';
export type { MappingTarget, SchemaKey } from './normalize/schema-keys.js';
export { CALLING_CODES } from './normalize/calling-codes.js';
export { COUNTRY_ALIASES, ISO_ALPHA2 } from './normalize/countries.js';
export { US_STATE_CODES } from './normalize/us-states.js';

export { guessMapping, mapColumnNames, parseMapping, MappingError } from './input/column-mapping.js';
export type { ResolvedMapping } from './input/column-mapping.js';
export { CsvParser, CsvSyntaxError } from './input/csv-parser.js';
export { openRowSource, openTextSource, rowSourceFromArrays, InputError, JSONL_LOOKAHEAD_LINES, JSONL_LOOKAHEAD_CHARS } from './input/row-source.js';
export type { InputFormat, JsonKeyReport, RowSource, SourceRow, TextSourceOptions, UnusedKey } from './input/row-source.js';

export {
  uploadRows, UploadFailedError, ResumeRefusedError, SessionEndedError, MAX_BATCH_SIZE, SESSION_WINDOW_MS, SESSION_RESUME_LIMIT_MS,
} from './upload/uploader.js';
export type { RowProblem, SessionChange, UploadOptions, UploadProgress, UploadResult, UploadRetryEvent } from './upload/uploader.js';
export { graphTransport, dryRunTransport } from './upload/transport.js';
export type { AudienceBatchRequest, AudienceTransport, UploadOperation } from './upload/transport.js';
export { fileStateStore, memoryStateStore, stateFilePath } from './upload/upload-state.js';
export type { UploadState, UploadStateStore } from './upload/upload-state.js';
export { randomSessionId } from './upload/session-id.js';

export { registerAudienceCommands, runAudienceCommand } from './cli/audience.js';
export type { AudienceCommandOptions, CliIo } from './cli/audience.js';
