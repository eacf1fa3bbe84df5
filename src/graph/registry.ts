/**
 * Node types and their fields and edges. Each domain (users/, audiences/, auth/…) registers its
 * types at start-up; the dispatcher finds an id's type through the store's id registry and the
 * renderer walks the fields tree through these definitions. A request goes:
 * path → root handler or node type → field / edge definitions here.
 */
import type { FieldNode } from './fields/types.js';
import type { GraphContext, HandlerResult } from './context.js';
import type { VersionInfo } from './versions.js';

/** Why a field is not shown: omitted from the answer, with this text in `__debug__`. */
export type Hidden = { hidden: string };

export interface FieldDef<N> {
  /** False on versions whose reference page does not list the field: it is then unknown. */
  available?: (v: VersionInfo) => boolean;
  /** True when the caller may read it; a string is the reason it is left out. */
  visible?: (node: N, ctx: GraphContext) => Promise<true | string> | true | string;
  get: (node: N, ctx: GraphContext, field: FieldNode) => unknown;
  /** Items of a nested object rendered through a node type (e.g. `location{name}`). */
  objectType?: NodeType<unknown>;
  /** For `metadata=1`: the reference page's description and type string (`numeric string`, `bool`…). */
  description?: string;
  typeName?: string;
}

export interface EdgeList<T> {
  items: T[];
  itemType: NodeType<T>;
  /** Extra members of `summary` when asked (`total_count` is added by the pager). */
  summary?: Record<string, unknown>;
}

export interface EdgeDef<N> {
  available?: (v: VersionInfo) => boolean;
  /** GET: the whole ordered list; the pager cuts pages from it. */
  list?: (node: N, ctx: GraphContext, field: FieldNode | undefined) => Promise<EdgeList<unknown>>;
  /** POST /{id}/{edge}[/{rest}] */
  create?: (node: N, ctx: GraphContext, rest: string[]) => Promise<HandlerResult>;
  /** DELETE /{id}/{edge}[/{rest}] */
  remove?: (node: N, ctx: GraphContext, rest: string[]) => Promise<HandlerResult>;
  /**
   * GET /{id}/{edge} answered by the edge itself instead of a paged list (the picture edge's 302
   * redirect or its `{data:{…}}` form).
   */
  get?: (node: N, ctx: GraphContext) => Promise<HandlerResult>;
  /** GET /{id}/{edge}/{rest…} when the edge has sub-paths (e.g. /me/permissions/email). */
  getSub?: (node: N, ctx: GraphContext, rest: string[]) => Promise<HandlerResult>;
  /** Default page size (25 unless the real edge differs). */
  defaultLimit?: number;
  maxLimit?: number;
  /**
   * True when the edge answers without an access token (the profile picture of an app-scoped
   * id): every other path on a node needs one (104 otherwise).
   */
  public?: boolean;
}

export interface NodeType<N> {
  /** The type name in the id registry (`user`, `customaudience`, …). */
  type: string;
  /** The name in error messages: `node type (User)`. */
  graphName: string;
  load: (id: string, ctx: GraphContext) => Promise<N | undefined>;
  idOf: (node: N) => string;
  fields: Record<string, FieldDef<N>>;
  /** Fields returned when the request has no `fields`. */
  defaultFields: (ctx: GraphContext, node: N) => string[];
  edges?: Record<string, EdgeDef<N>>;
  /** Called when the request is POST /{id} (updates). */
  post?: (node: N, ctx: GraphContext) => Promise<HandlerResult>;
  delete?: (node: N, ctx: GraphContext) => Promise<HandlerResult>;
}

/** A handler for a path whose first segment is a name, not an id (`debug_token`, `oauth`). */
export type RootHandler = (ctx: GraphContext, rest: string[]) => Promise<HandlerResult>;

/** Resolves `/me` for the token's principal to a node and its type. */
export type MeResolver = (ctx: GraphContext) => Promise<{ type: NodeType<unknown>; node: unknown }>;

export class Registry {
  readonly types = new Map<string, NodeType<unknown>>();
  readonly roots = new Map<string, RootHandler>();
  me: MeResolver | undefined;

  addType<N>(t: NodeType<N>): void {
    this.types.set(t.type, t as unknown as NodeType<unknown>);
  }

  addRoot(name: string, h: RootHandler): void {
    this.roots.set(name, h);
  }

  /**
   * Adds an edge to a type another domain owns (auth/ adds `permissions` and `friends` to User),
   * so a domain never edits another's files.
   */
  addEdge<N>(typeName: string, name: string, def: EdgeDef<N>): void {
    const t = this.types.get(typeName);
    if (!t) throw new Error(`addEdge: no node type ${typeName} registered yet`);
    t.edges = { ...(t.edges ?? {}), [name]: def as unknown as EdgeDef<unknown> };
  }

  addField<N>(typeName: string, name: string, def: FieldDef<N>): void {
    const t = this.types.get(typeName);
    if (!t) throw new Error(`addField: no node type ${typeName} registered yet`);
    t.fields = { ...t.fields, [name]: def as unknown as FieldDef<unknown> };
  }
}

/** A node type for plain records (`{permission, status}`): every key is a field. */
export function structType<T extends Record<string, unknown>>(
  graphName: string,
  fieldNames: string[],
  defaults: string[] = fieldNames,
  idKey = 'id',
): NodeType<T> {
  const fields: Record<string, FieldDef<T>> = {};
  for (const f of fieldNames) fields[f] = { get: (n) => n[f] };
  return {
    type: `struct:${graphName}`,
    graphName,
    load: async () => undefined,
    idOf: (n) => String(n[idKey] ?? ''),
    fields,
    defaultFields: () => defaults,
  };
}
