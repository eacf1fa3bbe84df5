/**
 * The User node's version table: the one place where the three reference pages of the seeds
 * (v10.0 = seed 004, v20.0 = seed 000, v21.0 = seed 001) differ. Every field, edge, write and
 * error code of those pages is a row here, tagged with the pages that list it; handlers ask
 * `userFieldAvailable` / `userEdgeAvailable` / `userOperationAvailable` and never compare
 * versions themselves. `docs/versions.md` is generated from this module (see version-doc.ts)
 * and a test fails when the two drift apart.
 *
 * Which page governs which served version: a page is the truth for its own version and for the
 * versions between it and the previous documented page (v11.0–v19.0 follow the v20.0 page,
 * v22.0–v25.0 follow the v21.0 page). The issue's own reading ("`interested_in` is v10.0 only",
 * "`adaccounts` (v10.0)") is exactly this.
 */
import { compareVersions, parseVersionName, type VersionInfo } from '../graph/versions.js';

export type PageName = 'v10.0' | 'v20.0' | 'v21.0';

export interface DocumentedPage {
  page: PageName;
  seed: string;
  /** The first served version this page governs (inclusive); the last is the next page's `from` minus one. */
  from: string;
  language: string;
}

export const PAGES: readonly DocumentedPage[] = [
  { page: 'v10.0', seed: '004_819d928b9d91f41a.txt', from: 'v1.0', language: 'English' },
  { page: 'v20.0', seed: '000_0fbd77602e3a7729.txt', from: 'v11.0', language: 'English' },
  { page: 'v21.0', seed: '001_5012683769b1d2b7.txt', from: 'v21.0', language: 'Chinese page chrome' },
];

const ALL: readonly PageName[] = ['v10.0', 'v20.0', 'v21.0'];
const V10: readonly PageName[] = ['v10.0'];
const MODERN: readonly PageName[] = ['v20.0', 'v21.0'];

/** The page whose lists apply to a served version. */
export function pageFor(version: { major: number; minor: number } | VersionInfo | string): PageName {
  const v = typeof version === 'string' ? parseVersionName(version) : version;
  if (!v) throw new Error(`not a version: ${String(version)}`);
  let current: PageName = PAGES[0].page;
  for (const p of PAGES) {
    const from = parseVersionName(p.from);
    if (from && compareVersions(v, from) >= 0) current = p.page;
  }
  return current;
}

/**
 * Who may read a field:
 * - `public`: anyone whose token can see the node (other app users included): the
 *   `public_profile` fields.
 * - `self`: the person themself (their user token) or the app (its app token); nobody else.
 * - a permission name: self or app, and only when the person granted it to the app.
 */
export type FieldAccess = 'public' | 'self' | { permission: string };

/**
 * What a listed field does:
 * - `data`: returns the person's value (omitted when they have none).
 * - `no-data`: "Returns no data as of April 4, 2018": accepted, never returned.
 * - `deprecated-12`: the page says it is gone for versions 3.0+; every version we serve is
 *   3.0 or later, so the real answer is the code-12 deprecation error.
 */
export type FieldBehaviour = 'data' | 'no-data' | 'deprecated-12';

export interface FieldRow {
  name: string;
  pages: readonly PageName[];
  /** The type as the page prints it (metadata `type`); per page when they differ. */
  type: string | Partial<Record<PageName, string>>;
  description: string;
  access: FieldAccess;
  behaviour: FieldBehaviour;
  /** The page's own marker, shown in the doc. */
  marker?: 'Deprecated' | 'CoreDeprecated';
  /** Why the row is where it is, when the pages alone do not say. */
  note?: string;
}

const NO_DATA = 'Returns no data as of April 4, 2018.';

