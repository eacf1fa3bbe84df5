/**
 * Everything a handler may need, built once at start-up and passed in the GraphContext.
 */
import type { GraphHooks } from '../graph/hooks.js';
import type { Registry } from '../graph/registry.js';
import type { VersionTable } from '../graph/versions.js';
import type { Journal } from '../journal/journal.js';
import type { Store } from '../storage/store.js';
import type { Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import type { Logger } from './logger.js';
import type { RateLimiter } from '../ratelimit/limiter.js';
import type { EventBus } from './events.js';

export interface Services {
  config: ServerConfig;
  store: Store;
  clock: Clock;
  versions: VersionTable;
  registry: Registry;
  hooks: GraphHooks;
  journal: Journal;
  log: Logger;
  /** Business-use-case limits, charged by handlers that know the ad account. */
  limits: RateLimiter;
  events: EventBus;
  /** Domain services register here by name (e.g. the matching worker) for the control surface. */
  extensions: Map<string, unknown>;
  /** Tasks to run when the server closes (background workers). */
  onClose: Array<() => Promise<void>>;
}
