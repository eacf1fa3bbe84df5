/**
 * The User node's fields: one FieldDef per row of the version table. Availability and who may
 * read a field come from the table; this module only knows how to compute each value.
 */
import { deprecatedField } from '../graph/errors/catalogue.js';
import type { GraphContext } from '../graph/context.js';
import type { FieldNode } from '../graph/fields/types.js';
import type { FieldDef, NodeType } from '../graph/registry.js';
import {
  coverPhotoType,
  erased,
  experienceType,
  pageRefType,
  profileRefType,
  videoUploadLimitsType,
} from './content-types.js';
import { appScopedLink, idForAvatars, tokenForBusiness } from './derived-ids.js';
import { graphDateTime, toUnixSeconds } from './graph-time.js';
import { pictureField } from './picture.js';
import { ageRange, sharedBirthday, sharedGender, toRef, toRefList } from './profile-values.js';
import type { UserView } from './user-view.js';
import { USER_FIELDS, fieldTypeOn, userFieldAvailable, type FieldRow } from './version-table.js';
import { isOwnerView, viewerOf } from './viewer.js';

type Getter = (u: UserView, ctx: GraphContext, field: FieldNode) => unknown;

/** Video upload limits when a fixture sets none: 4 hours, 10 GiB (the documented maxima for uploads). */
export const DEFAULT_VIDEO_UPLOAD_LIMITS = { length: 14_400, size: 10_737_418_240 };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

const GETTERS: Record<string, Getter> = {
  id: (u) => u.appUser.asid,
  name: (u) => u.person.name,
  first_name: (u) => u.person.first_name ?? undefined,
  middle_name: (u) => u.person.middle_name ?? undefined,
  last_name: (u) => u.person.last_name ?? undefined,
  name_format: (u) => str(u.profile.name_format) ?? '{first} {last}',
  short_name: (u) => str(u.profile.short_name) ?? u.person.first_name ?? u.person.name,
  picture: (u, ctx, f) => pictureField(u, ctx, f),
  email: (u) => u.person.email ?? undefined,
  birthday: (u) => sharedBirthday(u.profile.birthday, u.profile.birthday_visibility),
  age_range: (u, ctx) => ageRange(u.profile.age_range, u.profile.birthday, ctx.services.clock.nowSeconds()),
  gender: (u) => sharedGender(u.profile.gender, u.profile.pronoun),
  hometown: (u) => toRef(u.profile.hometown),
  location: (u) => toRef(u.profile.location),
  link: (u) => str(u.profile.link) ?? appScopedLink(u.appUser.asid),
  languages: (u) => toRefList(u.profile.languages),
  favorite_athletes: (u) => toRefList(u.profile.favorite_athletes),
  favorite_teams: (u) => toRefList(u.profile.favorite_teams),
  inspirational_people: (u) => toRefList(u.profile.inspirational_people),
  sports: (u) => toRefList(u.profile.sports),
  installed: (u) => u.appUser.installed === 1,
  // "should always return false"
  is_guest_user: () => false,
  id_for_avatars: (u) => idForAvatars(u.appUser.app_id, u.person.id),
  local_news_megaphone_dismiss_status: (u) => bool(u.profile.local_news_megaphone_dismiss_status),
  local_news_subscription_status: (u) => bool(u.profile.local_news_subscription_status),
  locale: (u) => str(u.profile.locale),
  timezone: (u) => {
    const t = u.profile.timezone;
    return typeof t === 'number' && t >= -24 && t <= 24 ? t : undefined;
  },
  updated_time: (u) => graphDateTime(Number(u.person.updated_time)),
  verified: (u) => bool(u.profile.verified) ?? true,
  meeting_for: (u) => (Array.isArray(u.profile.meeting_for) ? u.profile.meeting_for.map(String) : undefined),
  quotes: (u) => str(u.profile.quotes),
  significant_other: (u) => toRef(u.profile.significant_other),
  shared_login_upgrade_required_by: (u) => {
    const s = toUnixSeconds(u.profile.shared_login_upgrade_required_by);
    return s === undefined ? undefined : graphDateTime(s);
  },
  supports_donate_button_in_live_video: (u) => bool(u.profile.supports_donate_button_in_live_video) ?? false,
  token_for_business: async (u, ctx) => {
    const app = await ctx.services.store.world.getApp(u.appUser.app_id);
    return tokenForBusiness(app?.business_id ?? null, u.appUser.app_id, u.person.id);
  },
  video_upload_limits: (u) => {
    const v = u.profile.video_upload_limits;
    return v !== null && typeof v === 'object' ? v : { ...DEFAULT_VIDEO_UPLOAD_LIMITS };
  },
  cover: (u) => toRef(u.profile.cover),
};

const OBJECT_TYPES: Record<string, NodeType<unknown>> = {
  hometown: erased(pageRefType),
  location: erased(pageRefType),
  languages: erased(experienceType),
  favorite_athletes: erased(experienceType),
  favorite_teams: erased(experienceType),
  inspirational_people: erased(experienceType),
  sports: erased(experienceType),
  significant_other: erased(profileRefType),
  video_upload_limits: erased(videoUploadLimitsType),
  cover: erased(coverPhotoType),
};

/** The `__debug__` text for a field the token may not read (the documented `friends` wording). */
export function hiddenFieldMessage(name: string, permission?: string): string {
  return permission
    ? `Field ${name} is only accessible on User object, if ${permission} permission is granted by the user`
    : `Field ${name} is only accessible on User object for the user themself or the app they use`;
}

function visibility(row: FieldRow) {
  return async (u: UserView, ctx: GraphContext): Promise<true | string> => {
    // A gone field fails the call whoever asks; `get` throws the code-12 error.
    if (row.access === 'public' || row.behaviour === 'deprecated-12') return true;
    const viewer = await viewerOf(ctx, u);
    if (!isOwnerView(viewer)) {
      return hiddenFieldMessage(row.name, typeof row.access === 'object' ? row.access.permission : undefined);
    }
    if (row.access === 'self') return true;
    return viewer.scopes.has(row.access.permission) ? true : hiddenFieldMessage(row.name, row.access.permission);
  };
}

function fieldDef(row: FieldRow): FieldDef<UserView> {
  const get = GETTERS[row.name];
  const def: FieldDef<UserView> = {
    available: (v) => userFieldAvailable(row.name, v),
    description: row.description,
    // One type string per field; where the pages differ (shared_login_upgrade_required_by) the newest page's.
    typeName: fieldTypeOn(row, 'v21.0'),
    visible: visibility(row),
    get:
      row.behaviour === 'no-data'
        ? () => undefined
        : row.behaviour === 'deprecated-12'
          ? () => {
              throw deprecatedField(row.name, 'v3.0');
            }
          : (get ?? (() => undefined)),
  };
  const objectType = OBJECT_TYPES[row.name];
  if (objectType) def.objectType = objectType;
  return def;
}

export function userFieldDefs(): Record<string, FieldDef<UserView>> {
  const out: Record<string, FieldDef<UserView>> = {};
  for (const row of USER_FIELDS) out[row.name] = fieldDef(row);
  return out;
}

/** Every field the table marks as data has a getter (checked by a unit test). */
export function fieldsWithoutGetter(): string[] {
  return USER_FIELDS.filter((r) => r.behaviour === 'data' && !GETTERS[r.name]).map((r) => r.name);
}
