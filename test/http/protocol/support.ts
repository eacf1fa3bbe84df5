/**
 * Shared pieces of the protocol tests: two transports (a real socket through node:http, which —
 * unlike fetch — can send a body with GET and a multi-MiB request line; and Fastify's in-process
 * `inject`), a probe root that echoes what the pipeline decoded, and a small test-only node type
 * with fields and edges, so paging, fields and errors are exercised without another domain's code.
 */
import http from 'node:http';
import type { GraphContext } from '../../../src/graph/context.js';
import type { NodeType } from '../../../src/graph/registry.js';
import { structType } from '../../../src/graph/registry.js';
import { atLeast } from '../../../src/graph/versions.js';
import type { TestServer } from '../../helpers/server.js';

export interface Sent {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Answer {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  text: string;
  body: any; // any: tests read arbitrary JSON shapes
}

export type Transport = (server: TestServer, req: Sent) => Promise<Answer>;

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function flatHeaders(h: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

/** A real socket. Content-Length is always set, as real clients do (Node would send none on GET). */
export const socket: Transport = (server, req) =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const r = http.request(server.url + req.path, { method: req.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), text, body: parse(text) });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(req.body);
  });

/** In process, through Fastify's light-my-request: no socket, same handlers. */
export const inProcess: Transport = async (server, req) => {
  const res = await server.http.inject({
    method: (req.method ?? 'GET') as 'GET',
    url: req.path,
    headers: req.headers,
    payload: req.body,
  });
  return { status: res.statusCode, headers: flatHeaders(res.headers), text: res.body, body: parse(res.body) };
};

export const TRANSPORTS: Array<[string, Transport]> = [
  ['real socket', socket],
  ['in process', inProcess],
];

/** Loads a fixture fragment next to the demo world. */
export async function mergeFixture(server: TestServer, fragment: unknown): Promise<void> {
  const r = await server.admin('/_localgraph/fixture?merge=1', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fragment),
  });
  if (r.status !== 200) throw new Error(`fixture refused: ${JSON.stringify(r.body)}`);
}

export async function advanceClock(server: TestServer, seconds: number): Promise<void> {
  const r = await server.admin('/_localgraph/clock', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance_seconds: seconds }),
  });
  if (r.status !== 200) throw new Error(`clock refused: ${JSON.stringify(r.body)}`);
}

/** What the probe root answers: the call as the pipeline decoded it. */
export interface Echo {
  method: string;
  version: string;
  path: string[];
  params: Record<string, unknown>;
  sources: string[];
  token: string | null;
  files: Record<string, number>;
}

export interface Part {
  id: string;
  name: string;
  n: number;
}

export interface Widget {
  id: string;
  name: string;
  color: string;
  secret: string;
  parts: Part[];
}

export const PROBE_ROOT = 'lgtest_echo';
export const WIDGET_TYPE = 'lgtest_widget';

const partType = structType<Part & Record<string, unknown>>('WidgetPart', ['id', 'name', 'n'], ['id', 'name']);

function echo(ctx: GraphContext, extra: Record<string, unknown> = {}): Echo & Record<string, unknown> {
  const files: Record<string, number> = {};
  for (const [k, v] of Object.entries(ctx.files)) files[k] = v.length;
  // What a handler reading `payload` as JSON gets (JSON string, nested object or brackets alike).
  if (ctx.params.has('payload')) extra = { payload_decoded: ctx.params.json('payload'), ...extra };
  return {
    method: ctx.method,
    version: ctx.version.name,
    path: ctx.path,
    params: ctx.params.toObject(),
    sources: ctx.paramSources,
    token: ctx.token ?? null,
    files,
    ...extra,
  };
}

/**
 * Registers the probe root and the Widget type on a running server; `addWidget` creates one with
 * `parts` parts. Widget fields: id, name, color (v20.0 and later only), secret (needs the
 * user_likes permission), owner (a nested object), badge (echoes its modifiers), boom (throws a plain Error). Edges: parts
 * (paged list, POST/DELETE echo the call), gallery (answers without a token).
 */
export function installProbe(server: TestServer): { widgets: Map<string, Widget>; addWidget(id: string, parts: number): Promise<Widget> } {
  const widgets = new Map<string, Widget>();
  const reg = server.services.registry;
  reg.addRoot(PROBE_ROOT, async (ctx, rest) => echo(ctx, { rest }));
  const ownerType = structType<{ id: string; name: string }>('WidgetOwner', ['id', 'name']);
  const widgetType: NodeType<Widget> = {
    type: WIDGET_TYPE,
    graphName: 'Widget',
    load: async (id) => widgets.get(id),
    idOf: (w) => w.id,
    defaultFields: () => ['id', 'name'],
    fields: {
      id: { get: (w) => w.id, typeName: 'numeric string', description: 'The widget id' },
      name: { get: (w) => w.name, typeName: 'string' },
      color: { get: (w) => w.color, available: (v) => atLeast(v, 20) },
      secret: {
        visible: async (_w, ctx) => ((await ctx.optionalAuth())?.scopes.has('user_likes') ? true : 'Field secret is only accessible with the user_likes permission'),
        get: (w) => w.secret,
      },
      owner: { get: (w) => ({ id: `${w.id}9`, name: `Owner of ${w.name}` }), objectType: ownerType as NodeType<unknown> },
      // Echoes the modifiers it was asked with (`.type()`, `.width()`, `.height()`…).
      badge: { get: (_w, _ctx, f) => ({ ...f.args }) },
      boom: {
        get: () => {
          throw new Error('kaput: an internal failure with a stack trace');
        },
      },
    },
    edges: {
      parts: {
        list: async (w) => ({ items: w.parts, itemType: partType as NodeType<unknown>, summary: { kind: 'parts' } }),
        create: async (_w, ctx, rest) => echo(ctx, { rest }),
        remove: async (_w, ctx, rest) => echo(ctx, { rest }),
      },
      gallery: {
        public: true,
        list: async (w) => ({ items: w.parts.slice(0, 2), itemType: partType as NodeType<unknown> }),
      },
    },
    post: async (_w, ctx) => echo(ctx),
    delete: async (_w, ctx) => echo(ctx),
  };
  reg.addType(widgetType);
  return {
    widgets,
    async addWidget(id, parts) {
      const w: Widget = {
        id,
        name: `Widget ${id}`,
        color: 'teal',
        secret: 'the secret',
        parts: Array.from({ length: parts }, (_, i) => ({ id: `${id}${String(i).padStart(4, '0')}`, name: `part ${i}`, n: i })),
      };
      widgets.set(id, w);
      await server.store.world.register(id, WIDGET_TYPE);
      return w;
    },
  };
}
