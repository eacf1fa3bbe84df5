/**
 * The audiences' control surface — what the real API can never show:
 * - `GET  /_localgraph/audiences` every audience with its exact counts and queue;
 * - `GET  /_localgraph/audiences/{id}` one audience, its sessions and queue;
 * - `GET  /_localgraph/audiences/{id}/matches` which stored row matched which person, by which
 *   key (row and key hashes shortened; people shown by their ids, never by their data);
 * - `POST /_localgraph/audiences/{id}` set `operation_status` (471 = integrity flag, null to
 *   clear), `removal_floor` (the "Audience Size too Low" threshold),
 *   `fields_violating_integrity_policy` and `simulated_size` (people counted on top of the
 *   matched rows, simulated-size.ts; 0 or null clears it);
 * - `GET  /_localgraph/audiences/matcher` the queue, the matcher's timings and the process memory;
 * - `POST /_localgraph/audiences/match-now` runs the matcher until the queue is empty.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { jsonBody } from '../admin/guard.js';
import type { AdminRouteRegistrar } from '../admin/routes.js';
import type { Services } from '../server/services.js';
import { unpackPairs } from './hashing.js';
import { KEY_NAME_BY_CODE, MATCH_KEY_NAMES } from './key-types.js';
import { audienceServices } from './services.js';
import { sessionView } from './sessions.js';
import { audienceSize, checkSimulatedSize, simulatedSize, simulatedSizePatch } from './simulated-size.js';
import { deriveState } from './status.js';

function send(reply: FastifyReply, status: number, body: unknown): void {
  reply.code(status).header('content-type', 'application/json; charset=UTF-8').header('cache-control', 'no-store').send(JSON.stringify(body));
}

function notFound(reply: FastifyReply, id: string): void {
  send(reply, 404, { error: { message: `No custom audience ${id}`, type: 'LocalgraphAdminException', code: 404 } });
}

function badRequest(reply: FastifyReply, message: string): void {
  send(reply, 400, { error: { message, type: 'LocalgraphAdminException', code: 100 } });
}

async function summary(services: Services, id: string): Promise<Record<string, unknown> | undefined> {
  const repo = services.store.audiences;
  // The queue first, then the audience (see audienceView): never "done" with an old count.
  const pending = await repo.pendingCount(id);
  const a = await repo.getAudience(id);
  if (!a) return undefined;
  const counts = await repo.rowCounts(id);
  const state = deriveState(a, pending.batches > 0);
  return {
    id: a.id,
    ad_account_id: 'act_' + a.ad_account_id,
    name: a.name,
    subtype: a.subtype,
    operation_status: state.operation,
    delivery_status: state.delivery,
    members: Number(a.member_count),
    published_count: Number(a.published_count),
    rows: counts.rows,
    matched_rows: counts.matched,
    unmatched_rows: counts.rows - counts.matched,
    pending_batches: pending.batches,
    pending_rows: pending.rows,
    data_source: `${a.data_source_type}.${a.data_source_sub_type}`,
    replace_state: a.replace_state,
    removal_floor: a.removal_floor,
    // 0 once a committed replace dropped them; `size` is what the reads and the size rules use.
    simulated_size: simulatedSize(a),
    size: audienceSize(a),
  };
}

const short = (b: Buffer, n: number): string => Buffer.from(b).toString('hex').slice(0, n);

export const registerAudienceAdminRoutes: AdminRouteRegistrar = (app: FastifyInstance, services: Services, guard) => {
  const guarded =
    (fn: (req: FastifyRequest, reply: FastifyReply) => Promise<void>) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (!guard(req, reply)) return;
      await fn(req, reply);
    };

  app.get(
    '/_localgraph/audiences',
    guarded(async (_req, reply) => {
      const data = [];
      for (const a of await services.store.audiences.listAllAudiences()) data.push(await summary(services, a.id));
      const queue = await services.store.audiences.pendingCount();
      const worker = audienceServices(services)?.worker;
      send(reply, 200, {
        data,
        queue: { ...queue, processed_rows: worker?.processedRows ?? 0, matcher_ms: worker?.timings ?? null, last_error: worker?.lastError ?? null },
        memory: process.memoryUsage(),
      });
    }),
  );

  // The matcher alone, cheap enough to poll while it works (no per-audience row counts).
  app.get(
    '/_localgraph/audiences/matcher',
    guarded(async (_req, reply) => {
      const worker = audienceServices(services)?.worker;
      send(reply, 200, {
        queue: await services.store.audiences.pendingCount(),
        processed_rows: worker?.processedRows ?? 0,
        matcher_ms: worker?.timings ?? null,
        last_error: worker?.lastError ?? null,
        memory: process.memoryUsage(),
      });
    }),
  );

  app.post(
    '/_localgraph/audiences/match-now',
    guarded(async (_req, reply) => {
      const parts = audienceServices(services);
      if (parts) {
        // Run until nothing ready is left (a batch staged with a delay is not ready yet).
        for (let i = 0; i < 10_000; i++) {
          await parts.worker.run();
          const next = await services.store.audiences.nextReadyAt();
          if (next === undefined || next > services.clock.now()) break;
        }
      }
      send(reply, 200, { success: true, queue: await services.store.audiences.pendingCount() });
    }),
  );

  app.get(
    '/_localgraph/audiences/:id',
    guarded(async (req, reply) => {
      const { id } = req.params as { id: string };
      const s = await summary(services, id);
      if (!s) return notFound(reply, id);
      const now = services.clock.nowSeconds();
      const sessions = (await services.store.audiences.listSessions(id)).map((x) => ({
        ...sessionView(x, now),
        kind: x.kind,
        batch_seqs: JSON.parse(x.batch_seqs) as number[],
        rows_pending: Number(x.rows_pending),
      }));
      send(reply, 200, { ...s, sessions });
    }),
  );

  app.get(
    '/_localgraph/audiences/:id/matches',
    guarded(async (req, reply) => {
      const { id } = req.params as { id: string };
      const q = req.query as Record<string, string | undefined>;
      const s = await summary(services, id);
      if (!s) return notFound(reply, id);
      const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 1000);
      const after = q.after && /^[0-9a-f]{64}$/.test(q.after) ? Buffer.from(q.after, 'hex') : undefined;
      const rows = await services.store.audiences.pageRows(id, limit, after);
      const { world } = services.store;
      const data = [];
      for (const r of rows) {
        let matched: Record<string, unknown> | null = null;
        if (r.person_id) {
          const appUsers = await world.listAppUsersOfPerson(r.person_id);
          const person = await world.getPerson(r.person_id);
          matched = {
            person: r.person_id,
            exists: person !== undefined,
            by: r.match_type !== null ? (MATCH_KEY_NAMES[r.match_type] ?? String(r.match_type)) : null,
            app_scoped_ids: Object.fromEntries(appUsers.map((u) => [u.app_id, u.asid])),
          };
        }
        data.push({
          row: short(r.row_hash, 16),
          keys: unpackPairs(Buffer.from(r.keys)).map((p) => ({ key: KEY_NAME_BY_CODE.get(p.type) ?? String(p.type), hash: short(p.hash, 12) })),
          matched,
        });
      }
      const last = rows[rows.length - 1];
      send(reply, 200, {
        audience: s,
        data,
        ...(rows.length === limit && last ? { paging: { after: Buffer.from(last.row_hash).toString('hex') } } : {}),
      });
    }),
  );

  app.post(
    '/_localgraph/audiences/:id',
    guarded(async (req, reply) => {
      const { id } = req.params as { id: string };
      const a = await services.store.audiences.getAudience(id);
      if (!a) return notFound(reply, id);
      let body: Record<string, unknown>;
      try {
        body = (jsonBody(req) ?? {}) as Record<string, unknown>;
      } catch (e) {
        return badRequest(reply, `The body is not valid JSON: ${(e as Error).message}`);
      }
      const patch: Record<string, unknown> = {};
      if ('operation_status' in body) {
        const v = body.operation_status;
        if (v !== null && !(typeof v === 'number' && Number.isInteger(v))) return badRequest(reply, 'operation_status must be an integer code (471 flags the audience) or null');
        patch.status_override = v;
      }
      if ('removal_floor' in body) {
        const v = body.removal_floor;
        if (!(typeof v === 'number' && Number.isInteger(v) && v >= 0)) return badRequest(reply, 'removal_floor must be a non-negative integer');
        patch.removal_floor = v;
      }
      if ('fields_violating_integrity_policy' in body) {
        const v = body.fields_violating_integrity_policy;
        if (v !== null && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) return badRequest(reply, 'fields_violating_integrity_policy must be a list of field names or null');
        patch.fields_violating = v === null ? null : JSON.stringify(v);
      }
      if ('simulated_size' in body) {
        const checked = checkSimulatedSize(a.subtype, body.simulated_size ?? 0);
        if ('problem' in checked) return badRequest(reply, checked.problem);
        Object.assign(patch, simulatedSizePatch(a, checked.size));
      }
      if (Object.keys(patch).length === 0) return badRequest(reply, 'Give operation_status, removal_floor, fields_violating_integrity_policy or simulated_size');
      await services.store.audiences.updateAudience(id, patch);
      send(reply, 200, await summary(services, id));
    }),
  );
};
