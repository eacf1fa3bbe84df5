/**
 * Renders nodes and edges through the fields tree: the one place that decides what a field
 * request returns — unknown fields (100), fields a version does not have, permission-gated fields
 * left out (with a `__debug__` warning), nested objects and edges to any depth, aliases, paging.
 */
import { nonexistingField, unknownFields } from './errors/catalogue.js';
import type { GraphContext } from './context.js';
import type { FieldNode } from './fields/types.js';
import { cutPage, pageLink, readLimit } from './paging.js';
import type { EdgeDef, NodeType } from './registry.js';

type Json = Record<string, unknown>;

/** Fields that take modifiers or aliases (objects and edges); scalars cannot be aliased. */
function isAliasable<N>(type: NodeType<N>, name: string): boolean {
  return Boolean(type.edges?.[name]) || name === 'picture' || Boolean(type.fields[name]?.objectType);
}

export async function renderNode<N>(type: NodeType<N>, node: N, fields: FieldNode[] | undefined, ctx: GraphContext): Promise<Json> {
  const requested: FieldNode[] = fields ?? type.defaultFields(ctx, node).map((name) => ({ name, args: {} }));
  const out: Json = {};
  // Check every name before computing any: the first unknown field is the error, as on Graph.
  for (const f of requested) {
    const def = type.fields[f.name];
    const edge = type.edges?.[f.name];
    const known = (def && (!def.available || def.available(ctx.version))) || (edge && (!edge.available || edge.available(ctx.version)));
    if (!known) throw nonexistingField(f.name, type.graphName);
    if (f.alias !== undefined && !isAliasable(type, f.name)) throw unknownFields([f.alias]);
  }
  for (const f of requested) {
    const key = f.alias ?? f.name;
    const edge = type.edges?.[f.name];
    const def = type.fields[f.name];
    if (def) {
      if (def.visible) {
        const v = await def.visible(node, ctx);
        if (v !== true) {
          ctx.debugMessages.push({ message: v, type: 'warning' });
          continue;
        }
      }
      let value = await def.get(node, ctx, f);
      if (value === undefined) continue;
      if (def.objectType && value !== null && typeof value === 'object') {
        value = Array.isArray(value)
          ? await Promise.all(value.map((v) => renderNode(def.objectType as NodeType<unknown>, v, f.children, ctx)))
          : await renderNode(def.objectType, value, f.children, ctx);
      }
      out[key] = value;
    } else if (edge) {
      const rendered = await renderEdge(edge, node, type, ctx, f, false);
      if (rendered !== undefined) out[key] = rendered;
    }
  }
  // "The ID of the object, which is always returned."
  if (out.id === undefined && type.fields.id) {
    const id = await type.fields.id.get(node, ctx, { name: 'id', args: {} });
    if (id !== undefined) out.id = id;
  }
  return out;
}

/**
 * One page of an edge. `field` carries the modifiers when the edge is nested in `fields`; at the
 * top level (`GET /{id}/{edge}`) limit/after/before/summary come from the parameters.
 */
export async function renderEdge<N>(
  edge: EdgeDef<N>,
  node: N,
  ownerType: NodeType<N>,
  ctx: GraphContext,
  field: FieldNode | undefined,
  topLevel: boolean,
  edgeName?: string,
): Promise<Json | undefined> {
  if (!edge.list) return undefined;
  const list = await edge.list(node, ctx, field);
  const p = ctx.params;
  const arg = (name: string): string | undefined => (topLevel ? p.string(name) : field?.args[name]);
  const limit = readLimit(arg('limit'), edge.defaultLimit ?? 25, edge.maxLimit ?? 5000);
  const page = cutPage(list.items, (i) => list.itemType.idOf(i), { limit, after: arg('after'), before: arg('before') });
  const childFields = topLevel ? ctx.fields() : field?.children;
  const data = await Promise.all(page.items.map((i) => renderNode(list.itemType, i, childFields, ctx)));
  const out: Json = { data };
  const paging: Json = {};
  if (page.cursors) paging.cursors = page.cursors;
  const name = edgeName ?? field?.name ?? '';
  const segments = [ownerType.idOf(node), name];
  const carry: Record<string, string> = {};
  if (topLevel) {
    for (const k of p.names()) {
      const v = p.string(k);
      if (v !== undefined && k !== 'method' && k !== 'id') carry[k] = v;
    }
    // A token sent in `Authorization` rides in the link too: real links always carry it.
    if (ctx.token && carry.access_token === undefined) carry.access_token = ctx.token;
  } else {
    if (ctx.token) carry.access_token = ctx.token;
    if (field?.children) {
      const { fieldsToString } = await import('./fields/parse.js');
      carry.fields = fieldsToString(field.children);
    }
  }
  carry.limit = String(limit);
  if (page.hasNext && page.cursors) paging.next = pageLink(ctx, segments, carry, { after: page.cursors.after });
  if (page.hasPrevious && page.cursors) paging.previous = pageLink(ctx, segments, carry, { before: page.cursors.before });
  if (Object.keys(paging).length > 0) out.paging = paging;
  const summaryArg = topLevel ? p.string('summary') : field?.args.summary;
  if (summaryArg !== undefined && summaryArg !== 'false' && summaryArg !== '0') {
    out.summary = { ...(list.summary ?? {}), total_count: list.items.length };
  }
  return out;
}
