/** Messages between the uploader's main thread and its hashing workers. */
import type { SlashDateOrder } from '../normalize/dates.js';
import type { ColumnMapping } from '../normalize/row-normalizer.js';
import type { MappingTarget } from '../normalize/schema-keys.js';

export interface HashWorkerSettings {
  readonly mapping: readonly ColumnMapping[];
  readonly defaultCountry: string | undefined;
  readonly slashDateOrder: SlashDateOrder | undefined;
  readonly currentYear: number | undefined;
  readonly delimiter: string;
  /** The built native row hasher's path (native-row-hasher.ts), when there is one and it is not turned off. */
  readonly nativeRowHasher?: string | undefined;
}

/** Whole records, `buffer[0, length)`, transferred. */
export interface ChunkRequest {
  readonly index: number;
  readonly buffer: ArrayBuffer;
  readonly length: number;
  /** The end of the file: a last record without a newline is complete, an open quote an error. */
  readonly final: boolean;
  /** Buffers of earlier replies' rows that the main thread is done with, transferred back for the worker to write rows into (encoded-rows.ts). */
  readonly spares?: readonly ArrayBuffer[];
}

export interface ChunkReply {
  readonly index: number;
  /** Records parsed (blank lines are not records). */
  readonly records: number;
  /** The accepted rows, in record order, each as JSON (`["…","…"]`), joined by commas: UTF-8 bytes, transferred. */
  readonly rows: Uint8Array;
  /** Where each row starts in `rows` (bytes), and one entry more: the end of the last row plus one (a comma's width). */
  readonly offsets: Uint32Array;
  /** [position among the chunk's records, reason], in order. */
  readonly rejects: ReadonlyArray<readonly [number, string]>;
  /** Values sent as "" because they could not be normalised, per key, in this chunk. */
  readonly invalid: Partial<Record<MappingTarget, number>>;
  /** A CSV syntax error at the end of the input (the final chunk only). */
  readonly error?: string;
  /** The request's `buffer`, transferred back for the main thread to read the next chunk into. */
  readonly input: ArrayBuffer;
  /** Whether `rows` is written in a spare the main thread gave back rather than in a new buffer. */
  readonly reused: boolean;
}
