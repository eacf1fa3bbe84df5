/**
 * The audiences domain plugs in here: the AdAccount and CustomAudience node types, the fixture
 * sections, the control-surface routes, the matcher (started now, stopped when the server
 * closes) and the listeners that keep audiences in step with people; people's match keys built by
 * other normalisation rules are rebuilt first (PeopleSync.upgradeKeys).
 */
import { adminRouteRegistrars } from '../admin/routes.js';
import { ACTIVE_CUSTOM_AUDIENCES, type ActiveCounter } from '../ratelimit/limiter.js';
import type { NodeType, Registry } from '../graph/registry.js';
import type { Services } from '../server/services.js';
import { adAccountType } from '../adaccounts/adaccount-node.js';
import { registerAudienceAdminRoutes } from './admin-routes.js';
import { audienceType } from './audience-node.js';
import { registerAudienceFixtureSections } from './fixture-section.js';
import { PeopleSync } from './people-sync.js';
import { setAudienceServices } from './services.js';
import { registerTrafficWatch } from './traffic-watch.js';
import { MatchWorker } from './worker.js';

let adminRoutesAdded = false;

export async function registerAudiences(registry: Registry, services: Services): Promise<void> {
  registry.addType(adAccountType as NodeType<unknown>);
  registry.addType(audienceType as NodeType<unknown>);
  registerAudienceFixtureSections();
  if (!adminRoutesAdded) {
    adminRoutesAdded = true;
    adminRouteRegistrars.push(registerAudienceAdminRoutes, registerTrafficWatch);
  }
  const people = new PeopleSync(services);
  const worker = new MatchWorker(services, people);
  setAudienceServices(services, { worker, people });
  // The custom_audience budget grows with the account's audiences ("+ 40 * Number of Active custom audiences").
  const activeAudiences: ActiveCounter = async (adAccountId) => (await services.store.audiences.listAudiences(adAccountId.replace(/^act_/, ''))).length;
  services.extensions.set(ACTIVE_CUSTOM_AUDIENCES, activeAudiences);
  services.events.on('person.changed', async (e) => {
    await people.personChanged(e.personId);
    worker.notify();
  });
  services.events.on('person.deleted', (e) => people.personDeleted(e.personId));
  services.onClose.push(() => worker.stop());
  // Keys derived by other normalisation rules (a data folder from an older version) are rebuilt
  // before the matcher looks anything up with them.
  await people.upgradeKeys();
  worker.start();
}
