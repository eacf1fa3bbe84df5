/**
 * Splits a documentation curl command into argv the way a POSIX shell would for the subset those
 * examples use: single quotes (kept verbatim, newlines included), double quotes, and
 * backslash-newline continuations. No variables, no globbing: the examples have none.
 */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === '\\' && command[i + 1] === '\n') {
      i += 1;
      continue;
    }
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated single quote');
      current += command.slice(i + 1, end);
      inWord = true;
      i = end;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        if (command[j] === '\\' && j + 1 < command.length) j += 1;
        current += command[j];
      }
      if (j >= command.length) throw new Error('unterminated double quote');
      inWord = true;
      i = j;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    if (c === '\\' && i + 1 < command.length) {
      current += command[i + 1];
      inWord = true;
      i += 1;
      continue;
    }
    current += c;
    inWord = true;
  }
  if (inWord) words.push(current);
  return words;
}
