/**
 * `POST /act_{ad_account_id}/customaudiences`: a customer-file audience (`subtype=CUSTOM` with
 * `customer_file_source`, required since 2018), at most 500 per ad account. Answers `{id}`, with
 * the requested fields when `fields` is given (read-after-write).
 */
import type { GraphContext } from '../graph/context.js';
import { audienceCreateFailed, invalidParameter, missingCustomerFileSource } from '../graph/errors/catalogue.js';
import { renderNode } from '../graph/render.js';
import { numericId } from '../storage/ids.js';
import type { AdAccount } from '../storage/world.js';

export const CUSTOMER_FILE_SOURCES = ['USER_PROVIDED_ONLY', 'PARTNER_PROVIDED_ONLY', 'BOTH_USER_AND_PARTNER_PROVIDED'];
const SUBSCRIPTION_CHANNELS = ['WHATSAPP', 'MESSENGER'];
/** "You can create a maximum of 500 custom audiences" (D-acct-ca; the guide's FAQ: customer-file ones). */
export const MAX_CUSTOMER_FILE_AUDIENCES = 500;
/** Parameters kept as they were sent and shown back where the node has a field for them. */
const EXTRA_PARAMS = ['opt_out_link', 'audience_labels', 'use_in_campaigns', 'use_for_products', 'claim_objective', 'content_type'];

/** `retention_days`: 1–180, or 0 for "forever" (the default; D-ca's example reads 0). */
export function retentionDays(ctx: GraphContext): number {
  const n = ctx.params.int('retention_days');
  if (n === undefined) return 0;
  if (n < 0 || n > 180) throw invalidParameter('retention_days must be between 1 and 180 (or 0 to keep people indefinitely)');
  return n;
}

function subscriptionInfo(ctx: GraphContext): string | null {
  const list = ctx.params.list('subscription_info');
  if (!list || list.length === 0) return null;
  const upper = list.map((x) => x.toUpperCase());
  for (const c of upper) {
    if (!SUBSCRIPTION_CHANNELS.includes(c)) throw invalidParameter(`subscription_info must be a list of ${SUBSCRIPTION_CHANNELS.join(', ')}`);
  }
  return JSON.stringify(upper);
}

export async function createAudience(account: AdAccount, ctx: GraphContext): Promise<Record<string, unknown>> {
  const { store, clock } = ctx.services;
  const p = ctx.params;
  const subtype = (p.string('subtype') ?? 'CUSTOM').toUpperCase();
  if (subtype !== 'CUSTOM') {
    throw invalidParameter(`localgraph creates customer file audiences (subtype CUSTOM) only; load audiences of subtype ${subtype} from a fixture`);
  }
  const source = p.string('customer_file_source');
  if (!source) throw missingCustomerFileSource();
  if (!CUSTOMER_FILE_SOURCES.includes(source)) throw invalidParameter(`customer_file_source must be one of ${CUSTOMER_FILE_SOURCES.join(', ')}`);
  const name = p.string('name');
  const retention = retentionDays(ctx);
  const isValueBased = p.bool('is_value_based') === true;
  const subscription = subscriptionInfo(ctx);

  if (name && p.bool('enable_fetch_or_create') === true) {
    const existing = await store.audiences.findByName(account.id, name);
    if (existing) return { id: existing.id };
  }
  if ((await store.audiences.countAudiences(account.id, 'CUSTOM')) >= MAX_CUSTOMER_FILE_AUDIENCES) {
    throw audienceCreateFailed(`act_${account.id} already has ${MAX_CUSTOMER_FILE_AUDIENCES} customer file custom audiences; delete some before creating more.`);
  }
  const extra: Record<string, unknown> = {};
  for (const k of EXTRA_PARAMS) if (p.has(k)) extra[k] = p.json(k);
  const id = numericId(17, '238');
  const now = clock.nowSeconds();
  await store.audiences.insertAudience({
    id,
    ad_account_id: account.id,
    name: name ?? null,
    description: p.string('description') ?? null,
    subtype,
    customer_file_source: source,
    is_value_based: isValueBased ? 1 : 0,
    retention_days: retention,
    subscription_info: subscription,
    extra: JSON.stringify(extra),
    data_source_type: 'UNKNOWN',
    data_source_sub_type: 'ANYTHING',
    status_override: null,
    fields_violating: null,
    replace_state: null,
    generation: 0,
    member_count: 0,
    published_count: -1,
    removal_floor: 0,
    time_created: now,
    time_updated: now,
    time_content_updated: now,
    deleted: 0,
  });
  await store.world.register(id, 'customaudience');
  const fields = ctx.fields();
  if (!fields) return { id };
  // Read-after-write: imported late to keep create.ts free of a cycle with the node module.
  const { audienceType, readAudienceView } = await import('./audience-node.js');
  const view = await readAudienceView(ctx, id, account);
  return view ? { id, ...(await renderNode(audienceType, view, fields, ctx)) } : { id };
}
