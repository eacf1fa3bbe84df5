/**
 * The `fields` parameter (field expansion):
 *
 *   list     := entry ("," entry)*
 *   entry    := name modifier* block?
 *   name     := ident ("." ident)*          -- a dotted segment not followed by "(" is part of the name
 *   modifier := "." ident "(" raw ")"       -- `.as(x)` sets the alias, anything else goes to args
 *   block    := "{" list "}"
 *   ident    := [A-Za-z0-9_]+
 *
 * Whitespace is ignored at the ends, around "," "{" "}", and at the edges of a modifier's value;
 * nowhere else, so `a.limit(2)` is one token and `a .limit(2)` is an error.
 *
 * The parser is a loop over an explicit stack of open blocks rather than recursive descent:
 * the input is attacker-controlled, and recursion would turn `a{a{a{…` into a RangeError (and
 * so a code-2 "unknown error") instead of the real API's code-2500 parse error.
 */
import { fieldsSyntaxError } from '../errors/catalogue.js';
import type { FieldNode } from './types.js';

/** Longer inputs are refused before any work is done, so parse time stays bounded. */
export const MAX_FIELDS_LENGTH = 100_000;
/** Deepest `{…}` nesting accepted; real schemas need well under ten. */
export const MAX_FIELDS_DEPTH = 64;

export function parseFields(input: string): FieldNode[] {
  if (input.length > MAX_FIELDS_LENGTH) {
    // Echoing 100 kB back in the error body would be its own problem, so only a prefix is shown.
    throw fieldsSyntaxError(
      `Fields parameter longer than ${MAX_FIELDS_LENGTH} characters.`,
      MAX_FIELDS_LENGTH,
      `${input.slice(0, 100)}...`,
    );
  }
  const joined = jsonArrayForm(input);
  return new Parser(joined ?? input).parse();
}

/** The canonical text of a selection: no whitespace, args in insertion order, then `.as()`. */
export function fieldsToString(nodes: FieldNode[]): string {
  return nodes.map(nodeToString).join(',');
}

function nodeToString(node: FieldNode): string {
  let out = node.name;
  for (const [key, value] of Object.entries(node.args)) out += `.${key}(${value})`;
  if (node.alias !== undefined) out += `.as(${node.alias})`;
  // The parser never yields `children: []` (`{}` is a syntax error); emitting `{}` would make
  // the string unparseable, e.g. in a paging URL, so an empty list is written as no block.
  if (node.children !== undefined && node.children.length > 0) out += `{${fieldsToString(node.children)}}`;
  return out;
}

/**
 * Some SDKs send `fields=["id","name"]` (a JSON-encoded array). Accept it only when it really
 * is an array of strings; anything else starting with "[" falls through to the normal parser,
 * which rejects it at the "[" with the usual message.
 */
function jsonArrayForm(input: string): string | undefined {
  const trimmed = input.trim();
  if (!trimmed.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) return undefined;
  return value.join(',');
}

const OPEN_TO_CLOSE: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

function isIdentCode(code: number): boolean {
  return (
    (code >= 0x61 && code <= 0x7a) || // a-z
    (code >= 0x41 && code <= 0x5a) || // A-Z
    (code >= 0x30 && code <= 0x39) || // 0-9
    code === 0x5f // _
  );
}

