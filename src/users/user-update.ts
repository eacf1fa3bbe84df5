/**
 * `POST /{user_id}`: the seeds' parameters, validated by type and enum (code 100), written, and
 * answered with `{"success":true}`, or with the node itself when the request carries `fields`
 * ("This endpoint supports read-after-write and will read the node to which you POSTed").
 */
import {
  invalidEnumValue,
  invalidParameter,
  permissionsError,
  readAfterWriteFailed,
} from '../graph/errors/catalogue.js';
import { GraphError } from '../graph/errors/graph-error.js';
import type { GraphContext } from '../graph/context.js';
import type { Params } from '../graph/params.js';
import type { NodeType } from '../graph/registry.js';
import { renderNode } from '../graph/render.js';
import type { Updateable } from 'kysely';
import type { PersonTable } from '../storage/schema.js';
import { viewOf, type UserView } from './user-view.js';
import { USER_UPDATE_PARAMS } from './version-table.js';
import { writerOf } from './writer.js';

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function text(params: Params, name: string): string | undefined {
  const v = params.raw(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') throw invalidParameter(`Param ${name} must be a string`);
  const s = String(v);
  if (s.trim() === '') throw invalidParameter(`Param ${name} must be a non-empty string`);
  return s;
}

function int64(params: Params, name: string): string | undefined {
  const s = params.string(name)?.trim();
  if (s === undefined || s === '') return undefined;
  if (!/^-?\d+$/.test(s)) throw invalidParameter(`Param ${name} must be an integer`);
  const n = BigInt(s);
  if (n > INT64_MAX || n < INT64_MIN) throw invalidParameter(`Param ${name} must be an integer`);
  return n.toString();
}

function enumValue(params: Params, name: string): string | undefined {
  const s = params.string(name);
  if (s === undefined) return undefined;
  const allowed = USER_UPDATE_PARAMS.find((p) => p.name === name)?.enum ?? [];
  if (!allowed.includes(s)) throw invalidEnumValue(name, allowed);
  return s;
}

export interface UserPatch {
  person: Updateable<PersonTable>;
  profile: Record<string, unknown>;
  touchesTestOnly: boolean;
}

/** Reads and checks every parameter before anything is written: one bad value writes nothing. */
export function readUserPatch(params: Params, u: UserView): UserPatch {
  const person: Updateable<PersonTable> = {};
  const profile: Record<string, unknown> = {};
  const emoji = int64(params, 'emoji_color_pref');
  if (emoji !== undefined) profile.emoji_color_pref = emoji;
  const megaphone = enumValue(params, 'local_news_megaphone_dismiss_status');
  if (megaphone !== undefined) profile.local_news_megaphone_dismiss_status = megaphone === 'YES';
  const subscription = enumValue(params, 'local_news_subscription_status');
  if (subscription !== undefined) profile.local_news_subscription_status = subscription === 'STATUS_ON';
  const first = text(params, 'firstname');
  const last = text(params, 'lastname');
  const name = text(params, 'name');
  const password = text(params, 'password');
  let firstName = u.person.first_name;
  let lastName = u.person.last_name;
  if (first !== undefined) person.first_name = firstName = first;
  if (last !== undefined) person.last_name = lastName = last;
  if (first !== undefined || last !== undefined) {
    person.name = [firstName, u.person.middle_name, lastName].filter((p) => p !== null && p !== '').join(' ');
  }
  if (name !== undefined) {
    person.name = name;
    const parts = name.trim().split(/\s+/);
    if (first === undefined) person.first_name = parts[0];
    if (last === undefined && parts.length > 1) person.last_name = parts[parts.length - 1];
  }
  if (password !== undefined) person.test_user_password = password;
  return { person, profile, touchesTestOnly: name !== undefined || password !== undefined };
}

export async function updateUser(u: UserView, ctx: GraphContext, userType: NodeType<UserView>): Promise<unknown> {
  // A broken `fields` is the request's own fault (2500): nothing is written.
  const fields = ctx.fields();
  const writer = await writerOf(ctx, u);
  const patch = readUserPatch(ctx.params, u);
  // "Used for test accounts only"; an app token manages its test users, not real people.
  if (patch.touchesTestOnly && u.person.is_test_user !== 1) throw permissionsError();
  if (writer.kind === 'app' && u.person.is_test_user !== 1) throw permissionsError();
  const hasChange = Object.keys(patch.person).length > 0 || Object.keys(patch.profile).length > 0;
  if (hasChange) {
    const profile = JSON.stringify({ ...u.profile, ...patch.profile });
    await ctx.services.store.world.updatePerson(u.person.id, { ...patch.person, profile, updated_time: ctx.services.clock.nowSeconds() });
    if (patch.person.name !== undefined || patch.person.first_name !== undefined || patch.person.last_name !== undefined) {
      await ctx.services.events.emit('person.changed', { personId: u.person.id });
    }
  }
  const original = { success: true };
  if (fields === undefined) return original;
  try {
    const fresh = (await viewOf(ctx, u.appUser)) ?? u;
    return await renderNode(userType, fresh, fields, ctx);
  } catch (e) {
    if (e instanceof GraphError) throw readAfterWriteFailed(e, original);
    throw e;
  }
}
