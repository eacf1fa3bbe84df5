/**
 * `POST /{user_id}/game_items` (v10.0 only): triggers an action on the person's inventory for one
 * app: DROP creates items from a loot drop table, MARK marks an item, CONSUME uses up a quantity.
 * The answer is the seed's struct `{id, count, created, item_def, status, updated, ext_id}`.
 */
import {
  invalidEnumValue,
  invalidParameter,
  missingParameter,
  unsupportedRequest,
} from '../graph/errors/catalogue.js';
import type { GraphContext } from '../graph/context.js';
import { numericId } from '../storage/ids.js';
import { graphDateTime } from './graph-time.js';
import type { UserView } from './user-view.js';
import { GAME_ITEM_PARAMS, userOperationAvailable } from './version-table.js';
import { writerOf } from './writer.js';

const ACTIONS = GAME_ITEM_PARAMS.find((p) => p.name === 'action')?.enum ?? [];

interface GameItemData {
  app_id: string;
  item_def: string;
  ext_id?: string;
  count: number;
  status: 'DEFAULT' | 'MARKED' | 'CONSUMED';
  created: number;
  updated: number;
}

function positiveQuantity(ctx: GraphContext): number | undefined {
  const q = ctx.params.int('quantity');
  if (q !== undefined && q <= 0) throw invalidParameter('Param quantity must be a positive integer');
  return q;
}

/** `app_id`: "Must be another app within the business" of the token's app. */
async function targetApp(ctx: GraphContext, tokenAppId: string): Promise<string> {
  const given = ctx.params.string('app_id');
  if (given === undefined || given === tokenAppId) return tokenAppId;
  const w = ctx.services.store.world;
  const [mine, other] = await Promise.all([w.getApp(tokenAppId), w.getApp(given)]);
  if (!other || !mine?.business_id || other.business_id !== mine.business_id) {
    throw invalidParameter('Param app_id must be an app within the same business as the access token\'s app');
  }
  return other.id;
}

function wire(id: string, d: GameItemData): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id,
    count: d.count,
    created: graphDateTime(d.created),
    item_def: d.item_def,
    status: d.status,
    updated: graphDateTime(d.updated),
  };
  if (d.ext_id !== undefined) out.ext_id = d.ext_id;
  return out;
}

export async function postGameItem(u: UserView, ctx: GraphContext): Promise<Record<string, unknown>> {
  if (!userOperationAvailable('POST /{user_id}/game_items', ctx.version)) throw unsupportedRequest('POST', u.appUser.asid);
  const writer = await writerOf(ctx, u);
  const action = ctx.params.string('action');
  if (action === undefined) throw missingParameter('action');
  if (!ACTIONS.includes(action)) throw invalidEnumValue('action', ACTIONS);
  const quantity = positiveQuantity(ctx);
  const appId = await targetApp(ctx, writer.principal.app.id);
  const extId = ctx.params.string('ext_id');
  const repo = ctx.services.store.userContent;
  const now = ctx.services.clock.nowSeconds();

  if (action === 'DROP') {
    const table = ctx.params.string('drop_table_id');
    if (table === undefined) throw missingParameter('drop_table_id');
    const data: GameItemData = { app_id: appId, item_def: table, count: quantity ?? 1, status: 'DEFAULT', created: now, updated: now };
    if (extId !== undefined) data.ext_id = extId;
    const id = numericId(16);
    await repo.insertItem({
      id,
      person_id: u.person.id,
      kind: 'game_item',
      parent_id: null,
      position: await repo.nextPosition(u.person.id, 'game_item'),
      created_time: now,
      data: JSON.stringify(data),
    });
    return wire(id, data);
  }

  const itemId = ctx.params.string('item_id');
  if (itemId === undefined) throw missingParameter('item_id');
  const row = await repo.getItem(itemId, 'game_item');
  const data = row && row.kind === 'game_item' && row.person_id === u.person.id ? (JSON.parse(row.data) as GameItemData) : undefined;
  if (!row || !data || data.app_id !== appId) throw invalidParameter(`Param item_id does not name an item of this person in app ${appId}`);
  if (action === 'MARK') {
    data.status = 'MARKED';
  } else {
    const use = quantity ?? 1;
    if (data.status === 'CONSUMED' || use > data.count) throw invalidParameter(`Not enough of item ${itemId} to consume ${use}`);
    data.count -= use;
    if (data.count === 0) data.status = 'CONSUMED';
  }
  if (extId !== undefined) data.ext_id = extId;
  data.updated = now;
  await repo.updateItemData(row.person_id, 'game_item', row.id, JSON.stringify(data));
  return wire(row.id, data);
}
