/**
 * Page-scoped user ids (PSIDs): each page sees a person under its own id, as each app does. They
 * are minted repeatably on first use and kept, so a PSID read from `ids_for_pages` can later be
 * passed to `/{page_id}/blocked`.
 */
import type { GraphContext } from '../graph/context.js';
import { pageScopedId } from '../users/derived-ids.js';

export async function ensurePsid(ctx: GraphContext, pageId: string, personId: string): Promise<string> {
  const repo = ctx.services.store.userContent;
  const existing = await repo.getPsid(pageId, personId);
  if (existing) return existing.psid;
  const psid = pageScopedId(pageId, personId);
  await repo.insertPsid({ page_id: pageId, person_id: personId, psid });
  return psid;
}