export const USER_FIELDS: readonly FieldRow[] = [
  { name: 'id', pages: ALL, type: 'numeric string', access: 'public', behaviour: 'data', description: "The app user's App-Scoped User ID. This ID is unique to the app and cannot be used by other apps." },
  { name: 'about', pages: ALL, type: 'string', access: 'self', behaviour: 'no-data', description: NO_DATA },
  { name: 'age_range', pages: ALL, type: 'agerange', access: { permission: 'user_age_range' }, behaviour: 'data', description: 'The age segment for this person expressed as a minimum and maximum age. For example, more than 18, less than 21.' },
  { name: 'birthday', pages: ALL, type: 'string', access: { permission: 'user_birthday' }, behaviour: 'data', description: "The person's birthday. This is a fixed format string, like MM/DD/YYYY. However, people can control who can see the year they were born separately from the month and day so this string can be only the year (YYYY) or the month + day (MM/DD)" },
  { name: 'cover', pages: V10, type: 'coverphoto', access: 'public', behaviour: 'data', marker: 'Deprecated', description: "The person's cover photo", note: 'listed (deprecated) in the v10.0 page only; the SDKs model it as a field of type CoverPhoto' },
  { name: 'education', pages: ALL, type: 'list<educationexperience>', access: 'self', behaviour: 'no-data', description: NO_DATA },
  { name: 'email', pages: ALL, type: 'string', access: { permission: 'email' }, behaviour: 'data', description: "The User's primary email address listed on their profile. This field will not be returned if no valid email address is available." },
  { name: 'favorite_athletes', pages: ALL, type: 'list<experience>', access: { permission: 'user_likes' }, behaviour: 'data', description: 'Athletes the User likes.' },
  { name: 'favorite_teams', pages: ALL, type: 'list<experience>', access: { permission: 'user_likes' }, behaviour: 'data', description: 'Sports teams the User likes.' },
  { name: 'first_name', pages: ALL, type: 'string', access: 'public', behaviour: 'data', description: "The person's first name" },
  { name: 'gender', pages: ALL, type: 'string', access: { permission: 'user_gender' }, behaviour: 'data', description: 'The gender selected by this person, male or female. If the gender is set to a custom value, this value will be based off of the selected pronoun; it will be omitted if the pronoun is neutral.' },
  { name: 'hometown', pages: ALL, type: 'page', access: { permission: 'user_hometown' }, behaviour: 'data', description: "The person's hometown" },
  { name: 'id_for_avatars', pages: MODERN, type: 'numeric string', access: 'self', behaviour: 'data', description: 'A profile based app scoped ID. It is used to query avatars' },
  { name: 'inspirational_people', pages: ALL, type: 'list<experience>', access: { permission: 'user_likes' }, behaviour: 'data', description: "The person's inspirational people" },
  { name: 'installed', pages: ALL, type: 'bool', access: 'public', behaviour: 'data', description: 'Is the app making the request installed' },
  { name: 'interested_in', pages: V10, type: 'list<string>', access: 'self', behaviour: 'no-data', description: NO_DATA },
  { name: 'is_guest_user', pages: ALL, type: 'bool', access: 'public', behaviour: 'data', description: 'if the current user is a guest user. should always return false.' },
  { name: 'languages', pages: ALL, type: 'list<experience>', access: { permission: 'user_likes' }, behaviour: 'data', description: 'Facebook Pages representing the languages this person knows' },
  { name: 'last_name', pages: ALL, type: 'string', access: 'public', behaviour: 'data', description: "The person's last name" },
  { name: 'link', pages: ALL, type: 'string', access: { permission: 'user_link' }, behaviour: 'data', description: "A link to the person's Timeline. The link will only resolve if the person clicking the link is logged into Facebook and is a friend of the person whose profile is being viewed." },
  { name: 'local_news_megaphone_dismiss_status', pages: ALL, type: 'bool', access: 'self', behaviour: 'data', marker: 'Deprecated', description: 'Display megaphone for local news bookmark' },
  { name: 'local_news_subscription_status', pages: ALL, type: 'bool', access: 'self', behaviour: 'data', marker: 'Deprecated', description: 'Daily local news notification' },
  { name: 'locale', pages: ALL, type: 'string', access: 'self', behaviour: 'data', marker: 'CoreDeprecated', description: "The person's locale" },
  { name: 'location', pages: ALL, type: 'page', access: { permission: 'user_location' }, behaviour: 'data', description: "The person's current location as entered by them on their profile. This field requires the user_location permission." },
  { name: 'meeting_for', pages: ALL, type: 'list<string>', access: 'self', behaviour: 'data', description: 'What the person is interested in meeting for' },
  { name: 'middle_name', pages: ALL, type: 'string', access: 'public', behaviour: 'data', description: "The person's middle name" },
  { name: 'name', pages: ALL, type: 'string', access: 'public', behaviour: 'data', description: "The person's full name" },
  { name: 'name_format', pages: ALL, type: 'string', access: 'public', behaviour: 'data', description: "The person's name formatted to correctly handle Chinese, Japanese, or Korean ordering" },
  { name: 'picture', pages: ALL, type: 'profilepicturesource', access: 'public', behaviour: 'data', description: "The person's profile picture", note: 'not in the field tables; named in every page\'s public_profile list (and as an edge)' },
  { name: 'political', pages: ALL, type: 'string', access: 'self', behaviour: 'no-data', description: NO_DATA },
  { name: 'quotes', pages: ALL, type: 'string', access: 'self', behaviour: 'data', description: "The person's favorite quotes" },
  { name: 'relationship_status', pages: ALL, type: 'string', access: 'self', behaviour: 'no-data', description: NO_DATA },
  { name: 'religion', pages: ['v10.0', 'v21.0'], type: 'string', access: 'self', behaviour: 'no-data', description: NO_DATA, note: 'listed on the v10.0 and v21.0 pages, absent from the v20.0 page' },
  { name: 'shared_login_upgrade_required_by', pages: ALL, type: { 'v10.0': 'datetime', 'v20.0': 'timestamp', 'v21.0': 'timestamp' }, access: 'self', behaviour: 'data', description: 'The time that the shared login needs to be upgraded to Business Manager by' },
  { name: 'short_name', pages: ALL, type: 'string', access: 'public', behaviour: 'data', description: "The person's short name", note: "not in the field tables; named in every page's public_profile list" },
  { name: 'significant_other', pages: ALL, type: 'user', access: 'self', behaviour: 'data', description: "The person's significant other" },
  { name: 'sports', pages: ALL, type: 'list<experience>', access: { permission: 'user_likes' }, behaviour: 'data', description: 'Sports played by the person' },
  { name: 'supports_donate_button_in_live_video', pages: ALL, type: 'bool', access: 'self', behaviour: 'data', description: 'Whether the user can add a Donate Button to their Live Videos' },
  { name: 'third_party_id', pages: ALL, type: 'string', access: 'self', behaviour: 'deprecated-12', marker: 'Deprecated', description: 'A string containing an anonymous, unique identifier for the User, for use with third-parties. Deprecated for versions 3.0+. Apps using older versions of the API can get this field until January 8, 2019. Apps installed by the User on or after May 1st, 2018, cannot get this field.' },
  { name: 'timezone', pages: ALL, type: 'float (min: -24) (max: 24)', access: 'self', behaviour: 'data', marker: 'CoreDeprecated', description: "The person's current timezone offset from UTC" },
  { name: 'token_for_business', pages: ALL, type: 'string', access: 'self', behaviour: 'data', description: 'A token that is the same across a business\'s apps. Access to this token requires that the person be logged into your app or have a role on your app. This token will change if the business owning the app changes' },
  { name: 'updated_time', pages: ALL, type: 'datetime', access: 'self', behaviour: 'data', marker: 'Deprecated', description: 'Updated time' },
  { name: 'verified', pages: ALL, type: 'bool', access: 'self', behaviour: 'data', marker: 'Deprecated', description: 'Indicates whether the account has been verified. This is distinct from the is_verified field.' },
  { name: 'video_upload_limits', pages: ALL, type: 'videouploadlimits', access: 'self', behaviour: 'data', description: 'Video upload limits' },
  { name: 'website', pages: ALL, type: 'string', access: 'self', behaviour: 'no-data', description: NO_DATA },
];

