/**
 * `/{user-id}/permissions` on the User node: what the person granted and declined to the app.
 * GET lists `{permission, status}` (filters `permission`, `status`); GET `/permissions/{name}`
 * reads one; DELETE `/permissions/{name}` revokes one (it then reads as declined); DELETE
 * `/permissions` de-authorises the app, and its tokens die with 190/458. Changes are read live by
 * the token resolver, so what a token may read changes at once.
 */
import type { GraphContext, HandlerResult } from '../graph/context.js';
import { permissionsError } from '../graph/errors/catalogue.js';
import { structType, type EdgeDef, type NodeType, type Registry } from '../graph/registry.js';
import type { AppUser } from '../storage/world.js';
import { deauthorize } from './token-state.js';
import { parseJsonList as parseList } from '../storage/json-list.js';

export interface PermissionItem extends Record<string, unknown> {
  permission: string;
  status: 'granted' | 'declined' | 'expired';
}

// Edge lists are typed over unknown items; the struct type reads any record.
const permissionType = structType<PermissionItem>('Permission', ['permission', 'status'], ['permission', 'status'], 'permission') as unknown as NodeType<unknown>;


/** The install behind a User node, through the node type's own id (its shape is users/'s business). */
async function installOf(userType: NodeType<unknown>, node: unknown, ctx: GraphContext): Promise<AppUser> {
  const au = await ctx.services.store.world.getAppUserByAsid(userType.idOf(node));
  if (!au) throw permissionsError();
  return au;
}

/** The person's own user token or the app's token may read and change the grant; nobody else. */
async function checkCaller(ctx: GraphContext, au: AppUser): Promise<{ expired: Set<string> }> {
  const p = await ctx.auth();
  if (p.app.id !== au.app_id) throw permissionsError();
  if (p.kind === 'app') return { expired: new Set() };
  if (p.kind === 'user' && p.appUser?.asid === au.asid) return { expired: p.expired ?? new Set() };
  throw permissionsError();
}

export function permissionItems(au: AppUser, expired: Set<string>): PermissionItem[] {
  const granted = parseList(au.granted);
  const declined = parseList(au.declined);
  const out: PermissionItem[] = [{ permission: 'public_profile', status: 'granted' }];
  for (const g of granted) if (g !== 'public_profile') out.push({ permission: g, status: expired.has(g) ? 'expired' : 'granted' });
  for (const d of declined) if (!granted.includes(d)) out.push({ permission: d, status: 'declined' });
  return out;
}

async function revoke(ctx: GraphContext, au: AppUser, name: string): Promise<HandlerResult> {
  // public_profile cannot go on its own: revoking it removes the app.
  if (name === 'public_profile') {
    await deauthorize(ctx.services.store, au.app_id, au.person_id);
    return { success: true };
  }
  const granted = parseList(au.granted).filter((g) => g !== name);
  const declined = parseList(au.declined);
  if (!declined.includes(name)) declined.push(name);
  await ctx.services.store.world.updateAppUser(au.app_id, au.person_id, {
    granted: JSON.stringify(granted),
    declined: JSON.stringify(declined),
  });
  return { success: true };
}

export function registerPermissionsEdge(registry: Registry): void {
  const userType = registry.types.get('user');
  if (!userType) throw new Error('the user node type must be registered before the permissions edge');
  const edge: EdgeDef<unknown> = {
    ...(userType.edges?.permissions ?? {}),
    list: async (node, ctx) => {
      const au = await installOf(userType, node, ctx);
      const { expired } = await checkCaller(ctx, au);
      const permission = ctx.params.string('permission');
      const status = ctx.params.string('status');
      const items = permissionItems(au, expired).filter((i) => (!permission || i.permission === permission) && (!status || i.status === status));
      return { items, itemType: permissionType };
    },
    getSub: async (node, ctx, rest) => {
      const au = await installOf(userType, node, ctx);
      const { expired } = await checkCaller(ctx, au);
      const name = rest.join('/');
      return { data: permissionItems(au, expired).filter((i) => i.permission === name) };
    },
    remove: async (node, ctx, rest) => {
      const au = await installOf(userType, node, ctx);
      await checkCaller(ctx, au);
      const name = rest.length > 0 ? rest.join('/') : ctx.params.string('permission');
      if (name) return revoke(ctx, au, name);
      await deauthorize(ctx.services.store, au.app_id, au.person_id);
      return { success: true };
    },
    defaultLimit: 5000,
  };
  registry.addEdge('user', 'permissions', edge);
}
