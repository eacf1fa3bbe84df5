/**
 * Where a call goes: `/{root}` handlers (debug_token, oauth…), `/me`, or `/{id}` through the id
 * registry to its node type, then to a field read, a node write, or an edge.
 */
import {
  activeTokenForMe,
  aliasesNotFound,
  invalidParameter,
  unknownPath,
  unsupportedRequest,
} from './errors/catalogue.js';
import { GraphError } from './errors/graph-error.js';
import type { GraphContext, HandlerResult } from './context.js';
import { withMetadata } from './metadata.js';
import type { NodeType } from './registry.js';
import { renderEdge, renderNode } from './render.js';

export async function loadNode(ctx: GraphContext, id: string): Promise<{ type: NodeType<unknown>; node: unknown } | undefined> {
  const reg = ctx.services.registry;
  if (id === 'me') {
    if (!ctx.token) throw activeTokenForMe();
    const p = await ctx.auth();
    if (p.kind === 'app' || !reg.me) throw activeTokenForMe();
    return reg.me(ctx);
  }
  const typeName = await ctx.services.store.world.typeOf(id);
  if (!typeName) return undefined;
  const type = reg.types.get(typeName);
  if (!type) return undefined;
  const node = await type.load(id, ctx);
  return node === undefined ? undefined : { type, node };
}

/**
 * The business SDK sends the node's own id as an `id` parameter on every call (the parent's id on
 * edge calls). It says nothing the path does not, so it is dropped before handlers see it; an
 * `id` naming something else is left for the handler to judge.
 */
function dropRedundantId(ctx: GraphContext, ...nodeIds: string[]): void {
  const given = ctx.params.string('id');
  if (given !== undefined && nodeIds.includes(given)) ctx.params = ctx.params.without('id');
}

/** Node paths need a token (104 without one), except edges that declare themselves public. */
async function requireToken(ctx: GraphContext, first: string, edgeName: string | undefined): Promise<void> {
  if (ctx.token || first === 'me') return;
  if (edgeName !== undefined) {
    const typeName = await ctx.services.store.world.typeOf(first);
    const type = typeName ? ctx.services.registry.types.get(typeName) : undefined;
    if (type?.edges?.[edgeName]?.public) return;
  }
  await ctx.auth();
}

export async function dispatch(ctx: GraphContext): Promise<HandlerResult> {
  const [first, ...rest] = ctx.path;
  if (first === undefined) return rootCall(ctx);
  const root = ctx.services.registry.roots.get(first);
  if (root) return root(ctx, rest);
  await requireToken(ctx, first, rest[0]);
  dropRedundantId(ctx, first);
  const found = await loadNode(ctx, first);
  if (!found) throw unsupportedRequest(ctx.method, first);
  const { type, node } = found;
  dropRedundantId(ctx, type.idOf(node));
  if (rest.length === 0) {
    if (ctx.method === 'GET') return withMetadata(ctx, type, node, await renderNode(type, node, ctx.fields(), ctx));
    const handler = ctx.method === 'POST' ? type.post : type.delete;
    if (!handler) throw unsupportedRequest(ctx.method, first);
    return handler(node, ctx);
  }
  const [edgeName, ...sub] = rest;
  const edge = type.edges?.[edgeName];
  if (!edge || (edge.available && !edge.available(ctx.version))) throw unknownPath('/' + ctx.path.join('/'));
  if (ctx.method === 'GET') {
    if (sub.length > 0) {
      if (!edge.getSub) throw unknownPath('/' + ctx.path.join('/'));
      return edge.getSub(node, ctx, sub);
    }
    if (edge.get) return edge.get(node, ctx);
    if (!edge.list) throw unsupportedRequest(ctx.method, first);
    return renderEdge(edge, node, type, ctx, undefined, true, edgeName);
  }
  const handler = ctx.method === 'POST' ? edge.create : edge.remove;
  if (!handler) throw unsupportedRequest(ctx.method, first);
  return handler(node, ctx, sub);
}

/** `GET /?ids=a,b` — several nodes in one call, keyed by the ids as given. */
async function rootCall(ctx: GraphContext): Promise<HandlerResult> {
  const ids = ctx.params.list('ids');
  if (!ids || ids.length === 0) throw invalidParameter("Must specify the 'ids' parameter, or a path");
  if (ctx.method !== 'GET') throw unsupportedRequest(ctx.method, '');
  if (!ctx.token) await ctx.auth();
  const out: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const id of ids) {
    const found = await loadNode(ctx, id).catch((e: unknown) => {
      if (e instanceof GraphError && e.code === 100) return undefined;
      throw e;
    });
    if (!found) {
      missing.push(id);
      continue;
    }
    out[id] = await renderNode(found.type, found.node, ctx.fields(), ctx);
  }
  if (missing.length > 0) throw aliasesNotFound(missing);
  return out;
}
