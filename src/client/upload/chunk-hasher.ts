/**
 * What a hashing worker does with one chunk of whole CSV records (see
 * hashed-chunks.ts): parse, normalise and hash with the very code the
 * in-thread path uses, and answer with the accepted rows as the JSON a request
 * body carries, the rejected records' positions and reasons, and the invalid
 * values counted.
 *
 * Each record is normalised and written out as soon as the parser cuts it, so
 * nothing of a row outlives it: holding a chunk's records and then its hashed
 * rows in arrays until the chunk was done kept ~1 MB alive across each young
 * collection, and GC was a quarter of the workers' time (decision client-11).
 */
import { CsvParser } from '../input/csv-parser.js';
import type { MarkedRecordSink } from '../input/csv-parser.js';
import { isRejection, RowNormalizer } from '../normalize/row-normalizer.js';
import { UNHASHED_KEYS } from '../normalize/schema-keys.js';
import type { MappingTarget } from '../normalize/schema-keys.js';
import type { ChunkReply, ChunkRequest, HashWorkerSettings } from './hash-worker-protocol.js';
import { NativeRowHasher } from './native-row-hasher.js';
import type { RowTarget } from './native-row-hasher.js';

export class ChunkHasher {
  readonly #normalizer: RowNormalizer;
  readonly #delimiter: string;
  readonly #writer: RowWriter;
  /** The native row hasher, when it is built, not turned off, and knows every key of the mapping. */
  readonly #native: NativeRowHasher | undefined;

  constructor(settings: HashWorkerSettings) {
    this.#delimiter = settings.delimiter;
    this.#normalizer = new RowNormalizer({
      mapping: settings.mapping,
      defaultCountry: settings.defaultCountry,
      slashDateOrder: settings.slashDateOrder,
      currentYear: settings.currentYear,
    });
    // Every value a digest or "" (no EXTERN_ID, no MADID): rows are ASCII that needs no escaping.
    this.#writer = new RowWriter(!this.#normalizer.schema.some((key) => UNHASHED_KEYS.has(key)));
    this.#native = settings.nativeRowHasher === undefined ? undefined : NativeRowHasher.open({
      addonPath: settings.nativeRowHasher,
      mapping: settings.mapping,
      schema: this.#normalizer.schema,
      delimiter: settings.delimiter,
      defaultCountry: settings.defaultCountry,
    });
  }

  /** Whether rows go through the native row hasher first. */
  get native(): boolean {
    return this.#native !== undefined;
  }

  hash({ index, buffer, length, final, spares }: ChunkRequest): ChunkReply {
    const normalizer = this.#normalizer;
    const writer = this.#writer;
    const native = this.#native;
    writer.begin(length, spares ?? []);
    const before = { ...normalizer.invalidValueCounts };
    const rejects: Array<[number, string]> = [];
    let records = 0;
    const sink: MarkedRecordSink = {
      push: (record: string[], utf8Fields: number): void => {
        const outcome = normalizer.normalize(record, utf8Fields);
        if (isRejection(outcome)) rejects.push([records, outcome.reason]);
        else {
          writer.write(outcome);
          native?.teach(record, outcome);
        }
        records++;
      },
    };
    let error: string | undefined;
    try {
      if (native === undefined) this.#parse(Buffer.from(buffer, 0, length), sink);
      else {
        // The native hasher takes the rows it is sure of; each record it stops at is parsed here on
        // its own. Its slice ends at a newline or the chunk's end (a record cut at a lone \r takes
        // the records after it up to one that does), so parsed alone it is cut as in the whole chunk.
        const input = new Uint8Array(buffer, 0, length);
        let pos = 0;
        while (pos < length) {
          const run = native.run(input, pos, length, writer.room(native.rowBytes));
          writer.wrote(run.at, run.rows);
          records += run.records;
          pos = run.pos;
          if (run.stop === 'record') {
            this.#parse(Buffer.from(buffer, pos, run.recordEnd - pos), sink);
            pos = run.recordEnd;
          }
        }
      }
    } catch (e) {
      if (!final) throw e;
      error = e instanceof Error ? e.message : String(e);
    }
    const invalid: Partial<Record<MappingTarget, number>> = {};
    for (const [key, count] of Object.entries(normalizer.invalidValueCounts) as Array<[MappingTarget, number]>) {
      const added = count - (before[key] ?? 0);
      if (added > 0) invalid[key] = added;
    }
    return { index, records, ...writer.take(), rejects, invalid, ...(error !== undefined && { error }), input: buffer };
  }

  /**
   * Whole records, parsed and handed to `sink` one by one. A fresh parser each time: only the
   * file's start may carry a BOM (the main thread skips it with the header). Read as latin1, ASCII
   * fields stay one byte wide (csv-parser.ts utf8AsLatin1); fields holding UTF-8 come marked, and
   * the normaliser decodes them only when its caches of repeated values do not have them
   * (markUtf8Fields).
   */
  #parse(bytes: Buffer, sink: MarkedRecordSink): void {
    const parser = new CsvParser(this.#delimiter, { stripBom: false, utf8AsLatin1: true, markUtf8Fields: true });
    parser.push(bytes.toString('latin1'), sink);
    parser.finish(sink);
  }
}

