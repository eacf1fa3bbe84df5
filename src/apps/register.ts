/**
 * The apps-and-tokens domain: the Application node and its test users, `/oauth/access_token`,
 * `/debug_token`, the User node's `permissions` and `friends` edges, rate limits (platform hooks
 * and the business-use-case limiter) and fault injection, with their control-surface routes.
 * Registered after users/, whose User type it extends.
 */
import type { Registry } from '../graph/registry.js';
import type { Services } from '../server/services.js';
import { debugTokenRoot } from '../auth/debug-token.js';
import { registerFriendsEdge } from '../auth/friends-edge.js';
import { OAuthCodes } from '../auth/oauth-codes.js';
import { OAUTH_CODES, oauthRoot } from '../auth/oauth.js';
import { registerPermissionsEdge } from '../auth/permissions-edge.js';
import { FAULT_ENGINE, FaultEngine } from '../faults/engine.js';
import { MemoryCounterStore, type CounterStore } from '../ratelimit/counter-store.js';
import { GraphRateLimiter, RATE_LIMITER } from '../ratelimit/graph-limiter.js';
import { defaultSettings } from '../ratelimit/settings.js';
import { installAuthAdminRoutes } from '../admin/auth-routes.js';
import { installLimitsAndFaultsRoutes } from '../admin/limits-faults-routes.js';
import { installSandboxRoutes } from '../admin/sandbox.js';
import { applicationType } from './application-node.js';
import { registerAuthFixtureSections } from './fixture-sections.js';

/**
 * Where a shared counter store (Redis) plugs in: set `services.extensions` under this name before
 * this domain registers, and the limiter uses it instead of process memory.
 */
export const COUNTER_STORE = 'ratelimit.counterStore';

export function registerAppsDomain(registry: Registry, services: Services): void {
  registry.addType(applicationType);
  registry.addRoot('oauth', oauthRoot);
  registry.addRoot('debug_token', debugTokenRoot);
  registerPermissionsEdge(registry);
  registerFriendsEdge(registry);
  registerAuthFixtureSections();
  installSandboxRoutes();
  installAuthAdminRoutes();
  installLimitsAndFaultsRoutes();

  services.extensions.set(OAUTH_CODES, new OAuthCodes());
  const faults = new FaultEngine(services);
  services.extensions.set(FAULT_ENGINE, faults);
  const counters = (services.extensions.get(COUNTER_STORE) as CounterStore | undefined) ?? new MemoryCounterStore();
  const limiter = new GraphRateLimiter(services, counters, defaultSettings(services.config.rateLimits !== false));
  services.extensions.set(RATE_LIMITER, limiter);
  services.limits = limiter;
  // Faults first: an injected failure answers before any budget is charged.
  services.hooks.before.push((ctx) => faults.beforeCall(ctx));
  services.hooks.before.push((ctx) => limiter.beforeCall(ctx));
  services.hooks.after.push((ctx) => limiter.afterCall(ctx));
}
