/**
 * A person's albums, photos, posts and videos as nodes of their own: `GET /{album-id}`,
 * `/{album-id}/photos`, and so the `next` links of nested edges (`albums{photos.limit(1)}`) lead
 * somewhere. The owner reads them with the edge's permission, the app with what the owner granted
 * it; anyone else gets the usual "does not exist, cannot be loaded due to missing permissions".
 */
import type { GraphContext } from '../graph/context.js';
import type { NodeType, Registry } from '../graph/registry.js';
import { albumType, photoType, postType, videoType, liveVideoType, type Rec } from './content-types.js';
import { albumPhotos, contentRecord } from './edge-sources.js';
import { parseJsonList as list } from '../storage/json-list.js';

interface ContentNodeSpec {
  kind: string;
  base: NodeType<Rec>;
  /** The User edge whose permission guards the item. */
  permission: string;
}

/** Kinds whose ids are registered as nodes (liked pages and other shared objects are not theirs). */
export const CONTENT_NODE_KINDS: readonly ContentNodeSpec[] = [
  { kind: 'album', base: albumType, permission: 'user_photos' },
  { kind: 'photo', base: photoType, permission: 'user_photos' },
  { kind: 'post', base: postType, permission: 'user_posts' },
  { kind: 'video', base: videoType, permission: 'user_videos' },
  { kind: 'live_video', base: liveVideoType, permission: 'user_videos' },
];

export const isContentNodeKind = (kind: string): boolean => CONTENT_NODE_KINDS.some((k) => k.kind === kind);


async function mayRead(ctx: GraphContext, ownerId: string, permission: string): Promise<boolean> {
  const p = await ctx.optionalAuth();
  if (!p) return false;
  if (p.kind === 'user') return p.person?.id === ownerId && p.scopes.has(permission);
  if (p.kind === 'app') {
    const install = await ctx.services.store.world.getAppUser(p.app.id, ownerId);
    return install !== undefined && install.removed === 0 && list(install.granted).includes(permission);
  }
  return false;
}

async function loadContent(ctx: GraphContext, id: string, spec: ContentNodeSpec): Promise<Rec | undefined> {
  const repo = ctx.services.store.userContent;
  const row = await repo.getItem(id, spec.kind);
  if (!row || !(await mayRead(ctx, row.person_id, spec.permission))) return undefined;
  const rec = contentRecord(row);
  if (spec.kind === 'album' && rec.count === undefined) rec.count = (await albumPhotos(ctx, row.id)).length;
  if (spec.kind === 'photo' && row.parent_id && rec.album === undefined) {
    const album = await repo.getItem(row.parent_id, 'album');
    if (album) rec.album = { id: album.id, name: (contentRecord(album).name as string | undefined) ?? undefined };
  }
  return rec;
}

export function registerContentNodes(registry: Registry): void {
  for (const spec of CONTENT_NODE_KINDS) {
    registry.addType<Rec>({ ...spec.base, type: spec.kind, load: (id, ctx) => loadContent(ctx, id, spec) });
  }
}
