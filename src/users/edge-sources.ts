/**
 * Where each User edge's items come from: the core world (pages with roles, ad accounts, app
 * installs, pages of the app's business) or the person's fixture content (albums, photos, posts,
 * likes, …), turned into records for the item node types.
 */
import { createHash } from 'node:crypto';
import type { GraphContext } from '../graph/context.js';
import type { FieldNode } from '../graph/fields/types.js';
import type { App } from '../storage/world.js';
import type { ContentRow } from '../storage/user-content.js';
import type { Rec } from './content-types.js';
import { ensurePsid } from '../pages/page-scoped-ids.js';
import { businessUserId } from './derived-ids.js';
import { graphDateTime } from './graph-time.js';
import { parseProfile, type UserView } from './user-view.js';
import { parseJsonList as list } from '../storage/json-list.js';

/** The content kind stored for each content-backed edge. */
export const CONTENT_KINDS: Record<string, string> = {
  albums: 'album',
  photos: 'photo',
  feed: 'post',
  videos: 'video',
  live_videos: 'live_video',
  live_encoders: 'live_encoder',
  likes: 'like',
  music: 'music',
  conversations: 'conversation',
  custom_labels: 'custom_label',
  apprequests: 'apprequest',
  apprequestformerrecipients: 'apprequestformerrecipient',
  ad_studies: 'ad_study',
  'payment.subscriptions': 'payment_subscription',
  rich_media_documents: 'rich_media_document',
  assigned_applications: 'assigned_application',
  assigned_business_asset_groups: 'business_asset_group',
  assigned_product_catalogs: 'product_catalog',
};

function parseData(json: string): Rec {
  try {
    const v: unknown = JSON.parse(json);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {};
  } catch {
    return {};
  }
}

/** A content row as an item: its data, its id, and `created_time` in the Graph format. */
export function contentRecord(row: ContentRow): Rec {
  const data = parseData(row.data);
  return { ...data, id: row.id, created_time: graphDateTime(Number(row.created_time)) };
}

/** An edge argument from the query (top level) or from the field's modifiers (nested). */
export function edgeArg(ctx: GraphContext, field: FieldNode | undefined, name: string): string | undefined {
  return field ? field.args[name] : ctx.params.string(name);
}

async function appOf(ctx: GraphContext, u: UserView): Promise<App | undefined> {
  return ctx.services.store.world.getApp(u.appUser.app_id);
}

export async function contentItems(ctx: GraphContext, u: UserView, edge: string): Promise<Rec[]> {
  const kind = CONTENT_KINDS[edge];
  if (!kind) return [];
  const rows = await ctx.services.store.userContent.listItems(u.person.id, kind);
  return rows.map(contentRecord);
}

export async function albumItems(ctx: GraphContext, u: UserView): Promise<Rec[]> {
  const repo = ctx.services.store.userContent;
  const rows = await repo.listItems(u.person.id, 'album');
  const out: Rec[] = [];
  for (const row of rows) {
    const rec = contentRecord(row);
    if (rec.count === undefined) rec.count = (await repo.listChildren(row.id, 'photo')).length;
    out.push(rec);
  }
  return out;
}

function photoRecord(row: ContentRow, album?: ContentRow): Rec {
  const rec = contentRecord(row);
  if (album && rec.album === undefined) rec.album = { id: album.id, name: parseData(album.data).name };
  return rec;
}

export async function albumPhotos(ctx: GraphContext, albumId: string): Promise<Rec[]> {
  const repo = ctx.services.store.userContent;
  const album = await repo.getItem(albumId, 'album');
  const rows = await repo.listChildren(albumId, 'photo');
  return rows.map((r) => photoRecord(r, album));
}

/**
 * `/photos` and `/videos`: "type=uploaded" or the default, tagged. Album photos and items marked
 * `"tagged": false` are uploads; items marked `"tagged": true` are photos the person is tagged in.
 */
export async function mediaItems(ctx: GraphContext, u: UserView, kind: 'photo' | 'video', type: string | undefined): Promise<Rec[]> {
  const repo = ctx.services.store.userContent;
  const rows = await repo.listItems(u.person.id, kind);
  const albums = new Map((await repo.listItems(u.person.id, 'album')).map((a) => [a.id, a]));
  const wantTagged = type !== 'uploaded';
  // Album photos and loose ones merge into one list, newest first as the real edge lists them.
  return rows
    .filter((r) => (parseData(r.data).tagged === true) === wantTagged)
    .sort((a, b) => Number(b.created_time) - Number(a.created_time))
    .map((r) => photoRecord(r, r.parent_id ? albums.get(r.parent_id) : undefined));
}

export async function likedPages(ctx: GraphContext, u: UserView, edge: 'likes' | 'music', targetId: string | undefined): Promise<Rec[]> {
  const items = await contentItems(ctx, u, edge);
  return targetId === undefined ? items : items.filter((i) => i.id === targetId);
}

/** A page token for (page, app, person): the one already issued, else a new one kept in the store. */
async function pageTokenFor(ctx: GraphContext, pageId: string, appId: string, personId: string): Promise<string> {
  const store = ctx.services.store;
  const existing = await store.userContent.findPageToken(pageId, appId, personId);
  if (existing) return existing;
  const token = 'EAA' + createHash('sha256').update(`page-token:${pageId}:${appId}:${personId}`).digest('base64url').replace(/[-_]/g, 'Z');
  await store.world.insertToken({
    token,
    kind: 'page',
    app_id: appId,
    person_id: personId,
    page_id: pageId,
    business_id: null,
    scopes: JSON.stringify(['pages_show_list', 'pages_manage_metadata', 'pages_read_engagement']),
    issued_at: ctx.services.clock.nowSeconds(),
    expires_at: 0,
    data_access_expires_at: 0,
    invalid_reason: null,
  });
  return token;
}


