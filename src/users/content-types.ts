/**
 * The node types of the User edges' items (Album, Photo, Post, Page, AdAccount, …): plain
 * records rendered through the fields tree, each with the fields its reference page lists and the
 * default fields the real edge returns when `fields` is absent. Nested references (`from`,
 * `album`, `application`, `page`) are node types too, so `photos{album{name}}` works.
 */
import type { EdgeDef, FieldDef, NodeType } from '../graph/registry.js';

export type Rec = Record<string, unknown>;

export interface RecordTypeOptions {
  /** Fields whose values are objects rendered through a node type. */
  objects?: Record<string, NodeType<Rec>>;
  edges?: Record<string, EdgeDef<Rec>>;
}

/** FieldDef.objectType holds any node type; the renderer passes it values of the right shape. */
export function erased<N>(t: NodeType<N>): NodeType<unknown> {
  return t as unknown as NodeType<unknown>;
}

export function recordType(graphName: string, fieldNames: readonly string[], defaults: readonly string[], opts: RecordTypeOptions = {}): NodeType<Rec> {
  const fields: Record<string, FieldDef<Rec>> = {};
  for (const f of new Set(['id', ...fieldNames])) {
    const objectType = opts.objects?.[f];
    fields[f] = objectType ? { get: (n) => n[f], objectType: erased(objectType) } : { get: (n) => n[f] };
  }
  return {
    type: `record:${graphName}`,
    graphName,
    load: async () => undefined,
    idOf: (n) => String(n.id ?? ''),
    fields,
    defaultFields: () => [...defaults],
    edges: opts.edges,
  };
}

// ---- small reference types, used inside other items ----

export const profileRefType = recordType('Profile', ['name', 'first_name', 'last_name', 'picture'], ['name', 'id']);
export const pageRefType = recordType('Page', ['name', 'category', 'link', 'username'], ['name', 'id']);
export const applicationRefType = recordType('Application', ['name', 'namespace', 'category', 'link'], ['name', 'id']);
export const businessRefType = recordType('Business', ['name', 'verification_status', 'created_time'], ['id', 'name']);
export const experienceType = recordType('Experience', ['name', 'description', 'from', 'with'], ['id', 'name']);
export const placeType = recordType('Place', ['name', 'location', 'overall_rating'], ['name', 'id']);

// ---- edge item types ----

export const photoType = recordType(
  'Photo',
  ['created_time', 'name', 'album', 'alt_text', 'backdated_time', 'can_delete', 'from', 'height', 'width', 'icon', 'images', 'link', 'name_tags', 'page_story_id', 'picture', 'place', 'updated_time', 'webp_images'],
  ['created_time', 'name', 'id'],
  { objects: { album: recordType('Album', ['name'], ['name', 'id']), from: profileRefType, place: placeType } },
);

/** Albums carry a `photos` edge; its list is attached by user-edges.ts (it needs the store). */
export const albumType = recordType(
  'Album',
  ['created_time', 'name', 'backdated_time', 'can_upload', 'count', 'cover_photo', 'description', 'from', 'link', 'location', 'place', 'privacy', 'type', 'updated_time'],
  ['created_time', 'name', 'id'],
  { objects: { from: profileRefType, place: placeType, cover_photo: recordType('Photo', ['name', 'created_time'], ['id']) } },
);

export const postType = recordType(
  'Post',
  ['created_time', 'message', 'story', 'attachments', 'from', 'full_picture', 'icon', 'is_hidden', 'link', 'permalink_url', 'place', 'privacy', 'status_type', 'updated_time', 'message_tags'],
  ['created_time', 'message', 'story', 'id'],
  { objects: { from: profileRefType, place: placeType } },
);

export const videoType = recordType(
  'Video',
  ['created_time', 'description', 'embed_html', 'format', 'from', 'icon', 'length', 'permalink_url', 'picture', 'place', 'published', 'source', 'status', 'title', 'updated_time'],
  ['description', 'updated_time', 'id'],
  { objects: { from: profileRefType, place: placeType } },
);

export const liveVideoType = recordType(
  'LiveVideo',
  ['title', 'description', 'status', 'stream_url', 'secure_stream_url', 'embed_html', 'creation_time', 'permalink_url', 'broadcast_start_time', 'from', 'video'],
  ['status', 'stream_url', 'secure_stream_url', 'embed_html', 'id'],
  { objects: { from: profileRefType } },
);

