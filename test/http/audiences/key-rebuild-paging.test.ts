/**
 * The start-up key rebuild (PeopleSync.upgradeKeys) reads the people a page at a time, by keyset
 * paging on the primary key (livePeopleIds), in two passes: every live person is visited exactly
 * once per pass, however many pages that takes, and the rebuilt keys and the re-match are those of
 * the one-page rebuild. It says at the start why it runs and for how many people, and logs its
 * progress. Here with pages of 2 or 3 people, on SQLite and (the `postgres` project) PostgreSQL.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackPairs } from '../../../src/audiences/hashing.js';
import { KEY_VERSION_META, keyDerivationVersion, livePeopleIds, livePeoplePage } from '../../../src/audiences/key-version.js';
import { personKeys, type PersonIdentity } from '../../../src/audiences/person-keys.js';
import type { PeopleSync } from '../../../src/audiences/people-sync.js';
import { audienceServices } from '../../../src/audiences/services.js';
import type { AudienceTables } from '../../../src/storage/audiences-schema.js';
import type { Database } from '../../../src/storage/schema.js';
import { startTestServer, TEST_PG_URL, type TestServer } from '../../helpers/server.js';
import { count, createAudience, sha, users } from './audience-helpers.js';

const dialect = TEST_PG_URL ? 'postgres' : 'sqlite';

const PEOPLE = [
  { key: 'zoe_pg', name: 'Zoe Zipless', first_name: 'Zoe', last_name: 'Zipless', profile: { zip: '2134', country: 'US' } },
  { key: 'bruno_pg', name: 'Bruno Brasil', first_name: 'Bruno', last_name: 'Brasil', profile: { phone: '55 98765-4321', country: 'BR' } },
  ...Array.from({ length: 6 }, (_, i) => ({ key: `extra_${i}`, name: `Extra ${i}`, email: `extra${i}@example.com` })),
  { key: 'gone_pg', name: 'Gone Person', email: 'gone@example.com' },
];

/** Zoe's and Bruno's keys as older rules stored them (as in key-version.test.ts). */
const OLD_IDENTITIES: Array<Omit<PersonIdentity, 'id'> & { key: string }> = [
  { key: 'zoe_pg', email: null, first_name: 'Zoe', last_name: 'Zipless', profile: { zip: '2134' }, asids: [], externIds: [] },
  { key: 'bruno_pg', email: null, first_name: 'Bruno', last_name: 'Brasil', profile: { phone: '5598765-4321' }, asids: [], externIds: [] },
];

/** Rows hashed by the new rules: Zoe by FN+LN+ZIP, Bruno by PHONE. */
const ROWS = { schema: ['FN', 'LN', 'ZIP', 'PHONE'], data: [[sha('zoe'), sha('zipless'), sha('02134'), ''], ['', '', '', sha('5555987654321')]] };

let s: TestServer;
let people: PeopleSync;

/** The person's keys as the one-at-a-time reads give them (what build() derived before pages). */
async function expectedKeys(personId: string): Promise<string[]> {
  const p = (await s.store.world.getPerson(personId))!;
  const ident: PersonIdentity = {
    id: p.id,
    email: p.email,
    first_name: p.first_name,
    last_name: p.last_name,
    profile: JSON.parse(p.profile) as Record<string, unknown>,
    asids: (await s.store.world.listAppUsersOfPerson(personId)).map((u) => u.asid),
    externIds: (await s.store.audiences.externIdsOf(personId)).map((e) => ({ adAccountId: e.ad_account_id, externHash: Buffer.from(e.extern_hash) })),
  };
  const k = personKeys(ident);
  return [...k.keys, ...k.attrs].map((p) => `${p.type}:${p.hash.toString('hex')}`).sort();
}

/** The person's stored key set: match keys and attributes. */
async function storedKeys(personId: string): Promise<string[]> {
  const db = s.store.db as unknown as Kysely<Database & AudienceTables>;
  const row = await db.selectFrom('person_key_sets').selectAll().where('person_id', '=', personId).executeTakeFirstOrThrow();
  const pairs = [...unpackPairs(Buffer.from(row.keys)), ...unpackPairs(Buffer.from(row.attrs))];
  return pairs.map((p) => `${p.type}:${p.hash.toString('hex')}`).sort();
}

beforeAll(async () => {
  s = await startTestServer({ rateLimits: false });
  people = audienceServices(s.services)!.people;
  const load = await s.admin('/_localgraph/fixture?merge=1', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ people: PEOPLE, audience_extern_ids: [{ person: 'extra_0', ad_account: 'act_1029384756', extern_id: 'crm-42' }] }),
  });
  expect(load.status).toBe(200);
  await people.ensure();
  // A deleted person (a test user gone) is not live: never paged, never rebuilt.
  const gone = (await s.store.world.listPeople()).find((p) => p.name === 'Gone Person')!;
  await s.store.db.updateTable('people').set({ deleted: 1 }).where('id', '=', gone.id).execute();
});
afterAll(async () => {
  await s?.close();
});

