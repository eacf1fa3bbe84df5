/**
 * A streaming RFC 4180 CSV parser: quoted fields, "" escapes, delimiters and
 * newlines inside quotes, CRLF or LF, a leading BOM. Blank lines are skipped.
 *
 * Written here rather than using csv-parse because hashing throughput is the
 * product's bottleneck and csv-parse alone costs ~2 µs a row (480 k rows/s on
 * the dev machine): records without quotes take a fast path of one
 * `indexOf('\n')` and one `split`, about ten times cheaper
 * (docs/decisions/client-03-own-csv-parser.md).
 */

export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
}

export interface CsvParserOptions {
  /**
   * false for text that starts mid-file (a worker's chunk), where a U+FEFF
   * is data, not a byte-order mark.
   */
  readonly stripBom?: boolean | undefined;
  /**
   * The text is UTF-8 bytes read as latin1, one character per byte; fields
   * holding a byte above 0x7F are decoded as UTF-8 here. Delimiters, quotes
   * and newlines are ASCII, which UTF-8 never uses inside a multi-byte
   * character, so records and fields are cut at the same places. Why: one
   * character outside latin1 (an "Ł") makes V8 store the whole decoded chunk
   * and every field sliced from it two bytes wide, and slicing, lower-casing,
   * map lookups and hashing all slow down; decoded this way the ASCII fields
   * stay one byte wide (the hashing workers' parse on the bench file, where
   * two rows in three hold such a name: 0.85–1.0 → 0.68–0.72 µs a row;
   * decision client-03).
   */
  readonly utf8AsLatin1?: boolean | undefined;
  /**
   * With utf8AsLatin1: fields holding UTF-8 are left as read (latin1) and marked instead of
   * decoded; the sink (a MarkedRecordSink) gets, with each record, a bit mask of them (bit i:
   * field i; fields after the 31st are decoded all the same). Why: a consumer that looks values up
   * by their text, as the normaliser's caches of repeated names do, can use the bytes as read and
   * decode only what it has not seen: decoding was ≈ 8 % of a hashing worker's time on the bench
   * file, where two rows in three hold an accented name.
   */
  readonly markUtf8Fields?: boolean | undefined;
}

/** Fields (by position) that the mask can mark (bits 0–30 of a 32-bit integer); later ones are decoded. */
export const MARKABLE_FIELDS = 31;

/** U+FEFF as UTF-8 bytes read as latin1. */
const UTF8_BOM_AS_LATIN1 = '\xef\xbb\xbf';

/** A byte of a multi-byte UTF-8 character, in text read as latin1. */
const HIGH_BYTE = /[\x80-\xff]/g;

/** Where records go as they are cut: an array, or anything that takes them one at a time. */
export interface RecordSink {
  push(record: string[]): unknown;
}

/** Where a parser that marks UTF-8 fields (markUtf8Fields) puts records: bit i of `utf8Fields` set when field i holds UTF-8 read as latin1. */
export interface MarkedRecordSink {
  push(record: string[], utf8Fields: number): unknown;
}

export class CsvParser {
  readonly #delimiter: string;
  readonly #utf8AsLatin1: boolean;
  readonly #mark: boolean;
  /** The mask of the record last marked (markUtf8Fields). */
  #marked = 0;
  #carry = '';
  #started: boolean;

