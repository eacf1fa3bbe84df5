/**
 * Where each domain plugs in: one call per domain registers its node types, root handlers,
 * pipeline hooks, fixture sections and admin routes. A newcomer follows a request from here to
 * the folder that serves it.
 */
import type { Registry } from '../graph/registry.js';
import type { Services } from './services.js';
import { registerUserCore } from '../users/user-node.js';
import { registerAppsDomain } from '../apps/register.js';
import { registerAudiences } from '../audiences/register.js';
import { registerScaling } from '../scaling/register.js';

export type DomainRegistrar = (registry: Registry, services: Services) => void | Promise<void>;

export const DOMAINS: DomainRegistrar[] = [
  // Shared state for several processes (Redis counters); before apps/, which builds the limiter.
  registerScaling,
  (r) => registerUserCore(r),
  // Apps, tokens, rate limits, faults; extends the User type (permissions, friends), so after users/.
  registerAppsDomain,
  // Ad accounts, custom audiences, /users uploads and the matcher.
  registerAudiences,
];