function isSpaceCode(code: number): boolean {
  // ASCII only: a no-break space pasted into a URL is more likely a mistake than layout.
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

class Parser {
  private pos = 0;

  constructor(private readonly src: string) {}

  parse(): FieldNode[] {
    const root: FieldNode[] = [];
    // The lists of the blocks currently open; the last one receives the next entry.
    const open: FieldNode[][] = [root];
    this.skipSpace();
    if (this.pos === this.src.length) return root;

    for (;;) {
      const node = this.entry();
      open[open.length - 1].push(node);
      this.skipSpace();

      if (this.src[this.pos] === '{') {
        if (open.length > MAX_FIELDS_DEPTH) this.fail(`Fields nested deeper than ${MAX_FIELDS_DEPTH} levels.`);
        node.children = [];
        open.push(node.children);
        this.pos++;
        this.skipSpace();
        continue;
      }

      // Close any number of blocks, then either a comma leads to the next entry or we are done.
      for (;;) {
        const ch = this.src[this.pos];
        if (ch === ',') {
          this.pos++;
          this.skipSpace();
          break;
        }
        if (ch === '}' && open.length > 1) {
          open.pop();
          this.pos++;
          this.skipSpace();
          continue;
        }
        if (this.pos === this.src.length && open.length === 1) return root;
        // Matches the real API: at top level anything unexpected (even "}" or a second "{…}")
        // is reported as "Expected end of string instead of …".
        this.expected(open.length === 1 ? 'end of string' : '"}"');
      }
    }
  }

  /**
   * One `name.mod(x)…` expression. Empty entries (`id,,name`, `id,`, `,id`, `a{}`) end up here
   * with no name and are rejected: the real API answers `a,,b` with
   * `Syntax error "Expected name." at character 2`, so they are not silently skipped.
   */
  private entry(): FieldNode {
    const start = this.pos;
    if (this.ident() === '') this.fail('Expected name.');

    // `payment.subscriptions` is a real edge name: a dotted segment is only a modifier when
    // "(" follows it directly.
    while (this.src[this.pos] === '.') {
      const segStart = this.pos + 1;
      let end = segStart;
      while (end < this.src.length && isIdentCode(this.src.charCodeAt(end))) end++;
      if (end === segStart) this.fail('Expected name.', segStart);
      if (this.src[end] === '(') break;
      this.pos = end;
    }
    const node: FieldNode = { name: this.src.slice(start, this.pos), args: {} };

    while (this.src[this.pos] === '.') {
      this.pos++;
      const modifier = this.ident();
      if (modifier === '') this.fail('Expected name.');
      if (this.src[this.pos] !== '(') this.expected('"("');
      const valueAt = this.pos + 1;
      this.pos++;
      const value = this.rawValue();
      if (modifier === 'as') {
        if (value === '') this.fail('Expected alias.', valueAt);
        node.alias = value;
      } else {
        // defineProperty, not assignment: `.__proto__(x)` must become an ordinary key rather
        // than be swallowed by the prototype setter. Redefining keeps the first position, so a
        // repeated modifier keeps its place and takes the last value.
        Object.defineProperty(node.args, modifier, { value, enumerable: true, writable: true, configurable: true });
      }
    }
    return node;
  }

  /**
   * The text up to the ")" that closes the modifier, trimmed. Brackets nest and must match so
   * that legacy values like `.fields(["type"])` or `.filter({"a":1})` survive; double-quoted
   * strings are opaque so a ")" inside one does not end the value. The cursor is base64url
   * text (`=`, `-`, `_`), which needs no special case.
   */
  private rawValue(): string {
    const start = this.pos;
    const closers: string[] = [];
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos];
      if (ch === '"') {
        this.skipQuoted();
        continue;
      }
      const closer = OPEN_TO_CLOSE[ch];
      if (closer !== undefined) {
        closers.push(closer);
      } else if (ch === ')' || ch === ']' || ch === '}') {
        const want = closers.length > 0 ? closers[closers.length - 1] : ')';
        if (ch !== want) this.expected(`"${want}"`);
        if (closers.length === 0) {
          const value = this.src.slice(start, this.pos).trim();
          this.pos++;
          return value;
        }
        closers.pop();
      }
      this.pos++;
    }
    return this.expected(`"${closers.length > 0 ? closers[closers.length - 1] : ')'}"`);
  }

  private skipQuoted(): void {
    this.pos++;
    while (this.pos < this.src.length && this.src[this.pos] !== '"') {
      this.pos += this.src[this.pos] === '\\' ? 2 : 1;
    }
    if (this.pos >= this.src.length) this.fail('Expected closing quote instead of end of string.', this.src.length);
    this.pos++;
  }

  private ident(): string {
    const start = this.pos;
    while (this.pos < this.src.length && isIdentCode(this.src.charCodeAt(this.pos))) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && isSpaceCode(this.src.charCodeAt(this.pos))) this.pos++;
  }

  private expected(what: string): never {
    const at = this.pos;
    // A whole code point, so an astral character is not echoed as half a surrogate pair.
    const found = at >= this.src.length ? 'end of string' : `"${String.fromCodePoint(this.src.codePointAt(at) ?? 0)}"`;
    return this.fail(`Expected ${what} instead of ${found}.`, at);
  }

  private fail(what: string, at: number = this.pos): never {
    throw fieldsSyntaxError(what, at, this.src);
  }
}
