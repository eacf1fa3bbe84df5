/**
 * Where CSV records end, found in raw UTF-8 bytes without decoding them, so
 * the uploader's main thread can cut a file into chunks of whole records for
 * its hashing workers (src/client/upload/hashed-chunks.ts).
 *
 * It mirrors CsvParser's own rules exactly (csv-parser.ts: a line without a
 * quote ends at "\n"; a record with a quote follows #parseQuotedRecord, where
 * a quote opens a field only at its start and "\r" alone ends the record), so
 * a chunk cut here parses to the same records as the whole file (cuts fall
 * only after a "\n"; see below). The
 * structural characters are ASCII and UTF-8 never uses ASCII bytes inside a
 * multi-byte character, so byte positions are safe cut points.
 */

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * The end of the last complete record in `buf`, which starts at a record
 * start and is not the end of the input; 0 when no record is complete.
 */
export function lastRecordEnd(buf: Uint8Array, delimiter: number): number {
  const end = buf.length;
  let pos = 0;
  let cut = 0;
  while (pos < end) {
    const quote = buf.indexOf(QUOTE, pos);
    if (quote === -1) {
      // No quote left: every newline from here on ends a record.
      const last = buf.lastIndexOf(LF);
      return last >= pos ? last + 1 : cut;
    }
    const lineEnd = buf.indexOf(LF, pos);
    if (lineEnd !== -1 && lineEnd < quote) {
      // Whole lines before the next quote: jump to the last one (each ends a record).
      pos = buf.lastIndexOf(LF, quote) + 1;
      cut = pos;
      continue;
    }
    const next = quotedRecordEnd(buf, pos, delimiter);
    if (next < 0) return cut;
    pos = next;
    // Never cut after a lone "\r": parsed on its own, a record ending so can take the parser's
    // quote-free path (where "\r" alone ends nothing) and come out different.
    if (buf[next - 1] === LF) cut = next;
  }
  return cut;
}

/**
 * The end of one record that starts at a record start, or -1 when the
 * record runs past the end of `buf` (or cannot yet be told apart there).
 * Also tells whether the parser skips it as blank.
 */
export function recordEnd(buf: Uint8Array, start: number, delimiter: number): { end: number; blank: boolean } | undefined {
  const lineEnd = buf.indexOf(LF, start);
  const quote = buf.indexOf(QUOTE, start);
  if (quote === -1 || (lineEnd !== -1 && lineEnd < quote)) {
    if (lineEnd === -1) return undefined;
    const stop = lineEnd > start && buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    return { end: lineEnd + 1, blank: stop === start };
  }
  const end = quotedRecordEnd(buf, start, delimiter);
  return end < 0 ? undefined : { end, blank: false };
}

/** CsvParser#parseQuotedRecord without building fields (non-final input). */
function quotedRecordEnd(buf: Uint8Array, start: number, delimiter: number): number {
  const end = buf.length;
  let i = start;
  for (;;) {
    if (buf[i] === QUOTE) {
      i++;
      for (;;) {
        const q = buf.indexOf(QUOTE, i);
        if (q === -1 || q + 1 === end) return -1;
        if (buf[q + 1] === QUOTE) {
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
    }
    let j = i;
    while (j < end) {
      const c = buf[j];
      if (c === delimiter || c === LF || c === CR) break;
      j++;
    }
    if (j === end) return -1;
    const c = buf[j];
    if (c === delimiter) {
      i = j + 1;
      continue;
    }
    let next = j + 1;
    if (c === CR) {
      if (next === end) return -1;
      if (buf[next] === LF) next++;
    }
    return next;
  }
}