/**
 * What an edge does when the token lacks its permission:
 * - `empty`: `{"data":[]}` with a `__debug__` warning (the documented behaviour for profile content).
 * - `error-200` / `error-10` / `error-230`: that error code (business, ads, live and messaging edges).
 */
export type MissingPermission = 'empty' | 'error-200' | 'error-10' | 'error-230';

export interface EdgeRow {
  name: string;
  pages: readonly PageName[];
  /** The type of its items, as the modern pages print it (`Edge<Album>`). */
  itemType: string;
  description: string;
  /** Any one of these permissions suffices; empty = a token that can see the node is enough. */
  permissions: readonly string[];
  onMissing: MissingPermission;
  /** The domain that attaches the edge (`auth` adds `permissions` and `friends`). */
  owner: 'users' | 'auth';
  marker?: 'Deprecated';
  note?: string;
}

const ADS = ['ads_read', 'ads_management'];
const BM = ['business_management'];

export const USER_EDGES: readonly EdgeRow[] = [
  { name: 'accounts', pages: ALL, itemType: 'Page', permissions: ['pages_show_list'], onMissing: 'empty', owner: 'users', description: 'Pages the User has a role on.' },
  { name: 'ad_studies', pages: ALL, itemType: 'AdStudy', permissions: ADS, onMissing: 'error-200', owner: 'users', description: "Ad studies that this User's can view." },
  { name: 'adaccounts', pages: V10, itemType: 'AdAccount', permissions: ADS, onMissing: 'error-200', owner: 'users', description: 'The advertising accounts the User can access.' },
  { name: 'albums', pages: ALL, itemType: 'Album', permissions: ['user_photos'], onMissing: 'empty', owner: 'users', description: 'The photo albums this person has created' },
  { name: 'apprequestformerrecipients', pages: ALL, itemType: 'AppRequestFormerRecipient', permissions: [], onMissing: 'error-200', owner: 'users', description: 'App requests' },
  { name: 'apprequests', pages: ALL, itemType: 'AppRequest', permissions: [], onMissing: 'error-200', owner: 'users', description: "This person's pending requests from an app" },
  { name: 'assigned_ad_accounts', pages: V10, itemType: 'AdAccount', permissions: BM, onMissing: 'error-200', owner: 'users', description: 'Ad accounts that are assigned to this business scoped user', note: 'the v20.0 and v21.0 pages do not list it' },
  { name: 'assigned_applications', pages: MODERN, itemType: 'Application', permissions: BM, onMissing: 'error-200', owner: 'users', description: 'assigned_applications', note: 'new on the v20.0 page' },
  { name: 'assigned_business_asset_groups', pages: ALL, itemType: 'BusinessAssetGroup', permissions: BM, onMissing: 'error-200', owner: 'users', description: 'Business asset groups that are assign to this business scoped user' },
  { name: 'assigned_pages', pages: ALL, itemType: 'Page', permissions: BM, onMissing: 'error-200', owner: 'users', description: 'Pages that are assigned to this business scoped user' },
  { name: 'assigned_product_catalogs', pages: ALL, itemType: 'ProductCatalog', permissions: BM, onMissing: 'error-200', owner: 'users', description: 'Product catalogs that are assigned to this business scoped user' },
  { name: 'business_users', pages: ALL, itemType: 'BusinessUser', permissions: BM, onMissing: 'error-200', owner: 'users', description: 'Business users corresponding to the user' },
  { name: 'businesses', pages: ALL, itemType: 'Business', permissions: BM, onMissing: 'error-200', owner: 'users', description: 'Businesses associated with the user' },
  { name: 'conversations', pages: ALL, itemType: 'UnifiedThread', permissions: ['pages_messaging'], onMissing: 'error-230', owner: 'users', description: 'Facebook Messenger conversation' },
  { name: 'custom_labels', pages: ALL, itemType: 'PageUserMessageThreadLabel', permissions: ['pages_messaging'], onMissing: 'error-230', owner: 'users', description: 'custom_labels' },
  { name: 'feed', pages: ALL, itemType: 'Post', permissions: ['user_posts'], onMissing: 'empty', owner: 'users', description: 'The posts and links published by this person or others on their profile' },
  { name: 'friends', pages: ALL, itemType: 'User', permissions: ['user_friends'], onMissing: 'empty', owner: 'auth', description: 'The friends of this person who use the app', note: 'not in the seeds\' edge tables; spec §6.2 (friends reference page); attached by auth/' },
  { name: 'ids_for_apps', pages: ALL, itemType: 'UserIDForApp', permissions: [], onMissing: 'error-200', owner: 'users', description: 'Businesses can claim ownership of multiple apps using Business Manager. This edge returns the list of IDs that this user has in any of those other apps' },
  { name: 'ids_for_business', pages: ALL, itemType: 'UserIDForApp', permissions: [], onMissing: 'error-200', owner: 'users', description: 'Businesses can claim ownership of multiple apps using Business Manager. This edge returns the list of IDs that this user has in any of those other apps' },
  { name: 'ids_for_pages', pages: ALL, itemType: 'UserIDForPage', permissions: [], onMissing: 'error-200', owner: 'users', description: 'Businesses can claim ownership of apps and pages using Business Manager. This edge returns the list of IDs that this user has in any of the pages owned by this business' },
  { name: 'likes', pages: ALL, itemType: 'Page', permissions: ['user_likes'], onMissing: 'empty', owner: 'users', description: 'All the Pages this person has liked' },
  { name: 'live_encoders', pages: V10, itemType: 'LiveEncoder', permissions: ['publish_video'], onMissing: 'error-10', owner: 'users', description: 'Live encoders owned by this person' },
  { name: 'live_videos', pages: ALL, itemType: 'LiveVideo', permissions: ['user_videos', 'publish_video'], onMissing: 'empty', owner: 'users', description: 'Live videos from this person' },
  { name: 'music', pages: ALL, itemType: 'Page', permissions: ['user_likes'], onMissing: 'empty', owner: 'users', description: 'Music this person likes' },
  { name: 'payment.subscriptions', pages: ALL, itemType: 'PaymentSubscription', permissions: [], onMissing: 'error-200', owner: 'users', description: 'Payment subscriptions' },
  { name: 'permissions', pages: ALL, itemType: 'Permission', permissions: [], onMissing: 'error-200', owner: 'auth', description: 'The permissions that the person has granted this app', note: 'attached by auth/' },
  { name: 'personal_ad_accounts', pages: V10, itemType: 'AdAccount', permissions: ADS, onMissing: 'error-200', owner: 'users', description: 'The advertising accounts to which this person has personal access' },
  { name: 'photos', pages: ALL, itemType: 'Photo', permissions: ['user_photos'], onMissing: 'empty', owner: 'users', description: 'Photos the person is tagged in or has uploaded' },
  { name: 'picture', pages: ALL, itemType: 'ProfilePictureSource', permissions: [], onMissing: 'error-200', owner: 'users', description: "The person's profile picture" },
  { name: 'rich_media_documents', pages: ALL, itemType: 'Canvas', permissions: ADS, onMissing: 'error-200', owner: 'users', description: 'A list of rich media documents belonging to Pages that the user has advertiser permissions on' },
  { name: 'videos', pages: ALL, itemType: 'Video', permissions: ['user_videos'], onMissing: 'empty', owner: 'users', description: 'Videos the person is tagged in or uploaded' },
];

