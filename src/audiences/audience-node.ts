/**
 * The CustomAudience node: `GET /{custom_audience_id}?fields=…` with the real fields (only `id`
 * by default), `POST` to update, `DELETE` to delete, and the edges `users`, `usersreplace` and
 * `sessions`. Loading the node checks the caller may use its ad account (2635, 200/294) and
 * charges the account's custom_audience rate limit, so every audience call pays both once.
 */
import type { GraphContext } from '../graph/context.js';
import { invalidParameter } from '../graph/errors/catalogue.js';
import { structType, type EdgeList, type NodeType } from '../graph/registry.js';
import { renderNode } from '../graph/render.js';
import type { CustomAudience } from '../storage/audiences.js';
import type { AdAccount } from '../storage/world.js';
import { requireAdAccountAccess } from '../adaccounts/access.js';
import { handleReplace } from './replace.js';
import { sessionView } from './sessions.js';
import { deriveState, type DerivedState } from './status.js';
import { handleUsers } from './upload.js';
import { workerOf } from './services.js';
import { retentionDays } from './create.js';

export interface AudienceView {
  a: CustomAudience;
  account: AdAccount;
  state: DerivedState;
}

/**
 * `pending` must be read before `a`: the matcher deletes a finished batch and publishes the count
 * in one transaction, so reading in this order never shows "done" with the old count.
 */
export function audienceView(a: CustomAudience, account: AdAccount, pending: boolean): AudienceView {
  return { a, account, state: deriveState(a, pending) };
}

/** Reads one audience with its derived state, consistently (see audienceView). */
export async function readAudienceView(ctx: GraphContext, id: string, account?: AdAccount): Promise<AudienceView | undefined> {
  const repo = ctx.services.store.audiences;
  const pending = await repo.hasPending(id);
  const a = await repo.getAudience(id);
  if (!a) return undefined;
  const acct = account ?? (await ctx.services.store.world.getAdAccount(a.ad_account_id));
  return acct ? audienceView(a, acct, pending) : undefined;
}

const statusType = structType<Record<string, unknown>>('CustomAudienceStatus', ['code', 'description']);
const dataSourceType = structType<Record<string, unknown>>('CustomAudienceDataSource', ['type', 'sub_type', 'creation_params']);
const sessionType = structType<Record<string, unknown>>(
  'CustomAudienceSession',
  ['session_id', 'start_time', 'end_time', 'num_received', 'num_matched', 'num_invalid_entries', 'progress', 'stage'],
  undefined,
  'session_id',
);

function jsonList(text: string | null): string[] | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.map(String) : undefined;
  } catch {
    return undefined;
  }
}

