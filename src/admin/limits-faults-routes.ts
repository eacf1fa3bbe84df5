/**
 * Control-surface routes for rate limits (`/_localgraph/ratelimits`: budgets, usage, filling a
 * budget to throttle an app or an ad account at once, clearing counters) and fault injection
 * (`/_localgraph/faults`: add, list with match/fire counts, remove). The request-line limit of the
 * "real URL limit" profile is applied here, in an HTTP hook that runs before any Graph handling.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newTraceId } from '../graph/trace.js';
import type { Services } from '../server/services.js';
import { FAULT_ENGINE, type FaultEngine } from '../faults/engine.js';
import { htmlHeaders, sorryPage } from '../faults/html-page.js';
import { RATE_LIMITER, type GraphRateLimiter } from '../ratelimit/graph-limiter.js';
import { mergeSettings } from '../ratelimit/settings.js';
import type { BusinessUseCase } from '../ratelimit/limiter.js';
import { adminRouteRegistrars } from './routes.js';
import { jsonBody } from './guard.js';
import { AdminInputError, bodyObject, sendAdminError, sendJson } from './respond.js';

const USE_CASES: BusinessUseCase[] = ['custom_audience', 'ads_management', 'ads_insights'];

export function registerLimitsAndFaultsRoutes(app: FastifyInstance, services: Services, guard: (req: FastifyRequest, reply: FastifyReply) => boolean): void {
  const limiter = (): GraphRateLimiter => {
    const l = services.extensions.get(RATE_LIMITER) as GraphRateLimiter | undefined;
    if (!l) throw new AdminInputError('rate limits are not installed in this server', 404);
    return l;
  };
  const faults = (): FaultEngine => {
    const f = services.extensions.get(FAULT_ENGINE) as FaultEngine | undefined;
    if (!f) throw new AdminInputError('fault injection is not installed in this server', 404);
    return f;
  };

  // ---- the request-line limit, before any Graph handling ----
  app.addHook('onRequest', async (req, reply) => {
    const engine = services.extensions.get(FAULT_ENGINE) as FaultEngine | undefined;
    const url = req.raw.url ?? '/';
    if (!engine || !engine.hasUrlLimits() || url.startsWith('/_localgraph')) return;
    const verdict = await engine.checkRequestLine(req.method, url);
    if (!verdict) return;
    const traceId = newTraceId();
    services.journal.add({
      at: new Date(services.clock.now()).toISOString(),
      method: req.method,
      path: url.split('?')[0] ?? '/',
      encodings: [],
      params: { request_line_bytes: verdict.bytes },
      status: verdict.action === 'drop' ? 0 : (verdict.rule.status ?? 400),
      latencyMs: 0,
      traceId,
      injected: verdict.rule.id,
    });
    if (verdict.action === 'drop') {
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    await reply
      .code(verdict.rule.status ?? 400)
      .headers({ ...htmlHeaders(), 'x-fb-trace-id': traceId })
      .send(sorryPage());
  });

  // A reset of the control surface starts rate limits and faults afresh too.
  app.addHook('onResponse', async (req, reply) => {
    if (req.method !== 'POST' || reply.statusCode !== 200 || !(req.raw.url ?? '').startsWith('/_localgraph/reset')) return;
    if ((req.query as Record<string, unknown> | undefined)?.app !== undefined) return;
    const l = services.extensions.get(RATE_LIMITER) as GraphRateLimiter | undefined;
    await l?.counters.reset();
    (services.extensions.get(FAULT_ENGINE) as FaultEngine | undefined)?.clear();
  });

  // ---- rate limits ----
  app.get('/_localgraph/ratelimits', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      sendJson(reply, 200, limiter().settings);
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.post('/_localgraph/ratelimits', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const l = limiter();
      l.settings = mergeSettings(l.settings, jsonBody(req) ?? {});
      sendJson(reply, 200, l.settings);
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.get('/_localgraph/ratelimits/usage', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const l = limiter();
      const q = req.query as Record<string, string | undefined>;
      const out: Record<string, unknown> = { enabled: l.settings.enabled };
      const apps = q.app ? [await services.store.world.getApp(q.app)] : await services.store.world.listApps();
      out.apps = await Promise.all(apps.filter((a) => a !== undefined).map((a) => l.appSnapshot(a)));
      if (q.ad_account) out.ad_account = await l.accountSnapshot(q.ad_account.replace(/^act_/, ''), q.app);
      sendJson(reply, 200, out);
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  /**
   * Fills a budget to a percentage: `{"app": "<id>", "percent": 100}` throttles an app now;
   * `{"ad_account": "act_…", "use_case": "custom_audience", "percent": 100}` an ad account;
   * `{"person": "<fixture key>", "percent": 100}` a user (code 17).
   */
  app.post('/_localgraph/ratelimits/usage', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const l = limiter();
      const b = bodyObject(jsonBody(req));
      const percent = b.percent ?? 100;
      if (typeof percent !== 'number' || percent < 0) throw new AdminInputError('"percent" must be a number >= 0');
      if (typeof b.app === 'string') {
        const a = await services.store.world.getApp(b.app);
        if (!a) throw new AdminInputError(`no app ${b.app}`, 404);
        await l.fill(`app:${a.id}:calls`, l.appBudget(a), percent);
        sendJson(reply, 200, await l.appSnapshot(a));
        return;
      }
      if (typeof b.ad_account === 'string') {
        const useCase = (b.use_case ?? 'custom_audience') as BusinessUseCase;
        if (!USE_CASES.includes(useCase)) throw new AdminInputError(`"use_case" must be one of ${USE_CASES.join(', ')}`);
        const account = b.ad_account.replace(/^act_/, '');
        const appId = typeof b.for_app === 'string' ? b.for_app : undefined;
        await l.fill(`buc:${account}:${useCase}:calls`, await l.bucBudget(account, useCase, l.tier(appId)), percent);
        sendJson(reply, 200, await l.accountSnapshot(account, appId));
        return;
      }
      if (typeof b.person === 'string') {
        const { findPerson } = await import('../auth/token-state.js');
        const p = await findPerson(services.store, b.person);
        if (!p) throw new AdminInputError(`no person ${b.person}`, 404);
        await l.fill(`user:${p.id}:calls`, l.settings.user.calls_per_window, percent);
        sendJson(reply, 200, { person: p.id, percent });
        return;
      }
      throw new AdminInputError('give "app", "ad_account" (with "use_case") or "person"');
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.delete('/_localgraph/ratelimits/usage', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      await limiter().counters.reset();
      sendJson(reply, 200, { success: true });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  // ---- faults ----
  app.post('/_localgraph/faults', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const body = jsonBody(req);
      if (body === undefined) throw new AdminInputError('The body must be a rule or a list of rules');
      const added = faults().add(Array.isArray(body) ? body : [body]);
      sendJson(reply, 200, { data: added });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.get('/_localgraph/faults', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      sendJson(reply, 200, { data: faults().list() });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.get('/_localgraph/faults/:id', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const id = (req.params as { id: string }).id;
      const rule = faults().list().find((r) => r.id === id);
      if (!rule) throw new AdminInputError(`no fault rule ${id}`, 404);
      sendJson(reply, 200, rule);
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.delete('/_localgraph/faults', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      faults().clear();
      sendJson(reply, 200, { success: true });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });

  app.delete('/_localgraph/faults/:id', async (req, reply) => {
    if (!guard(req, reply)) return;
    try {
      const id = (req.params as { id: string }).id;
      if (!faults().remove(id)) throw new AdminInputError(`no fault rule ${id}`, 404);
      sendJson(reply, 200, { success: true });
    } catch (e) {
      sendAdminError(reply, e);
    }
  });
}

let registered = false;
export function installLimitsAndFaultsRoutes(): void {
  if (registered) return;
  registered = true;
  adminRouteRegistrars.push(registerLimitsAndFaultsRoutes);
}
