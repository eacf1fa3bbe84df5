/**
 * The fixture section `user_content`: what the User edges show, keyed by person key.
 *
 * ```json
 * "user_content": {
 *   "alice": {
 *     "albums": [{ "name": "Trip", "created_time": "2024-05-01T10:00:00+0000", "photos": [{ "name": "Beach" }] }],
 *     "likes": [{ "id": "20531316728", "name": "Facebook", "category": "Website" }],
 *     "businesses": [{ "business": "100200300400500", "role": "ADMIN" }],
 *     "blocked_by_pages": ["111222333444555"]
 *   }
 * }
 * ```
 * Items keep every member they are given (they are what `fields` can ask for); `id` is minted
 * repeatably when absent; `created_time` is unix seconds or a date, defaulting to an hour apart
 * per position before load time, newest first.
 */
import { registerFixtureSection, type LoadContext } from '../fixtures/sections.js';
import type { Store } from '../storage/store.js';
import type { ContentRow } from '../storage/user-content.js';
import { isContentNodeKind } from './content-nodes.js';
import { CONTENT_KINDS } from './edge-sources.js';
import { businessUserId, contentItemId } from './derived-ids.js';
import { toUnixSeconds } from './graph-time.js';

/** Fixture key → stored kind (the edge each feeds is in edge-sources.ts). */
export const SECTION_KINDS: Record<string, string> = {
  // Fixture keys are the edge names, with `payment.subscriptions` spelt as a plain JSON key.
  ...Object.fromEntries(Object.entries(CONTENT_KINDS).map(([edge, kind]) => [edge.replace('.', '_'), kind])),
  game_items: 'game_item',
};
const KEY_OF_KIND = new Map(Object.entries(SECTION_KINDS).map(([k, v]) => [v, k]));

const when = { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1 }] };
const item = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9_.:-]+$' }, created_time: when },
};
const itemList = { type: 'array', items: item };

const personProperties: Record<string, unknown> = {};
for (const key of Object.keys(SECTION_KINDS)) personProperties[key] = itemList;
personProperties.albums = {
  type: 'array',
  items: { ...item, properties: { ...item.properties, photos: itemList } },
};
personProperties.businesses = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['business'],
    properties: { business: { type: 'string', pattern: '^[0-9]{1,20}$' }, role: { enum: ['ADMIN', 'EMPLOYEE'] } },
  },
};
personProperties.blocked_by_pages = { type: 'array', items: { type: 'string', pattern: '^[0-9]{1,20}$' } };

export const USER_CONTENT_SCHEMA = {
  type: 'object',
  additionalProperties: { type: 'object', additionalProperties: false, properties: personProperties },
};

type Item = Record<string, unknown>;
type PersonContent = Record<string, unknown>;

async function insertItems(
  ctx: LoadContext,
  personKey: string,
  personId: string,
  kind: string,
  items: Item[],
  path: string,
  parent?: { id: string; key: string },
): Promise<void> {
  const now = ctx.clock.nowSeconds();
  for (const [i, raw] of items.entries()) {
    const { id, created_time, photos, ...data } = raw;
    const itemId = typeof id === 'string' ? id : contentItemId(personKey, kind, i, parent?.key ?? '');
    const created = created_time === undefined ? now - (i + 1) * 3600 : toUnixSeconds(created_time);
    if (created === undefined) ctx.fail(`${path}[${i}].created_time`, `"${String(created_time)}" is not a date`);
    const row: ContentRow = {
      id: itemId,
      person_id: personId,
      kind,
      parent_id: parent?.id ?? null,
      position: i,
      created_time: created as number,
      data: JSON.stringify(data),
    };
    try {
      await ctx.store.userContent.insertItem(row);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      ctx.fail(`${path}[${i}].id`, /UNIQUE|duplicate|unique/i.test(msg) ? `duplicates the item id ${itemId}` : msg);
    }
    // Albums, photos, posts and videos are nodes of their own (`GET /{album-id}`).
    if (isContentNodeKind(kind)) await ctx.store.world.register(itemId, kind);
    if (kind === 'album' && Array.isArray(photos)) {
      await insertItems(ctx, personKey, personId, 'photo', photos as Item[], `${path}[${i}].photos`, { id: itemId, key: `album${i}` });
    }
  }
}

async function load(value: unknown, ctx: LoadContext): Promise<void> {
  const section = value as Record<string, PersonContent>;
  for (const [personKey, content] of Object.entries(section)) {
    const base = `$.user_content[${JSON.stringify(personKey)}]`;
    const personId = ctx.personIds.get(personKey) ?? ctx.fail(base, `no person with key ${personKey}`);
    for (const [key, kind] of Object.entries(SECTION_KINDS)) {
      const items = content[key];
      if (Array.isArray(items)) await insertItems(ctx, personKey, personId, kind, items as Item[], `${base}.${key}`);
    }
    for (const [i, m] of ((content.businesses ?? []) as Array<{ business: string; role?: string }>).entries()) {
      if (!(await ctx.store.world.getBusiness(m.business))) ctx.fail(`${base}.businesses[${i}].business`, `no business with id ${m.business}`);
      await ctx.store.userContent.upsertMember({
        business_id: m.business,
        person_id: personId,
        role: m.role ?? 'EMPLOYEE',
        business_user_id: businessUserId(m.business, personId),
      });
    }
    for (const [i, pageId] of ((content.blocked_by_pages ?? []) as string[]).entries()) {
      if (!(await ctx.store.world.getPage(pageId))) ctx.fail(`${base}.blocked_by_pages[${i}]`, `no page with id ${pageId}`);
      await ctx.store.userContent.block(pageId, personId, ctx.clock.nowSeconds());
    }
  }
}

function exportItem(row: ContentRow): Item {
  const data = JSON.parse(row.data) as Item;
  return { id: row.id, created_time: Number(row.created_time), ...data };
}

async function exportSection(store: Store, personKeys: Map<string, string>): Promise<Record<string, PersonContent>> {
  const out: Record<string, PersonContent> = {};
  const of = (personId: string): PersonContent | undefined => {
    const key = personKeys.get(personId);
    if (key === undefined) return undefined;
    return (out[key] ??= {});
  };
  const rows = await store.userContent.listAllItems();
  const albums = new Map<string, Item>();
  for (const row of rows.filter((r) => r.kind === 'album')) {
    const target = of(row.person_id);
    if (!target) continue;
    const rec = exportItem(row);
    albums.set(row.id, rec);
    ((target.albums ??= []) as Item[]).push(rec);
  }
  for (const row of rows.filter((r) => r.kind !== 'album')) {
    const target = of(row.person_id);
    const key = KEY_OF_KIND.get(row.kind);
    if (!target || !key) continue;
    const album = row.parent_id ? albums.get(row.parent_id) : undefined;
    if (album) ((album.photos ??= []) as Item[]).push(exportItem(row));
    else ((target[key] ??= []) as Item[]).push(exportItem(row));
  }
  for (const m of await store.userContent.listAllMembers()) {
    const target = of(m.person_id);
    if (target) ((target.businesses ??= []) as unknown[]).push({ business: m.business_id, role: m.role });
  }
  for (const b of await store.userContent.listAllBlocks()) {
    const target = of(b.person_id);
    if (target) ((target.blocked_by_pages ??= []) as string[]).push(b.page_id);
  }
  return out;
}

export function registerUserContentSection(): void {
  registerFixtureSection({ name: 'user_content', schema: USER_CONTENT_SCHEMA, load, export: exportSection });
}
