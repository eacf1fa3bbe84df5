/**
 * Tells the matcher when Graph requests are on the wire. A request counts from its first byte
 * (Fastify's onRequest, before the body is read) to its last (onResponse): a 2.7 MB upload spends
 * most of its life arriving, and a matcher slice started then would hold the event loop while the
 * request waits. The control surface's own routes do not count.
 */
import type { AdminRouteRegistrar } from '../admin/routes.js';
import { workerOf } from './services.js';

export const registerTrafficWatch: AdminRouteRegistrar = (app, services) => {
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/_localgraph')) workerOf(services)?.activity(1);
  });
  app.addHook('onResponse', async (req) => {
    if (!req.url.startsWith('/_localgraph')) workerOf(services)?.activity(-1);
  });
};