/** Spare buffers a worker keeps; more than the few chunks in flight would only hold memory. */
const MAX_SPARES = 8;
/** A chunk's rows of digests take ≈ 5.3× its CSV bytes on the bench file; a new buffer gets room for 8×. */
const ROWS_PER_INPUT_BYTE = 8;

/**
 * Rows as the JSON a request body carries, each followed by a comma, written
 * straight into the buffer that goes to the main thread: a spare it gave back
 * when it could (encoded-rows.ts), else a new one. `take` hands over the
 * chunk's bytes (without the last comma) and where each row starts; the
 * buffer is transferred whole, its unused end included.
 */
class RowWriter {
  #out: Buffer | undefined;
  #reused = false;
  #at = 0;
  /** Where each row starts, the first `#rows` entries; grown by doubling, kept across chunks. */
  #starts = new Uint32Array(1024);
  #rows = 0;
  #spares: ArrayBuffer[] = [];
  #inputLength = 0;

  /** `digestsOnly`: every value is a digest or "", so the row's JSON is the values joined, with nothing to escape. */
  constructor(private readonly digestsOnly: boolean) {}

  /** A new chunk of `inputLength` CSV bytes, with the buffers the main thread gave back since the last one. */
  begin(inputLength: number, spares: readonly ArrayBuffer[]): void {
    this.#inputLength = inputLength;
    for (const spare of spares) if (this.#spares.length < MAX_SPARES) this.#spares.push(spare);
  }

  write(row: readonly string[]): void {
    if (this.#rows === this.#starts.length) this.#growStarts();
    this.#starts[this.#rows++] = this.#at;
    if (this.digestsOnly) this.#writeDigests(row);
    else this.#writeText(row);
  }

  /** The rows written since `begin`: bytes (without the last comma) and where each row starts, plus one entry, the end plus one. */
  take(): Pick<ChunkReply, 'rows' | 'offsets' | 'reused'> {
    const end = this.#at;
    const offsets = new Uint32Array(this.#rows + 1);
    offsets.set(this.#starts.subarray(0, this.#rows));
    offsets[this.#rows] = end;
    const out = this.#out;
    const rows = out === undefined ? new Uint8Array(0) : new Uint8Array(out.buffer, 0, Math.max(0, end - 1));
    const reused = this.#reused;
    this.#out = undefined;
    this.#reused = false;
    this.#at = 0;
    this.#rows = 0;
    return { rows, offsets, reused };
  }

  /** Room for `size` more bytes and one more row start, for the native hasher to write into. */
  room(size: number): RowTarget {
    const out = this.#reserve(size);
    if (this.#rows === this.#starts.length) this.#growStarts();
    return { out, at: this.#at, starts: this.#starts, rows: this.#rows };
  }

  /** The native hasher wrote rows up to byte `at`, their starts up to `rows`. */
  wrote(at: number, rows: number): void {
    this.#at = at;
    this.#rows = rows;
  }

  #growStarts(): void {
    const grown = new Uint32Array(2 * this.#starts.length);
    grown.set(this.#starts);
    this.#starts = grown;
  }

  #writeDigests(row: readonly string[]): void {
    // The row's JSON as one string, written in one call: V8 joins the pieces as a rope, flattened
    // once by the write, and one native call a row costs less than one a value (0.16 against
    // 0.28 µs a row of six digests). Digests and "" need no escaping; the schema is never empty.
    let text = '["' + row[0]!;
    for (let j = 1; j < row.length; j++) text += '","' + row[j]!;
    text += '"],';
    const bytes = this.#reserve(text.length);
    this.#at += bytes.write(text, this.#at, 'latin1');
  }

  /** Rows with EXTERN_ID or MADID, the advertiser's own text: JSON.stringify escapes it, written as UTF-8. */
  #writeText(row: readonly string[]): void {
    const text = JSON.stringify(row) + ',';
    const bytes = this.#reserve(3 * text.length); // a UTF-16 unit is at most 3 UTF-8 bytes
    this.#at += bytes.write(text, this.#at, 'utf8');
  }

  /** The output buffer, taken or grown (doubling) so that `size` more bytes fit. */
  #reserve(size: number): Buffer {
    const out = this.#out;
    if (out === undefined) return (this.#out = this.#fresh(size, Math.max(size, ROWS_PER_INPUT_BYTE * this.#inputLength)));
    if (this.#at + size <= out.length) return out;
    const grown = this.#fresh(this.#at + size, Math.max(2 * out.length, this.#at + size));
    out.copy(grown, 0, 0, this.#at);
    return (this.#out = grown);
  }

  /**
   * A spare of at least `size` bytes (any spare will do for the first rows: spares are sized for
   * chunks like this one, and the rare short one grows), or a new buffer of `preferred` bytes, its
   * own (unpooled: a pooled slice's ArrayBuffer is shared and cannot be transferred).
   */
  #fresh(size: number, preferred: number): Buffer {
    while (this.#spares.length > 0) {
      const spare = this.#spares.pop()!;
      if (spare.byteLength >= size) {
        this.#reused = true;
        return Buffer.from(spare);
      }
    }
    this.#reused = false;
    return Buffer.allocUnsafeSlow(preferred);
  }
}
