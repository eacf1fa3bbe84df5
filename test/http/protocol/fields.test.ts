/**
 * `fields` over HTTP (spec/graph-api-core.md §3.6): lists, nested `{}` to any depth, modifiers
 * (`.limit()`, `.after()`, `.as()`, `.type()`, `.width()`, `.height()`, `.summary()`), edges
 * inside fields; an unknown field is `(#100) Tried accessing nonexisting field (x) on node type
 * (T)`, a syntax error the real 2500 parse error, and no input ever produces anything else.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, startTestServer, type TestServer } from '../../helpers/server.js';
import { inProcess, installProbe, TRANSPORTS } from './support.js';

const W = '772000000000001';
const cursor = (id: string): string => Buffer.from(id).toString('base64');
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await installProbe(server).addWidget(W, 6);
});
afterAll(() => server.close());

const read = (fields: string, version = 'v21.0', token = DEMO.aliceToken): string =>
  `/${version}/${W}?access_token=${token}&fields=${encodeURIComponent(fields)}`;

describe.each(TRANSPORTS)('fields (%s)', (_name, send) => {
  it('returns exactly the listed fields, plus the id, which is always returned', async () => {
    const r = await send(server, { path: read('name, color') });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ name: `Widget ${W}`, color: 'teal', id: W });
  });

  it('returns the default fields without `fields`', async () => {
    const r = await send(server, { path: `/v21.0/${W}?access_token=${DEMO.aliceToken}` });
    expect(r.body).toEqual({ id: W, name: `Widget ${W}` });
  });

  it('expands nested objects and edges inside fields, with modifiers, to any depth', async () => {
    const r = await send(server, { path: read('owner{name},parts.limit(2){name,n}') });
    expect(r.status).toBe(200);
    expect(r.body.owner).toEqual({ name: `Owner of Widget ${W}`, id: `${W}9` });
    expect(r.body.parts.data).toEqual([
      { name: 'part 0', n: 0, id: `${W}0000` },
      { name: 'part 1', n: 1, id: `${W}0001` },
    ]);
    expect(r.body.parts.paging.cursors).toEqual({ before: cursor(`${W}0000`), after: cursor(`${W}0001`) });
  });

  it('pages a nested edge with .after() and counts it with .summary(true)', async () => {
    const r = await send(server, { path: read(`parts.limit(2).after(${cursor(`${W}0001`)}).summary(true){n}`) });
    expect(r.body.parts.data.map((p: { n: number }) => p.n)).toEqual([2, 3]);
    expect(r.body.parts.summary).toEqual({ kind: 'parts', total_count: 6 });
  });

  it('names an edge or object with .as(), and refuses an alias on a scalar with (#100) Unknown fields', async () => {
    const r = await send(server, { path: read('parts.limit(1).as(first_part),parts.limit(3).as(three),owner.as(boss){id}') });
    expect(r.body.first_part.data).toHaveLength(1);
    expect(r.body.three.data).toHaveLength(3);
    expect(r.body.boss).toEqual({ id: `${W}9` });
    const scalar = await send(server, { path: read('name.as(my_name)') });
    expect(scalar.status).toBe(400);
    expect(scalar.body.error).toMatchObject({ code: 100, type: 'OAuthException', message: '(#100) Unknown fields: my_name.' });
  });

  it('hands .type(), .width() and .height() to the field that reads them', async () => {
    const r = await send(server, { path: read('badge.type(large).width(100).height(50)') });
    expect(r.body.badge).toEqual({ type: 'large', width: '100', height: '50' });
  });

  it('answers an unknown field with (#100) Tried accessing nonexisting field, naming the node type', async () => {
    const r = await send(server, { path: read('id,nonsense,alsonot') });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 100, type: 'OAuthException', message: '(#100) Tried accessing nonexisting field (nonsense) on node type (Widget)' });
    const user = await send(server, { path: `/v21.0/me?access_token=${DEMO.aliceToken}&fields=id,nonsense` });
    expect(user.body.error.message).toBe('(#100) Tried accessing nonexisting field (nonsense) on node type (User)');
    const nested = await send(server, { path: read('parts{nope}') });
    expect(nested.body.error.message).toBe('(#100) Tried accessing nonexisting field (nope) on node type (WidgetPart)');
  });

  it('treats a field the version does not have as nonexisting', async () => {
    const old = await send(server, { path: read('color', 'v19.0') });
    expect(old.body.error.message).toBe('(#100) Tried accessing nonexisting field (color) on node type (Widget)');
    const current = await send(server, { path: read('color', 'v20.0') });
    expect(current.body.color).toBe('teal');
  });

  it('answers a syntax error with the real 2500 parse error', async () => {
    const r = await send(server, { path: read('id,na}me') });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      code: 2500,
      type: 'OAuthException',
      message: 'Syntax error "Expected end of string instead of "}"." at character 5: id,na}me',
    });
    const empty = await send(server, { path: read('id,,name') });
    expect(empty.body.error.message).toBe('Syntax error "Expected name." at character 3: id,,name');
  });

  it('omits a field the token may not see, without an error', async () => {
    const alice = await send(server, { path: read('secret') });
    expect(alice.body).toEqual({ secret: 'the secret', id: W });
    const bob = await send(server, { path: read('secret', 'v21.0', DEMO.bobToken) });
    expect(bob.status).toBe(200);
    expect(bob.body).toEqual({ id: W });
  });
});

describe('fields: any input', () => {
  it('answers any fields text with a 200 or a Graph error of code 100 or 2500, never anything else', async () => {
    const alphabet = fc.constantFrom(...'acdeinmopst_,{}().  '.split(''), 'parts', 'owner', 'limit(2)', 'as(x)', 'after(', '"', '[', ']');
    await fc.assert(
      fc.asyncProperty(fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')), async (fields) => {
        const r = await inProcess(server, { path: read(fields) });
        expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
        if (r.status === 200) {
          expect(r.body.id).toBe(W);
        } else {
          expect(r.status).toBe(400);
          expect([100, 2500]).toContain(r.body.error.code);
          expect(r.body.error.fbtrace_id).toBe(r.headers['x-fb-trace-id']);
        }
      }),
      { numRuns: 300 },
    );
  });
});
