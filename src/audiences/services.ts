/**
 * The audiences domain's long-lived parts (the matcher and the people sync), kept in
 * `services.extensions` so handlers and the control surface of one server find that server's own.
 */
import type { Services } from '../server/services.js';
import type { PeopleSync } from './people-sync.js';
import type { MatchWorker } from './worker.js';

export interface AudienceServices {
  worker: MatchWorker;
  people: PeopleSync;
}

const KEY = 'audiences';

/** Every running server's parts, for the fixture sections (whose loader has no services). */
export const liveAudienceServices = new Set<AudienceServices>();

export function setAudienceServices(services: Services, parts: AudienceServices): void {
  services.extensions.set(KEY, parts);
  liveAudienceServices.add(parts);
  services.onClose.push(async () => {
    liveAudienceServices.delete(parts);
  });
}

export function audienceServices(services: Services): AudienceServices | undefined {
  return services.extensions.get(KEY) as AudienceServices | undefined;
}

export function workerOf(services: Services): MatchWorker | undefined {
  return audienceServices(services)?.worker;
}