export interface ParamRow {
  name: string;
  type: string;
  description: string;
  required?: boolean;
  enum?: readonly string[];
}

export interface OperationRow {
  /** `GET /{user-id}`, `POST /{user_id}/game_items`, … as the pages write them. */
  id: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** The edge it acts on; undefined = the node itself. */
  edge?: string;
  /** The node type it acts on, when not User. */
  node?: 'Page' | 'AdAccount';
  pages: readonly PageName[];
  params: readonly ParamRow[];
  returns: string;
  /** The page's error-code table, per page, in the page's order. */
  errors: Partial<Record<PageName, readonly number[]>>;
  /** The domain that serves it. */
  owner: 'users' | 'pages' | 'audiences';
}

export const USER_UPDATE_PARAMS: readonly ParamRow[] = [
  { name: 'emoji_color_pref', type: 'int64', description: 'emoji color preference.' },
  { name: 'firstname', type: 'string', description: "This person's first name" },
  { name: 'lastname', type: 'string', description: "This person's last name" },
  { name: 'local_news_megaphone_dismiss_status', type: 'enum', enum: ['YES', 'NO'], description: 'Dismisses local news megaphone' },
  { name: 'local_news_subscription_status', type: 'enum', enum: ['STATUS_ON', 'STATUS_OFF'], description: 'Preference for setting local news notifications' },
  { name: 'name', type: 'string', description: 'Used for test accounts only. Name for this account' },
  { name: 'password', type: 'string', description: 'Used for test accounts only. Password for this account' },
];

