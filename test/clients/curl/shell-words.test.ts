import { describe, expect, it } from 'vitest';
import { shellWords } from './shell-words.js';

describe('shellWords (how the seed curl lines become argv)', () => {
  it('keeps single-quoted text verbatim, newlines included, and joins backslash-newline continuations', () => {
    expect(shellWords("curl -X POST \\\n  -F 'payload={\n  \"a\": 1\n}' \\\n  https://x/y")).toEqual(['curl', '-X', 'POST', '-F', 'payload={\n  "a": 1\n}', 'https://x/y']);
  });

  it('reads double quotes and adjacent quoted parts as one word', () => {
    expect(shellWords(`curl -d "a=\\"b\\""'c d' e`)).toEqual(['curl', '-d', 'a="b"c d', 'e']);
  });

  it('refuses an unterminated quote rather than guessing', () => {
    expect(() => shellWords("curl -d 'oops")).toThrow(/unterminated/);
  });
});
