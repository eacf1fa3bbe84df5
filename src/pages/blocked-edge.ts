/**
 * `/{page_id}/blocked`: the people a page has blocked. `POST` blocks, `DELETE` unblocks (seeds:
 * `asid`, `psid`, `uid` or `user`, one of them required), `GET` lists them so the round trip can
 * be seen. Only the page's own token may touch it (200 otherwise).
 */
import { invalidParameter, missingParameter, permissionsError } from '../graph/errors/catalogue.js';
import type { GraphContext } from '../graph/context.js';
import type { EdgeDef, EdgeList, NodeType } from '../graph/registry.js';
import { recordType, type Rec } from '../users/content-types.js';
import { ensurePsid } from './page-scoped-ids.js';
import type { PageView } from './page-node.js';

/** The people a page blocks, under their page-scoped ids. */
const blockedProfileType = recordType('Profile', ['name'], ['id', 'name']);

const ID_PARAMS = ['asid', 'psid', 'uid', 'user'] as const;

async function requirePageToken(ctx: GraphContext, page: PageView): Promise<void> {
  const p = await ctx.auth();
  if (p.kind !== 'page' || p.pageId !== page.page.id) throw permissionsError();
}

/** The ids a request names, from whichever of the four parameters it used (lists allowed). */
function namedIds(ctx: GraphContext): Array<{ param: string; id: string }> {
  const out: Array<{ param: string; id: string }> = [];
  for (const param of ID_PARAMS) {
    for (const id of ctx.params.list(param) ?? []) out.push({ param, id: id.trim() });
  }
  return out;
}

/** A person id from an app-scoped id (of the page token's app) or a page-scoped id (of this page). */
async function personOf(ctx: GraphContext, page: PageView, param: string, id: string): Promise<string | undefined> {
  const store = ctx.services.store;
  if (param !== 'asid') {
    const scoped = await store.userContent.findPsid(id);
    if (scoped && scoped.page_id === page.page.id) return scoped.person_id;
    if (param === 'psid') return undefined;
  }
  const appUser = await store.world.getAppUserByAsid(id);
  const p = await ctx.auth();
  if (!appUser || appUser.app_id !== p.app.id) return undefined;
  const person = await store.world.getPerson(appUser.person_id);
  return person?.id;
}

async function resolveTargets(ctx: GraphContext, page: PageView): Promise<Array<{ id: string; personId: string }>> {
  const named = namedIds(ctx);
  // "This or uid is required"
  if (named.length === 0) throw missingParameter('user');
  const out: Array<{ id: string; personId: string }> = [];
  for (const n of named) {
    const personId = await personOf(ctx, page, n.param, n.id);
    if (!personId) throw invalidParameter(`Param ${n.param} must be a valid user id: ${n.id} is not a person this page can see`);
    out.push({ id: n.id, personId });
  }
  return out;
}

export const blockedEdge: EdgeDef<PageView> = {
  list: async (page, ctx): Promise<EdgeList<unknown>> => {
    await requirePageToken(ctx, page);
    const store = ctx.services.store;
    const filter = ctx.params.list('user') ?? ctx.params.list('uid');
    const items: Rec[] = [];
    for (const b of await store.userContent.listBlocked(page.page.id)) {
      const person = await store.world.getPerson(b.person_id);
      if (!person) continue;
      const psid = await ensurePsid(ctx, page.page.id, person.id);
      items.push({ id: psid, name: person.name });
    }
    const shown = filter ? items.filter((i) => filter.includes(String(i.id))) : items;
    return { items: shown, itemType: blockedProfileType as unknown as NodeType<unknown> };
  },
  /** Blocking answers a map of each id to whether it is now blocked. */
  create: async (page, ctx) => {
    await requirePageToken(ctx, page);
    const targets = await resolveTargets(ctx, page);
    const now = ctx.services.clock.nowSeconds();
    const out: Record<string, boolean> = {};
    for (const t of targets) {
      await ctx.services.store.userContent.block(page.page.id, t.personId, now);
      out[t.id] = true;
    }
    return out;
  },
  remove: async (page, ctx) => {
    await requirePageToken(ctx, page);
    const targets = await resolveTargets(ctx, page);
    for (const t of targets) await ctx.services.store.userContent.unblock(page.page.id, t.personId);
    return { success: true };
  },
};
