/**
 * Who may use an ad account (and its custom audiences): a user token with `ads_management` (or
 * `ads_read` for reads) of a person assigned to the account, or a system-user token of the
 * business that owns it. Everyone else gets the real permission errors: 294 on v10.0, 200 later.
 * Every Ads call also passes the Ads API version check (2635) first.
 */
import type { GraphContext } from '../graph/context.js';
import {
  adAccountAccessDenied,
  adsManagementRequiredV10,
  adsPermissionRequired,
  deprecatedAdsVersion,
} from '../graph/errors/catalogue.js';
import type { GraphError } from '../graph/errors/graph-error.js';
import { atLeast, compareVersions, parseVersionName } from '../graph/versions.js';
import type { Principal } from '../auth/principal.js';
import type { AdAccount } from '../storage/world.js';

export type AdsAccess = 'read' | 'write';

/**
 * 2635: unversioned calls resolve to a version the Ads API no longer serves (spec §1.6); explicit
 * versions older than `config.adsMinVersion` likewise. The one place that decides it.
 */
export function checkAdsVersion(ctx: GraphContext): void {
  const latest = ctx.services.versions.latest.name;
  if (!ctx.versionInPath) throw deprecatedAdsVersion(latest);
  const min = ctx.services.config.adsMinVersion ? parseVersionName(ctx.services.config.adsMinVersion) : undefined;
  if (min && compareVersions(ctx.version, min) < 0) throw deprecatedAdsVersion(latest);
}

export function isAccountAdmin(role: string, tasksJson: string): boolean {
  if (role.toUpperCase() === 'ADMIN') return true;
  try {
    const tasks = JSON.parse(tasksJson) as unknown;
    return Array.isArray(tasks) && tasks.includes('MANAGE');
  } catch {
    return false;
  }
}

export async function requireAdAccountAccess(ctx: GraphContext, account: AdAccount, access: AdsAccess): Promise<Principal> {
  checkAdsVersion(ctx);
  const p = await ctx.auth();
  const deny = (e: GraphError): GraphError => (atLeast(ctx.version, 11) ? e : adsManagementRequiredV10());
  const hasScope = p.scopes.has('ads_management') || (access === 'read' && p.scopes.has('ads_read'));
  if (!hasScope) throw deny(adsPermissionRequired('ads_management'));
  const actId = 'act_' + account.id;
  if (p.kind === 'system_user') {
    if (!p.businessId || p.businessId !== account.business_id) throw deny(adAccountAccessDenied(actId));
    return p;
  }
  if (p.kind !== 'user' || !p.person) throw deny(adAccountAccessDenied(actId));
  const assigned = await ctx.services.store.world.getAdAccountUser(account.id, p.person.id);
  if (!assigned) throw deny(adAccountAccessDenied(actId));
  return p;
}