function extra(a: CustomAudience): Record<string, unknown> {
  try {
    return JSON.parse(a.extra) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export const audienceType: NodeType<AudienceView> = {
  type: 'customaudience',
  graphName: 'CustomAudience',
  async load(id, ctx) {
    const view = await readAudienceView(ctx, id);
    if (!view) return undefined;
    const { a, account } = view;
    await requireAdAccountAccess(ctx, account, ctx.method === 'GET' ? 'read' : 'write');
    // The real POST /users answered with x-ad-account-usage only; the other calls with both headers.
    const addingUsers = ctx.method === 'POST' && ctx.path[1] === 'users';
    await ctx.services.limits.chargeBusinessUseCase(ctx, a.ad_account_id, 'custom_audience', addingUsers ? { headers: ['ad_account'] } : undefined);
    return view;
  },
  idOf: (v) => v.a.id,
  defaultFields: () => ['id'],
  fields: {
    id: { get: (v) => v.a.id },
    account_id: { get: (v) => v.a.ad_account_id },
    name: { get: (v) => v.a.name ?? undefined },
    description: { get: (v) => v.a.description ?? undefined },
    subtype: { get: (v) => v.a.subtype },
    customer_file_source: { get: (v) => v.a.customer_file_source ?? undefined },
    approximate_count_lower_bound: { get: (v) => v.state.lower },
    approximate_count_upper_bound: { get: (v) => v.state.upper },
    // Gone from the SDKs since 2022 but still in D-ca's example; the lower bound, -1 while unknown.
    approximate_count: { get: (v) => v.state.lower },
    operation_status: { get: (v) => ({ ...v.state.operation }), objectType: statusType as NodeType<unknown> },
    delivery_status: { get: (v) => ({ ...v.state.delivery }), objectType: statusType as NodeType<unknown> },
    data_source: {
      get: (v) => ({ type: v.a.data_source_type, sub_type: v.a.data_source_sub_type, creation_params: '[]' }),
      objectType: dataSourceType as NodeType<unknown>,
    },
    is_value_based: { get: (v) => v.a.is_value_based === 1 },
    retention_days: { get: (v) => v.a.retention_days },
    subscription_info: { get: (v) => jsonList(v.a.subscription_info) },
    time_created: { get: (v) => Number(v.a.time_created) },
    time_updated: { get: (v) => Number(v.a.time_updated) },
    time_content_updated: { get: (v) => Number(v.a.time_content_updated) },
    fields_violating_integrity_policy: { get: (v) => jsonList(v.a.fields_violating) ?? (v.state.operation.code === 471 ? [] : undefined) },
    lookalike_audience_ids: { get: () => [] },
    opt_out_link: { get: (v) => (extra(v.a).opt_out_link as string | undefined) ?? '' },
    permission_for_actions: {
      get: (v) => ({
        can_edit: v.state.operation.code !== 471,
        can_see_insight: 'True',
        can_share: 'True',
        subtype_supports_lookalike: 'True',
        supports_recipient_lookalike: 'False',
      }),
    },
    sharing_status: { get: () => ({ sharing_relationship_id: 0, status: 'NOT_SHARED' }) },
  },
  edges: {
    users: {
      create: (v, ctx) => withReadAfterWrite(v, ctx, () => handleUsers(v.a, ctx, 'add')),
      remove: (v, ctx) => withReadAfterWrite(v, ctx, () => handleUsers(v.a, ctx, 'remove')),
    },
    usersreplace: {
      create: (v, ctx) => withReadAfterWrite(v, ctx, () => handleReplace(v.a, ctx)),
    },
    sessions: {
      list: async (v, ctx) => {
        const wanted = ctx.params.string('session_id');
        const now = ctx.services.clock.nowSeconds();
        const items = (await ctx.services.store.audiences.listSessions(v.a.id))
          .filter((s) => wanted === undefined || s.session_id === wanted)
          .map((s) => sessionView(s, now) as Record<string, unknown>);
        return { items, itemType: sessionType } as EdgeList<unknown>;
      },
    },
  },
  async post(v, ctx) {
    const p = ctx.params;
    const patch: Record<string, unknown> = {};
    if (p.has('name')) patch.name = p.string('name') ?? null;
    if (p.has('description')) patch.description = p.string('description') ?? null;
    if (p.has('customer_file_source')) patch.customer_file_source = p.string('customer_file_source') ?? null;
    if (p.has('retention_days')) patch.retention_days = retentionDays(ctx);
    if (p.has('opt_out_link')) patch.extra = JSON.stringify({ ...extra(v.a), opt_out_link: p.string('opt_out_link') });
    if (Object.keys(patch).length === 0) throw invalidParameter('Nothing to update: pass name, description, customer_file_source, retention_days or opt_out_link');
    await ctx.services.store.audiences.updateAudience(v.a.id, { ...patch, time_updated: ctx.services.clock.nowSeconds() });
    return { success: true };
  },
  async delete(v, ctx) {
    const { store, clock } = ctx.services;
    await store.audiences.updateAudience(v.a.id, { deleted: 1, time_updated: clock.nowSeconds() });
    await store.world.unregister(v.a.id);
    // Rows, sessions and queued batches go in the background: a million-row audience takes a while.
    await store.audiences.enqueue({
      audience_id: v.a.id,
      ad_account_id: v.a.ad_account_id,
      session_id: null,
      op: 'purge',
      generation: null,
      columns: '[]',
      row_count: 0,
      rows: Buffer.alloc(0),
      rows_done: 0,
      ready_at_ms: clock.now(),
      staged_at: clock.nowSeconds(),
      claimed_by: null,
      claimed_at: null,
    });
    workerOf(ctx.services)?.notify();
    return { success: true };
  },
};

/**
 * "This endpoint supports read-after-write": with `fields`, the answer also carries the audience's
 * fields, read after the write (the new session shows, operation_status reads 441).
 */
async function withReadAfterWrite(v: AudienceView, ctx: GraphContext, write: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const answer = await write();
  const fields = ctx.fields();
  if (!fields) return answer;
  const fresh = await readAudienceView(ctx, v.a.id, v.account);
  if (!fresh) return answer;
  const node = await renderNode(audienceType, fresh, fields, ctx);
  return { ...answer, ...node };
}