export const GAME_ITEM_PARAMS: readonly ParamRow[] = [
  { name: 'action', type: 'enum', enum: ['MARK', 'CONSUME', 'DROP'], required: true, description: 'Action to trigger on an inventory item' },
  { name: 'app_id', type: 'application ID', description: 'Overrides the application from the user access token. Must be another app within the business' },
  { name: 'drop_table_id', type: 'game_drop_table ID', description: 'What loot drop table to trigger for the DROP action' },
  { name: 'ext_id', type: 'string', description: 'External id assigned by the game for the item' },
  { name: 'item_id', type: 'game_item ID', description: 'What item id to target for the MARK and CONSUME actions' },
  { name: 'quantity', type: 'int64', description: 'SELF_EXPLANATORY' },
];

export const BLOCKED_DELETE_PARAMS: readonly ParamRow[] = [
  { name: 'asid', type: 'user/page ID', description: 'App Scoped User ID to unblock' },
  { name: 'psid', type: 'UID', description: 'Page Scoped User ID to unblock' },
  { name: 'uid', type: 'UID', description: 'Deprecated. Same as user' },
  { name: 'user', type: 'UID', description: 'List of User or Page IDs to unblock. This or uid is required' },
];

export const USER_OPERATIONS: readonly OperationRow[] = [
  {
    id: 'GET /{user-id}',
    method: 'GET',
    pages: ALL,
    params: [],
    returns: 'User',
    errors: {
      'v10.0': [100, 80006, 200, 190, 368, 459, 613, 80004, 210, 452],
      'v20.0': [100, 190, 104, 368, 459, 200, 613, 80006, 80004, 210],
      'v21.0': [100, 200, 190, 104, 368, 459, 613, 80004, 230, 483],
    },
    owner: 'users',
  },
  {
    id: 'POST /{user_id}',
    method: 'POST',
    pages: ALL,
    params: USER_UPDATE_PARAMS,
    returns: 'Struct {success: bool} (read-after-write)',
    errors: {
      'v10.0': [100, 200, 240, 459, 210],
      'v20.0': [190, 200, 459, 368, 100, 240, 102, 210, 2500, 458],
      'v21.0': [190, 459, 368, 200, 100, 240, 102, 2500, 210],
    },
    owner: 'users',
  },
  {
    id: 'POST /{user_id}/game_items',
    method: 'POST',
    edge: 'game_items',
    pages: V10,
    params: GAME_ITEM_PARAMS,
    returns: 'Struct {id, count, created, item_def, status, updated, ext_id}',
    errors: { 'v10.0': [100] },
    owner: 'users',
  },
  {
    id: 'DELETE /{user_id}',
    method: 'DELETE',
    pages: ALL,
    params: [],
    returns: 'Struct {success: bool}',
    errors: {
      'v10.0': [100, 200, 2903, 2904, 240],
      'v20.0': [2903, 2904, 240, 100, 102, 200],
      'v21.0': [2903, 2904, 240, 100, 102, 190, 200],
    },
    owner: 'users',
  },
  {
    id: 'DELETE /{page_id}/blocked',
    method: 'DELETE',
    edge: 'blocked',
    node: 'Page',
    pages: ALL,
    params: BLOCKED_DELETE_PARAMS,
    returns: 'Struct {success: bool}',
    errors: { 'v10.0': [100, 200], 'v20.0': [100, 200], 'v21.0': [100] },
    owner: 'pages',
  },
  {
    id: 'DELETE /act_{ad_account_id}/assigned_users',
    method: 'DELETE',
    edge: 'assigned_users',
    node: 'AdAccount',
    pages: ALL,
    params: [{ name: 'user', type: 'UID', required: true, description: 'Business user id or system user id' }],
    returns: 'Struct {success: bool}',
    errors: { 'v10.0': [3919, 100], 'v20.0': [3919, 100, 368, 457], 'v21.0': [3919, 100, 368] },
    owner: 'audiences',
  },
  {
    id: 'DELETE /{user_id}/businesses',
    method: 'DELETE',
    edge: 'businesses',
    pages: V10,
    params: [{ name: 'business', type: 'numeric string or integer', description: 'SELF_EXPLANATORY' }],
    returns: 'Struct {success: bool}',
    errors: { 'v10.0': [3914] },
    owner: 'users',
  },
];

