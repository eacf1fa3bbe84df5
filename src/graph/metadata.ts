/**
 * `metadata=1` (introspection): a node read gains a `metadata` member listing the node type's
 * fields and its connections (edges) on the version served. Meta removed it in v25.0 ("no longer
 * returns metadata"), so from v25.0 on the parameter is ignored (spec/graph-api-core.md §3.8).
 */
import type { GraphContext } from './context.js';
import type { NodeType } from './registry.js';
import { atLeast } from './versions.js';

function wantsMetadata(ctx: GraphContext): boolean {
  const v = ctx.params.string('metadata')?.trim().toLowerCase();
  return v === '1' || v === 'true';
}

export function withMetadata<N>(ctx: GraphContext, type: NodeType<N>, node: N, rendered: Record<string, unknown>): Record<string, unknown> {
  if (!wantsMetadata(ctx) || atLeast(ctx.version, 25)) return rendered;
  const id = type.idOf(node);
  const fields = Object.entries(type.fields)
    .filter(([, def]) => !def.available || def.available(ctx.version))
    .map(([name, def]) => ({
      name,
      ...(def.description !== undefined ? { description: def.description } : {}),
      ...(def.typeName !== undefined ? { type: def.typeName } : {}),
    }));
  const connections: Record<string, string> = {};
  for (const [name, edge] of Object.entries(type.edges ?? {})) {
    if (edge.available && !edge.available(ctx.version)) continue;
    connections[name] = `${ctx.baseUrl}/${ctx.version.name}/${encodeURIComponent(id)}/${name}`;
  }
  // The real sample puts `metadata` between the fields and `id`; JSON clients do not care.
  const { id: renderedId, ...rest } = rendered;
  const out: Record<string, unknown> = { ...rest, metadata: { fields, type: type.graphName.toLowerCase(), connections } };
  if (renderedId !== undefined) out.id = renderedId;
  return out;
}
