/**
 * The Page node, as far as the User surface needs it: `GET /{page_id}` and `/me` with a page
 * token (which resolves to the page), and the page's `blocked` edge.
 */
import type { GraphContext } from '../graph/context.js';
import type { FieldDef, NodeType, Registry } from '../graph/registry.js';
import type { Page } from '../storage/world.js';
import { blockedEdge } from './blocked-edge.js';

export interface PageView {
  page: Page;
  profile: Record<string, unknown>;
}

function parseProfile(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function loadPage(ctx: GraphContext, id: string): Promise<PageView | undefined> {
  const page = await ctx.services.store.world.getPage(id);
  return page ? { page, profile: parseProfile(page.profile) } : undefined;
}

/** True when the call is made with this page's own token. */
export async function isPageTokenOf(ctx: GraphContext, pageId: string): Promise<boolean> {
  const p = await ctx.optionalAuth();
  return p?.kind === 'page' && p.pageId === pageId;
}

/** Profile members a fixture may set, served as they are. */
const PROFILE_FIELDS = ['about', 'description', 'emails', 'fan_count', 'followers_count', 'link', 'location', 'phone', 'username', 'verification_status', 'website'];

function pageFields(): Record<string, FieldDef<PageView>> {
  const fields: Record<string, FieldDef<PageView>> = {
    id: { get: (p) => p.page.id },
    name: { get: (p) => p.page.name },
    category: { get: (p) => p.page.category ?? undefined },
    category_list: {
      get: (p) => (p.page.category ? [{ id: String(p.profile.category_id ?? '2700'), name: p.page.category }] : undefined),
    },
    business: {
      get: async (p, ctx) => {
        if (!p.page.business_id) return undefined;
        const b = await ctx.services.store.world.getBusiness(p.page.business_id);
        return b ? { id: b.id, name: b.name } : undefined;
      },
    },
    access_token: {
      // Only the page's own token can read it back.
      visible: async (p, ctx) => ((await isPageTokenOf(ctx, p.page.id)) ? true : 'Field access_token is only accessible with the page access token'),
      get: async (_p, ctx) => ctx.token,
    },
  };
  for (const name of PROFILE_FIELDS) fields[name] = { get: (p) => p.profile[name] };
  return fields;
}

export const pageType: NodeType<PageView> = {
  type: 'page',
  graphName: 'Page',
  load: (id, ctx) => loadPage(ctx, id),
  idOf: (p) => p.page.id,
  defaultFields: () => ['name', 'id'],
  fields: pageFields(),
  edges: { blocked: blockedEdge },
};

export async function loadPageNode(ctx: GraphContext, id: string): Promise<{ type: NodeType<unknown>; node: unknown } | undefined> {
  const node = await loadPage(ctx, id);
  return node ? { type: pageType as unknown as NodeType<unknown>, node } : undefined;
}

export function registerPageNode(registry: Registry): void {
  registry.addType(pageType);
}
