import { open } from 'node:fs/promises';

/**
 * Count the lines of a file without decoding it (newline bytes), for the
 * progress bar's total and the session's `estimated_num_total`. Quoted
 * newlines inside CSV fields make it an estimate, which is all both need.
 */
export async function countLines(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    let lines = 0;
    let lastByte = 10;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      let at = buffer.indexOf(10, 0);
      while (at !== -1 && at < bytesRead) {
        lines++;
        at = buffer.indexOf(10, at + 1);
      }
      lastByte = buffer[bytesRead - 1]!;
    }
    // A last line without a final newline is still a line.
    return lastByte === 10 ? lines : lines + 1;
  } finally {
    await handle.close();
  }
}