  constructor(delimiter = ',', options: CsvParserOptions = {}) {
    this.#started = options.stripBom === false;
    this.#utf8AsLatin1 = options.utf8AsLatin1 === true;
    this.#mark = this.#utf8AsLatin1 && options.markUtf8Fields === true;
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new CsvSyntaxError(`unsupported CSV delimiter ${JSON.stringify(delimiter)}`);
    }
    this.#delimiter = delimiter;
  }

  /** Parse a chunk; complete records go to `out` in order, a trailing partial record is kept. */
  push(chunk: string, out: RecordSink | MarkedRecordSink): void {
    this.#checkSink(out);
    if (!this.#started && chunk.length > 0) {
      this.#started = true;
      // Read as latin1, the byte-order mark is its three UTF-8 bytes (a first push shorter than that is not checked).
      if (this.#utf8AsLatin1 ? chunk.startsWith(UTF8_BOM_AS_LATIN1) : chunk.charCodeAt(0) === 0xfeff) {
        chunk = chunk.slice(this.#utf8AsLatin1 ? UTF8_BOM_AS_LATIN1.length : 1);
      }
    }
    let start = 0;
    if (this.#carry !== '') {
      // Finish the carried record on its own instead of parsing `carry + chunk`:
      // V8 keeps that concatenation as a rope, and slicing a 1 MB rope
      // thousands of times made parsing 20× slower.
      const newline = chunk.indexOf('\n');
      if (this.#carry.includes('"') || newline === -1 || chunk.lastIndexOf('"', newline) !== -1) {
        // Rare: a quoted field spans the boundary, or a record longer than a chunk.
        const text = this.#carry + chunk;
        this.#carry = text.slice(this.#parse(text, 0, false, out));
        return;
      }
      this.#parse(this.#carry + chunk.slice(0, newline + 1), 0, false, out);
      this.#carry = '';
      start = newline + 1;
    }
    this.#carry = chunk.slice(this.#parse(chunk, start, false, out));
  }

  /** End of input: the partial record, if any, is complete. */
  finish(out: RecordSink | MarkedRecordSink): void {
    this.#checkSink(out);
    const text = this.#carry;
    this.#carry = '';
    if (text.length > 0) this.#parse(text, 0, true, out);
  }

  /** Returns the position of the first character not consumed. */
  #parse(text: string, start: number, final: boolean, out: RecordSink | MarkedRecordSink): number {
    const delimiter = this.#delimiter;
    let pos = start;
    let nextQuote = text.indexOf('"', start);
    // Like nextQuote: where the next non-ASCII byte is, searched again only once passed (-1: none left).
    let nextHigh = this.#utf8AsLatin1 ? highByteAt(text, start) : -1;
    while (pos < text.length) {
      let lineEnd = text.indexOf('\n', pos);
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
      if (nextHigh !== -1 && nextHigh < pos) nextHigh = highByteAt(text, pos);
      const quoted = nextQuote !== -1 && (lineEnd === -1 || nextQuote < lineEnd);
      if (!quoted) {
        if (lineEnd === -1) {
          if (!final) break;
          lineEnd = text.length;
        }
        let stop = lineEnd;
        if (stop > pos && text.charCodeAt(stop - 1) === 13 /* \r */) stop--;
        if (stop > pos) {
          const fields = splitFields(text, pos, stop, delimiter);
          this.#marked = 0;
          if (nextHigh !== -1 && nextHigh < stop) nextHigh = this.#decodeFieldsFrom(text, pos, fields, nextHigh);
          this.#emit(out, fields);
        }
        pos = lineEnd + 1;
        continue;
      }
      const next = this.#parseQuotedRecord(text, pos, final, out);
      if (next < 0) break;
      pos = next;
    }
    return Math.min(pos, text.length);
  }

  /**
   * Slow path for a record containing a quote. Appends it and returns the
   * position after it, or -1 when the record continues past the end of `text`.
   */
  #parseQuotedRecord(text: string, start: number, final: boolean, out: RecordSink | MarkedRecordSink): number {
    const delimiter = this.#delimiter.charCodeAt(0);
    const fields: string[] = [];
    let i = start;
    for (;;) {
      let value = '';
      if (text.charCodeAt(i) === 34 /* " */) {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) {
            if (!final) return -1;
            throw new CsvSyntaxError('unterminated quoted field at end of input');
          }
          value += text.slice(i, q);
          if (q + 1 === text.length && !final) return -1; // cannot tell "" from a closing quote yet
          if (text.charCodeAt(q + 1) === 34) {
            value += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
      }
      // Unquoted field, or text after a closing quote (kept, leniently): up to the delimiter or end of line.
      let j = i;
      while (j < text.length) {
        const c = text.charCodeAt(j);
        if (c === delimiter || c === 10 || c === 13) break;
        j++;
      }
      value += text.slice(i, j);
      fields.push(value);
      if (j === text.length) {
        if (!final) return -1;
        this.#emitQuoted(out, fields);
        return j;
      }
      const c = text.charCodeAt(j);
      if (c === delimiter) {
        i = j + 1;
        continue;
      }
      // End of record: \n, \r\n, or a lone \r.
      let next = j + 1;
      if (c === 13) {
        if (next === text.length && !final) return -1;
        if (text.charCodeAt(next) === 10) next++;
      }
      this.#emitQuoted(out, fields);
      return next;
    }
  }

  /** An array would take each record's mask as one more record. */
  #checkSink(out: RecordSink | MarkedRecordSink): void {
    if (this.#mark && Array.isArray(out)) throw new TypeError('a parser that marks UTF-8 fields needs a MarkedRecordSink, not an array');
  }

  /** A record of the fast path, its UTF-8 fields decoded or marked (#marked) already. */
  #emit(out: RecordSink | MarkedRecordSink, fields: string[]): void {
    if (this.#mark) (out as MarkedRecordSink).push(fields, this.#marked);
    else (out as RecordSink).push(fields);
  }

  /** A record of the quoted path (rare): its UTF-8 fields found by testing each. */
  #emitQuoted(out: RecordSink | MarkedRecordSink, fields: string[]): void {
    if (!this.#utf8AsLatin1) return void (out as RecordSink).push(fields);
    this.#marked = 0;
    for (let i = 0; i < fields.length; i++) if (highByteAt(fields[i]!, 0) !== -1) this.#decodeOrMark(fields, i);
    this.#emit(out, fields);
  }

  /**
   * The fields of an unquoted record cut from `text` at `start`, those holding a byte above 0x7F
   * decoded or marked, found from `nextHigh` (the first such byte, inside the record) field by
   * field: one search per such field rather than a test of every field. Returns where the next
   * such byte after the record is, or -1.
   */
  #decodeFieldsFrom(text: string, start: number, fields: string[], nextHigh: number): number {
    let fieldStart = start;
    for (let i = 0; i < fields.length && nextHigh !== -1; i++) {
      const fieldEnd = fieldStart + fields[i]!.length;
      if (nextHigh < fieldEnd) {
        this.#decodeOrMark(fields, i);
        nextHigh = highByteAt(text, fieldEnd);
      }
      fieldStart = fieldEnd + 1; // past the delimiter
    }
    return nextHigh;
  }

  #decodeOrMark(fields: string[], i: number): void {
    if (this.#mark && i < MARKABLE_FIELDS) this.#marked |= 1 << i;
    else fields[i] = utf8FromLatin1(fields[i]!);
  }
}

/** Position of the first byte above 0x7F at or after `from` in latin1-read text, or -1. */
function highByteAt(text: string, from: number): number {
  HIGH_BYTE.lastIndex = from;
  return HIGH_BYTE.exec(text)?.index ?? -1;
}

/** A field read as latin1 (its UTF-8 bytes, one character each), decoded as UTF-8. */
export function utf8FromLatin1(field: string): string {
  return Buffer.from(field, 'latin1').toString('utf8');
}

/**
 * The fields of text[start, end), which holds no quote. Cutting with indexOf
 * and slice is about a third cheaper than `slice(start, end).split(delimiter)`,
 * which first copies the line.
 */
function splitFields(text: string, start: number, end: number, delimiter: string): string[] {
  const fields: string[] = [];
  let from = start;
  for (;;) {
    const at = text.indexOf(delimiter, from);
    if (at === -1 || at >= end) {
      fields.push(text.slice(from, end));
      return fields;
    }
    fields.push(text.slice(from, at));
    from = at + 1;
  }
}

/** Pick the delimiter of a header line: the most frequent of , ; tab | (comma on ties). */
export function sniffDelimiter(headerLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t', '|']) {
    const count = headerLine.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}
