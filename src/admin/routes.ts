/**
 * The control surface under `/_localgraph/` (never under a version): health and readiness (open,
 * for load balancers), and — behind the admin token — reset, fixtures, export, the journal and
 * the clock. Domains add their own admin routes through `adminRouteRegistrars`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphError } from '../graph/errors/graph-error.js';
import { exportFixture } from '../fixtures/export.js';
import { loadFixture } from '../fixtures/load.js';
import { fixtureSchema } from '../fixtures/schema.js';
import type { Services } from '../server/services.js';
import { checkAdmin, jsonBody } from './guard.js';
import { resetApp } from './reset-app.js';

export type AdminRouteRegistrar = (app: FastifyInstance, services: Services, guard: (req: FastifyRequest, reply: FastifyReply) => boolean) => void;

/** Domain modules push their admin routes here before the server starts. */
export const adminRouteRegistrars: AdminRouteRegistrar[] = [];

function sendJson(reply: FastifyReply, status: number, body: unknown): void {
  reply.code(status).header('content-type', 'application/json; charset=UTF-8').header('cache-control', 'no-store').send(JSON.stringify(body));
}

function sendError(reply: FastifyReply, e: unknown): void {
  if (e instanceof GraphError) sendJson(reply, 400, e.toEnvelope('admin'));
  else if (e instanceof SyntaxError) sendJson(reply, 400, { error: { message: `The body is not valid JSON: ${e.message}`, type: 'LocalgraphAdminException', code: 100 } });
  else throw e;
}

export async function registerAdminRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const token = services.config.adminToken as string;
  const guard = (req: FastifyRequest, reply: FastifyReply): boolean => checkAdmin(req, reply, token);
  const { store, clock } = services;

  app.get('/_localgraph/health', async (_req, reply) => {
    sendJson(reply, 200, { status: 'ok', store: store.dialect, time: new Date(clock.now()).toISOString() });
  });
  app.get('/_localgraph/ready', async (_req, reply) => {
    try {
      await store.world.getMeta('ready-probe');
      sendJson(reply, 200, { ready: true });
    } catch {
      sendJson(reply, 503, { ready: false });
    }
  });
  app.get('/_localgraph/fixture-schema', async (_req, reply) => sendJson(reply, 200, fixtureSchema()));

  app.post('/_localgraph/reset', async (req, reply) => {
    if (!guard(req, reply)) return;
    const appId = (req.query as Record<string, string | undefined>).app;
    if (appId) await resetApp(store, appId);
    else await store.clearAll();
    services.journal.clear();
    sendJson(reply, 200, { success: true });
  });

  app.post('/_localgraph/fixture', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const replace = (req.query as Record<string, string | undefined>).merge !== '1';
      await loadFixture(store, clock, jsonBody(req), { replace });
      sendJson(reply, 200, { success: true });
    } catch (e) {
      sendError(reply, e);
    }
  });

  app.get('/_localgraph/export', async (req, reply) => {
    if (!guard(req, reply)) return;
    sendJson(reply, 200, await exportFixture(store));
  });

  app.get('/_localgraph/journal', async (req, reply) => {
    if (!guard(req, reply)) return;
    const n = Number((req.query as Record<string, string | undefined>).limit ?? 50);
    sendJson(reply, 200, { data: services.journal.last(Number.isFinite(n) && n > 0 ? n : 50) });
  });

  app.get('/_localgraph/clock', async (req, reply) => {
    if (!guard(req, reply)) return;
    sendJson(reply, 200, { now: new Date(clock.now()).toISOString(), unix: clock.nowSeconds(), offset_seconds: clock.offsetMs() / 1000 });
  });
  app.post('/_localgraph/clock', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const b = (jsonBody(req) ?? {}) as { advance_seconds?: number; set?: string; reset?: boolean };
      let offset = clock.offsetMs();
      if (b.reset) offset = 0;
      if (typeof b.advance_seconds === 'number') {
        if (b.advance_seconds < 0) throw new GraphError({ code: 100, message: '(#100) The clock only moves forward: advance_seconds must be >= 0' });
        offset += b.advance_seconds * 1000;
      }
      if (typeof b.set === 'string') {
        const target = Date.parse(b.set);
        if (Number.isNaN(target)) throw new GraphError({ code: 100, message: `(#100) "${b.set}" is not a date` });
        offset = target - Date.now();
      }
      // Stored first, then applied: a shared clock's background read that began before the write
      // could otherwise put the old offset back after we set the new one.
      await store.world.setMeta('clock_offset_ms', String(offset));
      clock.setOffset(offset);
      const shared = clock as { refresh?: () => Promise<void> };
      if (typeof shared.refresh === 'function') await shared.refresh();
      sendJson(reply, 200, { now: new Date(clock.now()).toISOString(), unix: clock.nowSeconds(), offset_seconds: clock.offsetMs() / 1000 });
    } catch (e) {
      sendError(reply, e);
    }
  });

  for (const r of adminRouteRegistrars) r(app, services, guard);
}
