/**
 * The User node's edges: one EdgeDef per row of the version table that users/ owns. Availability
 * and permissions come from the row; each edge names its item type and where its items come from.
 */
import type { GraphContext } from '../graph/context.js';
import type { FieldNode } from '../graph/fields/types.js';
import type { EdgeDef, EdgeList, NodeType } from '../graph/registry.js';
import {
  accountPageType,
  adAccountType,
  adStudyType,
  albumType,
  appRequestFormerRecipientType,
  appRequestType,
  applicationType,
  businessAssetGroupType,
  businessType,
  businessUserType,
  canvasType,
  customLabelType,
  likedPageType,
  liveEncoderType,
  liveVideoType,
  paymentSubscriptionType,
  photoType,
  postType,
  productCatalogType,
  recordType,
  unifiedThreadType,
  userIdForAppType,
  userIdForPageType,
  videoType,
  type Rec,
} from './content-types.js';
import { edgeAccess } from './edge-access.js';
import {
  adAccounts,
  albumItems,
  albumPhotos,
  appRequests,
  businessUsersOf,
  businessesOf,
  contentItems,
  edgeArg,
  idsForApps,
  idsForPages,
  likedPages,
  mediaItems,
  rolePages,
} from './edge-sources.js';
import { pictureEdge } from './picture.js';
import type { UserView } from './user-view.js';
import { USER_EDGES, userEdgeAvailable, type EdgeRow } from './version-table.js';

type Source = (ctx: GraphContext, u: UserView, field: FieldNode | undefined) => Promise<Rec[]>;

interface EdgeSpec {
  itemType: NodeType<Rec>;
  source: Source;
}

const fromContent = (edge: string): Source => (ctx, u) => contentItems(ctx, u, edge);

/** Album items carry a `photos` edge of their own, so `albums{photos{…}}` nests. */
albumType.edges = {
  photos: {
    list: async (album, ctx) => ({ items: await albumPhotos(ctx, String(album.id)), itemType: photoType as NodeType<unknown> }),
  },
};

const assignedPageType = recordType('Page', ['name', 'category', 'tasks', 'permitted_tasks', 'access_token', 'link'], ['name', 'id', 'tasks']);

const SPECS: Record<string, EdgeSpec> = {
  accounts: { itemType: accountPageType, source: (ctx, u) => rolePages(ctx, u, false) },
  ad_studies: { itemType: adStudyType, source: fromContent('ad_studies') },
  adaccounts: { itemType: adAccountType, source: (ctx, u) => adAccounts(ctx, u, 'all') },
  albums: { itemType: albumType, source: (ctx, u) => albumItems(ctx, u) },
  apprequestformerrecipients: { itemType: appRequestFormerRecipientType, source: fromContent('apprequestformerrecipients') },
  apprequests: { itemType: appRequestType, source: (ctx, u) => appRequests(ctx, u) },
  assigned_ad_accounts: { itemType: adAccountType, source: (ctx, u) => adAccounts(ctx, u, 'assigned') },
  assigned_applications: { itemType: applicationType, source: fromContent('assigned_applications') },
  assigned_business_asset_groups: { itemType: businessAssetGroupType, source: fromContent('assigned_business_asset_groups') },
  assigned_pages: { itemType: assignedPageType, source: (ctx, u) => rolePages(ctx, u, true) },
  assigned_product_catalogs: { itemType: productCatalogType, source: fromContent('assigned_product_catalogs') },
  business_users: { itemType: businessUserType, source: (ctx, u) => businessUsersOf(ctx, u) },
  businesses: { itemType: businessType, source: (ctx, u) => businessesOf(ctx, u) },
  conversations: { itemType: unifiedThreadType, source: fromContent('conversations') },
  custom_labels: { itemType: customLabelType, source: fromContent('custom_labels') },
  feed: { itemType: postType, source: fromContent('feed') },
  ids_for_apps: { itemType: userIdForAppType, source: (ctx, u) => idsForApps(ctx, u) },
  ids_for_business: { itemType: userIdForAppType, source: (ctx, u) => idsForApps(ctx, u) },
  ids_for_pages: { itemType: userIdForPageType, source: (ctx, u, f) => idsForPages(ctx, u, edgeArg(ctx, f, 'page')) },
  likes: { itemType: likedPageType, source: (ctx, u, f) => likedPages(ctx, u, 'likes', edgeArg(ctx, f, 'target_id')) },
  live_encoders: { itemType: liveEncoderType, source: fromContent('live_encoders') },
  live_videos: { itemType: liveVideoType, source: fromContent('live_videos') },
  music: { itemType: likedPageType, source: (ctx, u, f) => likedPages(ctx, u, 'music', edgeArg(ctx, f, 'target_id')) },
  'payment.subscriptions': { itemType: paymentSubscriptionType, source: fromContent('payment.subscriptions') },
  personal_ad_accounts: { itemType: adAccountType, source: (ctx, u) => adAccounts(ctx, u, 'personal') },
  photos: { itemType: photoType, source: (ctx, u, f) => mediaItems(ctx, u, 'photo', edgeArg(ctx, f, 'type')) },
  rich_media_documents: { itemType: canvasType, source: fromContent('rich_media_documents') },
  videos: { itemType: videoType, source: (ctx, u, f) => mediaItems(ctx, u, 'video', edgeArg(ctx, f, 'type')) },
};

function listDef(row: EdgeRow, spec: EdgeSpec): EdgeDef<UserView> {
  const itemType = spec.itemType as NodeType<unknown>;
  return {
    available: (v) => userEdgeAvailable(row.name, v),
    list: async (u, ctx, field): Promise<EdgeList<unknown>> => {
      if ((await edgeAccess(row, u, ctx)) === 'empty') return { items: [], itemType };
      return { items: await spec.source(ctx, u, field), itemType };
    },
  };
}

export function userEdgeDefs(): Record<string, EdgeDef<UserView>> {
  const out: Record<string, EdgeDef<UserView>> = {};
  for (const row of USER_EDGES) {
    if (row.owner !== 'users') continue;
    if (row.name === 'picture') {
      // "ASID → none": the picture of an app-scoped id answers without a token.
      out.picture = { available: (v) => userEdgeAvailable('picture', v), public: true, get: async (u, ctx) => pictureEdge(u, ctx) };
      continue;
    }
    const spec = SPECS[row.name];
    if (!spec) throw new Error(`users: no source for edge ${row.name}`);
    out[row.name] = listDef(row, spec);
  }
  return out;
}