/**
 * Protocol features that change with the version on the User node. `metadata=1` is "deprecated in
 * v25.0 (no longer returns metadata)" (spec §3.8); that is a served-version boundary, not a page's.
 */
export const METADATA_LAST_VERSION = 'v24.0';

// ---- queries ----

const fieldIndex = new Map(USER_FIELDS.map((f) => [f.name, f]));
const edgeIndex = new Map(USER_EDGES.map((e) => [e.name, e]));

export function userFieldRow(name: string): FieldRow | undefined {
  return fieldIndex.get(name);
}

export function userEdgeRow(name: string): EdgeRow | undefined {
  return edgeIndex.get(name);
}

/** Whether the version's page lists the field. */
export function userFieldAvailable(name: string, version: VersionInfo | string): boolean {
  const row = fieldIndex.get(name);
  return row !== undefined && row.pages.includes(pageFor(version));
}

/**
 * Whether the version's page lists the edge. Other domains attaching an edge to User
 * (`permissions`, `friends`) pass this as their EdgeDef's `available`.
 */
export function userEdgeAvailable(name: string, version: VersionInfo | string): boolean {
  const row = edgeIndex.get(name);
  return row !== undefined && row.pages.includes(pageFor(version));
}

export function userOperationAvailable(id: string, version: VersionInfo | string): boolean {
  const row = USER_OPERATIONS.find((o) => o.id === id);
  return row !== undefined && row.pages.includes(pageFor(version));
}

export function fieldTypeOn(row: FieldRow, page: PageName): string {
  return typeof row.type === 'string' ? row.type : (row.type[page] ?? Object.values(row.type)[0] ?? 'string');
}

/** Whether `metadata=1` still returns metadata on this version. */
export function metadataSupported(version: VersionInfo | string): boolean {
  const v = typeof version === 'string' ? parseVersionName(version) : version;
  const last = parseVersionName(METADATA_LAST_VERSION);
  return v !== undefined && last !== undefined && compareVersions(v, last) <= 0;
}
