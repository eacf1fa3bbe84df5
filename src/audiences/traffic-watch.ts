/**
 * Tells the matcher when Graph requests are on the wire. A request counts from its first byte
 * (Fastify's onRequest, before the body is read) to its last (onResponse): a 2.7 MB upload spends
 * most of its life arriving, and a matcher slice started then would hold the event loop while the
 * request waits. Only writes count (uploads, removals, creations): reads are short, and a client
 * polling an audience's status must not hold off the matching it waits for. The control surface's
 * own routes do not count either.
 */
import type { AdminRouteRegistrar } from '../admin/routes.js';
import { workerOf } from './services.js';

export const registerTrafficWatch: AdminRouteRegistrar = (app, services) => {
  const counts = (method: string, url: string): boolean => method !== 'GET' && method !== 'HEAD' && !url.startsWith('/_localgraph');
  app.addHook('onRequest', async (req) => {
    if (counts(req.method, req.url)) workerOf(services)?.activity(1);
  });
  app.addHook('onResponse', async (req) => {
    if (counts(req.method, req.url)) workerOf(services)?.activity(-1);
  });
};