describe(`the start-up key rebuild pages through the people (${dialect})`, () => {
  it('livePeopleIds visits every live person exactly once, a page of at most `size` at a time', async () => {
    const live = (await s.store.world.listPeople()).map((p) => p.id).sort();
    expect(live.length).toBeGreaterThanOrEqual(PEOPLE.length - 1 + 3); // ours less the deleted one, and the demo's
    for (const size of [1, 2, 3, live.length, live.length + 5]) {
      const pages: string[][] = [];
      for await (const page of livePeopleIds(s.store, size)) pages.push(page);
      const seen = pages.flat();
      expect(seen.slice().sort()).toEqual(live);
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages.every((p) => p.length >= 1 && p.length <= size)).toBe(true);
      expect(pages.length).toBe(Math.ceil(live.length / size));
    }
  });

  it('upgradeKeys rebuilds and re-matches page by page: each live person once per pass, progress logged', async () => {
    const zoe = (await s.store.world.listPeople()).find((p) => p.name === 'Zoe Zipless')!.id;
    const bruno = (await s.store.world.listPeople()).find((p) => p.name === 'Bruno Brasil')!.id;
    const byKey = new Map([['zoe_pg', zoe], ['bruno_pg', bruno]]);
    // Keys of older rules, and their version.
    const sets = OLD_IDENTITIES.map(({ key, ...p }) => ({ personId: byKey.get(key)!, ...personKeys({ id: byKey.get(key)!, ...p }) }));
    await s.store.audiences.rows.replacePersonKeys(sets, s.services.clock.nowSeconds());
    await s.store.world.setMeta(KEY_VERSION_META, '1');
    const audienceId = await createAudience(s);
    expect((await users(s, audienceId, { payload: ROWS })).status).toBe(200);
    expect(await count(s, audienceId)).toBe(0);

    const live = (await s.store.world.listPeople()).map((p) => p.id).sort();
    // Pages of 2 (and not a divisor of the count, so the last page is short), a line every 3 people.
    people.pageSize = 2;
    people.progressEvery = 3;
    const built: string[] = [];
    const rematched: string[] = [];
    const lines: Array<{ level: string; obj: any; msg: string }> = []; // any: pino's merge object
    const spy = people as any; // any: wraps private steps to see which people each pass visits
    const { build, rematchWaiting } = { build: spy.build, rematchWaiting: spy.rematchWaiting };
    const log = s.services.log as any; // any: captures pino calls
    const { info, warn } = { info: log.info, warn: log.warn };
    spy.build = function (ids: string[], join: boolean) {
      built.push(...ids);
      return build.call(this, ids, join);
    };
    spy.rematchWaiting = function (ids: string[]) {
      rematched.push(...ids);
      return rematchWaiting.call(this, ids);
    };
    log.info = (obj: unknown, msg: string) => lines.push({ level: 'info', obj, msg });
    log.warn = (obj: unknown, msg: string) => lines.push({ level: 'warn', obj, msg });
    let n: number;
    try {
      n = await people.upgradeKeys();
    } finally {
      spy.build = build;
      spy.rematchWaiting = rematchWaiting;
      log.info = info;
      log.warn = warn;
    }
    expect(n).toBe(live.length);
    expect(built.slice().sort()).toEqual(live);
    expect(rematched.slice().sort()).toEqual(live);
    expect(await s.store.world.getMeta(KEY_VERSION_META)).toBe(keyDerivationVersion());

    // Why and how many, at the start; then progress of each pass; then the summary.
    expect(lines[0]).toMatchObject({ level: 'warn', obj: { people: live.length, from: '1', to: keyDerivationVersion() } });
    expect(lines[0].msg).toMatch(new RegExp(`^rebuilding the match keys of ${live.length} people before the server listens: the store's match keys were derived by other normalisation rules \\(1; `));
    const progress = lines.filter((l) => l.level === 'info').map((l) => l.obj as { done: number; total: number });
    const keysPass = lines.filter((l) => l.level === 'info' && l.msg.startsWith('people match keys rebuilt: ')).map((l) => l.obj.done);
    const rematchPass = lines.filter((l) => l.level === 'info' && l.msg.startsWith('people whose waiting audience rows were matched again: ')).map((l) => l.obj.done);
    expect(progress.every((p) => p.total === live.length)).toBe(true);
    // A line whenever 3 more people are done since the last one; pages of 2 end at 2, 4, 6, …
    const ends: number[] = [];
    for (let d = 2; ; d += 2) {
      ends.push(Math.min(d, live.length));
      if (d >= live.length) break;
    }
    let last = 0;
    const expected = ends.filter((d) => (d - last >= 3 ? ((last = d), true) : false));
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(keysPass).toEqual(expected);
    expect(rematchPass).toEqual(expected);
    expect(lines.at(-1)).toMatchObject({ level: 'warn', msg: 'people match keys rebuilt: the store held keys of other normalisation rules', obj: { people: live.length } });

    // The keys of every live person are the ones the running rules derive (app-scoped ids and
    // extern ids included), read a page at a time.
    for (const id of live) expect(await storedKeys(id)).toEqual(await expectedKeys(id));
    const alice = (await s.store.world.listPeople()).find((p) => p.email === 'alice@example.com')!.id;
    expect((await s.store.world.listAppUsersOfPerson(alice)).length).toBe(2);
    const aliceSet = await s.store.audiences.rows.lookupPersonKeys([Buffer.from(sha('102938475610293'), 'hex'), Buffer.from(sha('109876543210987'), 'hex')]);
    expect(aliceSet.filter((h) => h.personId === alice)).toHaveLength(2);
    // The rows waiting for Zoe and Bruno matched in the re-match pass.
    expect(await count(s, audienceId)).toBe(2);
  });
});