/** `accounts` (every page with a role) and `assigned_pages` (the business-owned ones). */
export async function rolePages(ctx: GraphContext, u: UserView, businessOnly: boolean): Promise<Rec[]> {
  const w = ctx.services.store.world;
  const roles = await w.listPageRolesOfPerson(u.person.id);
  const out: Rec[] = [];
  for (const r of roles) {
    const page = await w.getPage(r.page_id);
    if (!page || (businessOnly && !page.business_id)) continue;
    const tasks = list(r.tasks);
    const profile = parseProfile(page.profile);
    out.push({
      ...profile,
      id: page.id,
      name: page.name,
      category: page.category ?? undefined,
      category_list: page.category ? [{ id: String(profile.category_id ?? '2700'), name: page.category }] : undefined,
      tasks,
      permitted_tasks: tasks,
      access_token: await pageTokenFor(ctx, page.id, u.appUser.app_id, u.person.id),
    });
  }
  return out;
}

export type AdAccountScope = 'all' | 'personal' | 'assigned';

export async function adAccounts(ctx: GraphContext, u: UserView, scope: AdAccountScope): Promise<Rec[]> {
  const w = ctx.services.store.world;
  const out: Rec[] = [];
  for (const link of await w.listAdAccountUsers()) {
    if (link.person_id !== u.person.id) continue;
    const a = await w.getAdAccount(link.ad_account_id);
    if (!a) continue;
    if (scope === 'personal' && a.business_id) continue;
    if (scope === 'assigned' && !a.business_id) continue;
    // Reading an ad account is an Ads Management call: it counts against the account's
    // business-use-case budget and answers 80004 once that is spent.
    await ctx.services.limits.chargeBusinessUseCase(ctx, a.id, 'ads_management');
    const business = a.business_id ? await w.getBusiness(a.business_id) : undefined;
    const tasks = list(link.tasks);
    out.push({
      ...parseProfile(a.profile),
      id: `act_${a.id}`,
      account_id: a.id,
      name: a.name,
      currency: a.currency,
      account_status: a.account_status,
      business: business ? { id: business.id, name: business.name } : undefined,
      tasks,
      permitted_tasks: tasks,
      user_tasks: tasks,
    });
  }
  return out;
}

export async function businessesOf(ctx: GraphContext, u: UserView): Promise<Rec[]> {
  const store = ctx.services.store;
  const out: Rec[] = [];
  for (const m of await store.userContent.listMembershipsOfPerson(u.person.id)) {
    const b = await store.world.getBusiness(m.business_id);
    if (b) out.push({ id: b.id, name: b.name, permitted_roles: [m.role] });
  }
  return out;
}

export async function businessUsersOf(ctx: GraphContext, u: UserView): Promise<Rec[]> {
  const store = ctx.services.store;
  const out: Rec[] = [];
  for (const m of await store.userContent.listMembershipsOfPerson(u.person.id)) {
    const b = await store.world.getBusiness(m.business_id);
    if (!b) continue;
    out.push({
      id: m.business_user_id || businessUserId(b.id, u.person.id),
      name: u.person.name,
      first_name: u.person.first_name ?? undefined,
      last_name: u.person.last_name ?? undefined,
      email: u.person.email ?? undefined,
      role: m.role,
      business: { id: b.id, name: b.name },
    });
  }
  return out;
}

/**
 * `ids_for_apps` / `ids_for_business`: the person's ids in every app of the calling app's business
 * (an app without a business only has its own).
 */
export async function idsForApps(ctx: GraphContext, u: UserView): Promise<Rec[]> {
  const w = ctx.services.store.world;
  const app = await appOf(ctx, u);
  const out: Rec[] = [];
  for (const au of await w.listAppUsersOfPerson(u.person.id)) {
    if (au.removed) continue;
    const other = await w.getApp(au.app_id);
    if (!other) continue;
    const sameBusiness = app?.business_id ? other.business_id === app.business_id : other.id === u.appUser.app_id;
    if (!sameBusiness) continue;
    out.push({ id: au.asid, app: { id: other.id, name: other.name, namespace: other.namespace ?? undefined } });
  }
  return out;
}

/** `ids_for_pages`: the person's page-scoped id on each page of the calling app's business. */
export async function idsForPages(ctx: GraphContext, u: UserView, pageFilter: string | undefined): Promise<Rec[]> {
  const store = ctx.services.store;
  const app = await appOf(ctx, u);
  if (!app?.business_id) return [];
  const out: Rec[] = [];
  for (const page of await store.world.listPages()) {
    if (page.business_id !== app.business_id) continue;
    if (pageFilter !== undefined && page.id !== pageFilter) continue;
    const psid = await ensurePsid(ctx, page.id, u.person.id);
    out.push({ id: psid, page: { id: page.id, name: page.name } });
  }
  return out;
}

/** `apprequests`: the pending requests of the calling app (items naming another app are left out). */
export async function appRequests(ctx: GraphContext, u: UserView): Promise<Rec[]> {
  const items = await contentItems(ctx, u, 'apprequests');
  return items.filter((i) => {
    const app = i.application as { id?: unknown } | undefined;
    return app?.id === undefined || String(app.id) === u.appUser.app_id;
  });
}
