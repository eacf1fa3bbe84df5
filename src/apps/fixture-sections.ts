/**
 * Fixture sections owned by apps/auth: `app_roles` (who administers or develops an app — their
 * user tokens may call debug_token for it) and `friendships` (between people, by fixture key).
 */
import { registerFixtureSection } from '../fixtures/sections.js';

interface RoleEntry {
  app: string;
  person: string;
  role?: string;
}

interface FriendshipEntry {
  from: string;
  to: string;
  /** false: a request not yet confirmed. */
  confirmed?: boolean;
}

export const APP_ROLES = ['administrators', 'developers', 'testers', 'analytics users'] as const;

export function registerAuthFixtureSections(): void {
  registerFixtureSection({
    name: 'app_roles',
    schema: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['app', 'person'],
        properties: { app: { type: 'string', pattern: '^[0-9]{1,20}$' }, person: { type: 'string' }, role: { enum: [...APP_ROLES] } },
      },
    },
    async load(value, ctx) {
      for (const [i, r] of (value as RoleEntry[]).entries()) {
        const path = `$.app_roles[${i}]`;
        if (!(await ctx.store.world.getApp(r.app))) ctx.fail(`${path}.app`, `no app with id ${r.app}`);
        const pid = ctx.personIds.get(r.person) ?? ctx.fail(`${path}.person`, `no person with key ${r.person}`);
        await ctx.store.auth.setAppRole(r.app, pid, r.role ?? 'developers');
      }
    },
    async export(store, personKeys) {
      return (await store.auth.listAppRoles()).map((r) => ({ app: r.app_id, person: personKeys.get(r.person_id) ?? r.person_id, role: r.role }));
    },
  });
  registerFixtureSection({
    name: 'friendships',
    schema: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: { from: { type: 'string' }, to: { type: 'string' }, confirmed: { type: 'boolean' } },
      },
    },
    async load(value, ctx) {
      const now = ctx.clock.nowSeconds();
      for (const [i, f] of (value as FriendshipEntry[]).entries()) {
        const path = `$.friendships[${i}]`;
        const from = ctx.personIds.get(f.from) ?? ctx.fail(`${path}.from`, `no person with key ${f.from}`);
        const to = ctx.personIds.get(f.to) ?? ctx.fail(`${path}.to`, `no person with key ${f.to}`);
        if (from === to) ctx.fail(`${path}.to`, 'a person cannot befriend themselves');
        try {
          await ctx.store.auth.insertFriendship({ requester_id: from, addressee_id: to, confirmed: f.confirmed === false ? 0 : 1, created_time: now });
        } catch {
          ctx.fail(path, `${f.from} and ${f.to} already have a friendship`);
        }
      }
    },
    async export(store, personKeys) {
      return (await store.auth.listFriendships()).map((f) => ({
        from: personKeys.get(f.requester_id) ?? f.requester_id,
        to: personKeys.get(f.addressee_id) ?? f.addressee_id,
        confirmed: f.confirmed === 1,
      }));
    },
  });
}