export const liveEncoderType = recordType(
  'LiveEncoder',
  ['name', 'brand', 'model', 'version', 'status', 'device_id', 'creation_time', 'last_heartbeat_time', 'current_broadcast', 'current_input_stream'],
  ['id', 'name'],
);

/** Pages a person likes (`likes`, `music`): `created_time` is when they liked it. */
export const likedPageType = recordType(
  'Page',
  ['name', 'about', 'category', 'category_list', 'created_time', 'fan_count', 'link', 'username', 'verification_status', 'website'],
  ['name', 'id', 'created_time'],
);

/** Pages a person has a role on (`accounts`, `assigned_pages`): the page token rides along. */
export const accountPageType = recordType(
  'Page',
  ['name', 'access_token', 'about', 'category', 'category_list', 'fan_count', 'link', 'tasks', 'username', 'permitted_tasks'],
  ['access_token', 'category', 'category_list', 'name', 'id', 'tasks'],
);

export const adAccountType = recordType(
  'AdAccount',
  ['account_id', 'name', 'account_status', 'currency', 'business', 'amount_spent', 'timezone_name', 'permitted_tasks', 'tasks', 'user_tasks'],
  ['account_id', 'id'],
  { objects: { business: businessRefType } },
);

export const businessType = recordType('Business', ['name', 'created_time', 'verification_status', 'permitted_roles', 'primary_page', 'link'], ['id', 'name']);

export const businessUserType = recordType(
  'BusinessUser',
  ['name', 'first_name', 'last_name', 'email', 'role', 'business', 'title', 'finance_permission'],
  ['id', 'name'],
  { objects: { business: businessRefType } },
);

export const businessAssetGroupType = recordType('BusinessAssetGroup', ['name', 'owner_business'], ['id', 'name'], { objects: { owner_business: businessRefType } });
export const productCatalogType = recordType('ProductCatalog', ['name', 'business', 'vertical', 'product_count'], ['id', 'name'], { objects: { business: businessRefType } });
export const applicationType = recordType('Application', ['name', 'namespace', 'category', 'link'], ['id', 'name']);

export const unifiedThreadType = recordType(
  'UnifiedThread',
  ['link', 'message_count', 'name', 'participants', 'scoped_thread_key', 'senders', 'snippet', 'unread_count', 'updated_time', 'wallpaper'],
  ['id', 'updated_time'],
);

export const customLabelType = recordType('PageUserMessageThreadLabel', ['page_label_name'], ['id']);

export const userIdForAppType = recordType('UserIDForApp', ['app'], ['id', 'app'], { objects: { app: applicationRefType } });
export const userIdForPageType = recordType('UserIDForPage', ['page'], ['id', 'page'], { objects: { page: pageRefType } });

export const appRequestType = recordType(
  'AppRequest',
  ['action_type', 'application', 'created_time', 'data', 'from', 'message', 'object', 'to'],
  ['id', 'application', 'created_time', 'from', 'message', 'to'],
  { objects: { application: applicationRefType, from: profileRefType, to: profileRefType } },
);

export const appRequestFormerRecipientType = recordType('AppRequestFormerRecipient', ['recipient_id'], ['id', 'recipient_id']);

export const adStudyType = recordType(
  'AdStudy',
  ['name', 'description', 'type', 'start_time', 'end_time', 'created_time', 'updated_time', 'business', 'observation_end_time'],
  ['id', 'name'],
  { objects: { business: businessRefType } },
);

export const paymentSubscriptionType = recordType(
  'PaymentSubscription',
  ['amount', 'app_param_data', 'application', 'billing_period', 'canceled_reason', 'created_time', 'currency', 'next_bill_time', 'period_start_time', 'product', 'status', 'updated_time', 'user'],
  ['id', 'amount', 'currency', 'status'],
  { objects: { application: applicationRefType, user: profileRefType } },
);

export const canvasType = recordType('Canvas', ['name', 'canvas_link', 'is_hidden', 'is_published', 'last_editor', 'owner', 'update_time'], ['id', 'name']);

export const coverPhotoType = recordType('CoverPhoto', ['offset_x', 'offset_y', 'source'], ['offset_x', 'offset_y', 'source', 'id']);

export const videoUploadLimitsType = recordType('VideoUploadLimits', ['length', 'size'], ['length', 'size']);
