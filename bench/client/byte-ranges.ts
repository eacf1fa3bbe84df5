/**
 * Split a file into byte ranges that start and end on line boundaries, so
 * that independent workers can each read their own part. Only valid for CSV
 * without newlines inside quoted fields (true of the benchmark's data); the
 * uploader itself reads sequentially and has no such limit.
 */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

/** The offset of the first line starting at or after `offset`. */
export function lineStartAtOrAfter(fd: number, offset: number, size: number): number {
  if (offset <= 0) return 0;
  if (offset >= size) return size;
  const buffer = Buffer.allocUnsafe(64 * 1024);
  // A line starts at `offset` exactly when the byte before it is a newline.
  let position = offset - 1;
  while (position < size) {
    const read = readSync(fd, buffer, 0, buffer.length, position);
    const at = buffer.subarray(0, read).indexOf(10);
    if (at !== -1) return position + at + 1;
    position += read;
  }
  return size;
}

/** `parts` line-aligned [start, end) ranges covering the file. */
export function lineAlignedRanges(path: string, parts: number): Array<{ start: number; end: number }> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const cuts = [0];
    for (let i = 1; i < parts; i++) cuts.push(lineStartAtOrAfter(fd, Math.floor((size * i) / parts), size));
    cuts.push(size);
    return cuts.slice(0, -1).map((start, i) => ({ start, end: cuts[i + 1]! }));
  } finally {
    closeSync(fd);
  }
}
