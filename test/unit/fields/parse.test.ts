import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../../src/graph/errors/graph-error.js';
import { fieldsToString, MAX_FIELDS_DEPTH, MAX_FIELDS_LENGTH, parseFields } from '../../../src/graph/fields/parse.js';
import type { FieldNode } from '../../../src/graph/fields/types.js';

/** The node the parser should produce; optional keys are left out, as the parser leaves them out. */
function node(name: string, args: Record<string, string> = {}, children?: FieldNode[], alias?: string): FieldNode {
  const out: FieldNode = { name, args };
  if (alias !== undefined) out.alias = alias;
  if (children !== undefined) out.children = children;
  return out;
}

/** The thrown value, asserted to be the 2500 parse error, so tests can look at its message. */
function syntaxError(input: string): GraphError {
  try {
    parseFields(input);
  } catch (e) {
    expect(e).toBeInstanceOf(GraphError);
    const err = e as GraphError;
    expect(err.code).toBe(2500);
    return err;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseFields: syntax', () => {
  it('parses comma lists, and empty or blank input as nothing', () => {
    expect(parseFields('id,name,email')).toStrictEqual([node('id'), node('name'), node('email')]);
    expect(parseFields('')).toStrictEqual([]);
    expect(parseFields(' \t\n')).toStrictEqual([]);
  });

  it('tolerates whitespace around names, commas and braces', () => {
    expect(parseFields(' albums.limit(5){name, photos.limit(2){name, picture}} ')).toStrictEqual([
      node('albums', { limit: '5' }, [node('name'), node('photos', { limit: '2' }, [node('name'), node('picture')])]),
    ]);
    expect(parseFields('a {\n b ,\tc } , d')).toStrictEqual([node('a', {}, [node('b'), node('c')]), node('d')]);
  });

  it('nests braces', () => {
    expect(parseFields('a{b{c{d}}},e')).toStrictEqual([node('a', {}, [node('b', {}, [node('c', {}, [node('d')])])]), node('e')]);
  });

  it('collects modifiers into args in order, alias apart, values trimmed', () => {
    const [picture] = parseFields('picture.type(large).width( 100 ).height(100).summary(true).as(pic)');
    expect(picture).toStrictEqual(node('picture', { type: 'large', width: '100', height: '100', summary: 'true' }, undefined, 'pic'));
    expect(Object.keys(picture.args)).toEqual(['type', 'width', 'height', 'summary']);
  });

  it('keeps raw cursor text and bracketed legacy values', () => {
    expect(parseFields('feed.after(QVFIUmx1-_Zz==).before(abc=).filter(stream).since(2020-01-01T00:00:00+0000)')[0].args).toStrictEqual({
      after: 'QVFIUmx1-_Zz==',
      before: 'abc=',
      filter: 'stream',
      since: '2020-01-01T00:00:00+0000',
    });
    expect(parseFields('insights.metric([page_fans, "a)b"]).fields(["type"]).f({"x":(1)})')[0].args).toStrictEqual({
      metric: '[page_fans, "a)b"]',
      fields: '["type"]',
      f: '{"x":(1)}',
    });
  });

  it('accepts modifiers before the block: name.limit(2).as(x){children}', () => {
    expect(parseFields('friends.limit(2).as(pals){id}')).toStrictEqual([node('friends', { limit: '2' }, [node('id')], 'pals')]);
  });

  it('keeps the last value of a repeated modifier, in its first position', () => {
    const [n] = parseFields('a.limit(1).after(x).limit(2).as(p).as(q)');
    expect(n.args).toStrictEqual({ limit: '2', after: 'x' });
    expect(Object.keys(n.args)).toEqual(['limit', 'after']);
    expect(n.alias).toBe('q');
  });

  it('treats a dotted segment without "(" as part of the name', () => {
    expect(parseFields('payment.subscriptions')).toStrictEqual([node('payment.subscriptions')]);
    expect(parseFields('payment.subscriptions.limit(2){id}')).toStrictEqual([
      node('payment.subscriptions', { limit: '2' }, [node('id')]),
    ]);
  });

  it('stores a modifier named like an Object.prototype member as a plain key', () => {
    const [n] = parseFields('a.__proto__(x).constructor(y)');
    expect(Object.getPrototypeOf(n.args)).toBe(Object.prototype);
    expect(Object.entries(n.args)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  it('keeps duplicates (the renderer merges them)', () => {
    expect(parseFields('id,id,a{b},a{c}')).toStrictEqual([node('id'), node('id'), node('a', {}, [node('b')]), node('a', {}, [node('c')])]);
  });

  it('accepts the JSON-array form some SDKs send', () => {
    expect(parseFields(' ["id", "albums.limit(2){name}"] ')).toStrictEqual([node('id'), node('albums', { limit: '2' }, [node('name')])]);
    expect(parseFields('[]')).toStrictEqual([]);
    expect(syntaxError('[1,2]').message).toBe('Syntax error "Expected name." at character 0: [1,2]');
    expect(syntaxError('["id"').message).toBe('Syntax error "Expected name." at character 0: ["id"');
  });
});

describe('parseFields: errors', () => {
  it('reproduces the real API messages it has been observed to give', () => {
    expect(syntaxError('id,na}me').message).toBe('Syntax error "Expected end of string instead of "}"." at character 5: id,na}me');
    // node-facebook/facebook-node-sdk#123: an array of fields joined as "a{…}{…}".
    const sdk = 'likes.limit(1000){id},comments.limit(1000){id}{from},sharedposts{id}';
    expect(syntaxError(sdk).message).toBe(`Syntax error "Expected end of string instead of "{"." at character 46: ${sdk}`);
    // facebook-nodejs-business-sdk#59: an undefined field joined into ",,".
    expect(syntaxError('created_time,effective_status,,stop_time').message).toBe(
      'Syntax error "Expected name." at character 30: created_time,effective_status,,stop_time',
    );
  });

  it.each([
    ['id,', 3, 'Expected name.'],
    [',id', 0, 'Expected name.'],
    ['id, ,name', 4, 'Expected name.'],
    ['a{}', 2, 'Expected name.'],
    ['a{b,}', 4, 'Expected name.'],
    ['a{b', 3, 'Expected "}" instead of end of string.'],
    ['a{b c}', 4, 'Expected "}" instead of "c".'],
    ['id name', 3, 'Expected end of string instead of "n".'],
    ['a{b}.limit(2)', 4, 'Expected end of string instead of ".".'],
    ['a .limit(2)', 2, 'Expected end of string instead of ".".'],
    ['a.', 2, 'Expected name.'],
    ['a..b', 2, 'Expected name.'],
    ['a.limit(2).b', 12, 'Expected "(" instead of end of string.'],
    ['a.limit(2', 9, 'Expected ")" instead of end of string.'],
    ['a.x([1)', 6, 'Expected "]" instead of ")".'],
    ['a.x(1])', 5, 'Expected ")" instead of "]".'],
    ['a.x(")', 6, 'Expected closing quote instead of end of string.'],
    ['a.as()', 5, 'Expected alias.'],
    ['limit(2)', 5, 'Expected end of string instead of "(".'],
    ['a{b}}', 4, 'Expected end of string instead of "}".'],
    ['a,😀', 2, 'Expected name.'],
    ['a😀', 1, 'Expected end of string instead of "😀".'],
  ])('%j fails at %i: %s', (input, at, what) => {
    expect(syntaxError(input).message).toBe(`Syntax error "${what}" at character ${at}: ${input}`);
  });

  it(`accepts ${MAX_FIELDS_DEPTH} levels of braces and refuses one more, without recursion`, () => {
    const nested = (depth: number): string => `${'a{'.repeat(depth)}b${'}'.repeat(depth)}`;
    let tree = parseFields(nested(MAX_FIELDS_DEPTH));
    for (let i = 0; i < MAX_FIELDS_DEPTH; i++) tree = tree[0].children ?? [];
    expect(tree).toStrictEqual([node('b')]);
    expect(syntaxError(nested(MAX_FIELDS_DEPTH + 1)).message).toContain(`at character ${2 * MAX_FIELDS_DEPTH + 1}:`);
    expect(syntaxError('a{'.repeat(49_000)).code).toBe(2500);
    expect(syntaxError(`a.x(${'['.repeat(90_000)})`).code).toBe(2500);
    expect(syntaxError('['.repeat(90_000)).code).toBe(2500);
  });

  it(`refuses input longer than ${MAX_FIELDS_LENGTH} characters and does not echo it`, () => {
    const long = `${'a,'.repeat(MAX_FIELDS_LENGTH / 2)}a`;
    const err = syntaxError(long);
    expect(err.message.length).toBeLessThan(300);
    expect(parseFields(long.slice(0, MAX_FIELDS_LENGTH - 1))).toHaveLength(MAX_FIELDS_LENGTH / 2);
  });
});

describe('fieldsToString', () => {
  it('writes the canonical form: no whitespace, args in order, alias last', () => {
    expect(fieldsToString(parseFields(' albums.as(al).limit( 5 ){name, photos.limit(2){name, picture}} , id'))).toBe(
      'albums.limit(5).as(al){name,photos.limit(2){name,picture}},id',
    );
    expect(fieldsToString(parseFields('payment.subscriptions.limit(2)'))).toBe('payment.subscriptions.limit(2)');
  });

  it('writes an empty children list as no block, so the result still parses', () => {
    expect(fieldsToString([node('a', {}, [])])).toBe('a');
  });
});

// ---- property tests ----

const RUNS = 500;

const IDENT_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'];
const ident = fc.string({ unit: fc.constantFrom(...IDENT_CHARS), minLength: 1, maxLength: 6 });
const name = fc.array(ident, { minLength: 1, maxLength: 3 }).map((segments) => segments.join('.'));

/** Modifier values: cursor-like text plus balanced brackets and quoted strings holding closers. */
const { value: rawValue } = fc.letrec<{ value: string; part: string }>((tie) => ({
  value: fc.array(tie('part'), { maxLength: 3 }).map((parts) => parts.join('')),
  part: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: fc.constantFrom(...'aZ09=-_+/:. ,'), maxLength: 8 }),
    tie('value').map((v) => `[${v}]`),
    tie('value').map((v) => `(${v})`),
    tie('value').map((v) => `{${v}}`),
    fc.string({ unit: fc.constantFrom(...'a)]}({,\\"'), maxLength: 6 }).map((s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`),
  ),
}));
// Mostly plain values (limits, cursors), so structure rather than value text dominates the trees.
const value = fc
  .oneof(
    { arbitrary: fc.string({ unit: fc.constantFrom(...'aZ09=-_'), maxLength: 12 }), weight: 4 },
    { arbitrary: rawValue, weight: 1 },
  )
  .map((v) => v.trim());

const args = fc
  .uniqueArray(fc.tuple(ident.filter((k) => k !== 'as'), value), { selector: ([k]) => k, maxLength: 3 })
  .map((entries): Record<string, string> => Object.fromEntries(entries));

const leaf = fc
  .tuple(name, args, fc.option(value.filter((v) => v !== ''), { nil: undefined }))
  .map(([n, a, alias]) => node(n, a, undefined, alias));

const { list: tree } = fc.letrec<{ node: FieldNode; list: FieldNode[] }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.tuple(leaf, tie('list')).map(([n, children]) => ({ ...n, children })),
  ),
  list: fc.array(tie('node'), { minLength: 1, maxLength: 4 }),
}));

/** Like fieldsToString, but with whitespace from `spaces` wherever the grammar allows it. */
function spaced(nodes: FieldNode[], spaces: string[]): string {
  let i = 0;
  const ws = (): string => spaces[i++ % spaces.length];
  const list = (ns: FieldNode[]): string =>
    ns
      .map((n) => {
        let out = n.name;
        for (const [k, v] of Object.entries(n.args)) out += `.${k}(${ws()}${v}${ws()})`;
        if (n.alias !== undefined) out += `.as(${ws()}${n.alias}${ws()})`;
        if (n.children) out += `${ws()}{${ws()}${list(n.children)}${ws()}}`;
        return out;
      })
      .join(`${ws()},${ws()}`);
  return `${ws()}${list(nodes)}${ws()}`;
}

const SIGNIFICANT = [...'a_.,(){}[]" \\\t😀='];
const corrupted = fc
  .tuple(
    tree.map(fieldsToString),
    fc.array(fc.record({ op: fc.constantFrom('insert', 'delete', 'replace'), at: fc.nat(), ch: fc.constantFrom(...SIGNIFICANT) }), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([text, edits]) =>
    edits.reduce((s, { op, at, ch }) => {
      const i = at % (s.length + 1);
      if (op === 'insert') return s.slice(0, i) + ch + s.slice(i);
      if (op === 'delete') return s.slice(0, i) + s.slice(i + 1);
      return s.slice(0, i) + ch + s.slice(i + 1);
    }, text),
  );

/** Any input parses, or fails with the 2500 parse error; and what parses survives a round trip. */
function totalAndStable(input: string): void {
  let parsed: FieldNode[];
  try {
    parsed = parseFields(input);
  } catch (e) {
    if (!(e instanceof GraphError) || e.code !== 2500 || !e.message.startsWith('Syntax error "')) throw e;
    return;
  }
  expect(Array.isArray(parsed)).toBe(true);
  expect(parseFields(fieldsToString(parsed))).toStrictEqual(parsed);
}

describe('parseFields: properties', () => {
  it('never throws anything but a 2500 error, on any string', () => {
    fc.assert(fc.property(fc.string(), totalAndStable), { numRuns: RUNS });
    fc.assert(fc.property(fc.string({ unit: 'binary' }), totalAndStable), { numRuns: RUNS });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...SIGNIFICANT), maxLength: 40 }), totalAndStable), { numRuns: RUNS });
    fc.assert(fc.property(corrupted, totalAndStable), { numRuns: RUNS });
  });

  it('round-trips generated trees through fieldsToString', () => {
    fc.assert(
      fc.property(tree, (t) => {
        expect(parseFields(fieldsToString(t))).toStrictEqual(t);
      }),
      { numRuns: RUNS },
    );
  });

  it('ignores whitespace around commas, braces and modifier values', () => {
    const spaces = fc.array(fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 3 }), { minLength: 1, maxLength: 10 });
    fc.assert(
      fc.property(tree, spaces, (t, ws) => {
        expect(parseFields(spaced(t, ws))).toStrictEqual(t);
      }),
      { numRuns: RUNS },
    );
  });
});
