/**
 * Keeps the people's match keys in step with the `people` table, and audiences with the people:
 * a person created or changed later joins every audience holding an unmatched row that now
 * identifies them; a deleted person (a test user) leaves every audience, and the rows that
 * matched them wait, unmatched, for someone else. Fixture loads (which emit no events) are caught
 * by a fingerprint of the tables, checked before every batch the matcher takes. Keys built by
 * other normalisation rules (an upgraded data folder) are rebuilt at start-up (upgradeKeys,
 * key-version.ts).
 */
import type { Services } from '../server/services.js';
import type { PersonKeySet } from '../storage/audiences-rows.js';
import { unpackPairs } from './hashing.js';
import { KEY_VERSION_META, keyDerivationVersion, livePeopleIds } from './key-version.js';
import { birthKeysOf, matchRow, rowMatchKeys, type Pair } from './matching.js';
import { matchRows } from './worker.js';
import { personKeys, type PersonIdentity } from './person-keys.js';

const BUILD_CHUNK = 500;
/** A start-up rebuild logs a progress line (info) each time this many more people are done. */
const PROGRESS_EVERY = 20_000;

export interface PeopleSyncOptions {
  /** People read, built and re-matched at a time (a page of ids, and one query per table for them). */
  pageSize?: number;
  /** A rebuild's progress line every this many people. */
  progressEvery?: number;
}

export class PeopleSync {
  private signature = '';
  private forced = true;
  private chain: Promise<void> = Promise.resolve();
  /** People whose keys this process rebuilt for a new key-derivation version (upgradeKeys). */
  keysRebuilt = 0;
  /** upgradeKeys found (or made) the store's keys this code's: a version missing later was cleared since. */
  private keysCurrent = false;
  pageSize: number;
  progressEvery: number;

  constructor(
    private readonly services: Services,
    options: PeopleSyncOptions = {},
  ) {
    this.pageSize = options.pageSize ?? BUILD_CHUNK;
    this.progressEvery = options.progressEvery ?? PROGRESS_EVERY;
  }

  /** The next ensure() does the full comparison (after a fixture load, a reset). */
  invalidate(): void {
    this.forced = true;
  }

  /** One at a time: events, the matcher and the control surface may all ask at once. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Cheap when nothing changed (a fingerprint); runs before every batch the matcher takes. */
  async ensure(): Promise<void> {
    const repo = this.services.store.audiences;
    const sig = await repo.peopleSignature();
    if (!this.forced && sig === this.signature) return;
    this.forced = false;
    await this.serial(async () => {
      const counts = await repo.countPeopleAndKeySets();
      // No keys at all (a new or cleared store, a replacing fixture load clears `meta` too): none
      // can be stale, and every key built from here on is this code's.
      if (counts.keySets === 0) await this.stampKeyVersion();
      if (counts.people !== counts.keySets) {
        const drift = await repo.personKeyDrift();
        for (const id of drift.stale) await this.leave(id);
        for (let i = 0; i < drift.missing.length; i += this.pageSize) await this.build(drift.missing.slice(i, i + this.pageSize), true);
      }
      // Keys but no recorded version, after start-up found the store at this code's version: the
      // record was cleared since (a reset or a replacing fixture load clears `meta` with everything
      // else), so every key there was built after the clear, by this code — e.g. the keys of people
      // given extern ids by the load (personChanged), built before the store was seen empty.
      // Recorded now, or every later start would rebuild them all.
      if (counts.keySets > 0 && this.keysCurrent && (await this.services.store.world.getMeta(KEY_VERSION_META)) === undefined) {
        await this.services.store.world.setMeta(KEY_VERSION_META, keyDerivationVersion());
      }
      // The fingerprint taken before the comparison: anything that changed since (a fixture load
      // committing meanwhile, the keys just built) shows as a change next time and is looked at then.
      this.signature = sig;
    });
  }

  /** Records that the stored keys are this code's, unless the store already says so. */
  private async stampKeyVersion(): Promise<void> {
    const world = this.services.store.world;
    const version = keyDerivationVersion();
    if ((await world.getMeta(KEY_VERSION_META)) !== version) await world.setMeta(KEY_VERSION_META, version);
  }

  /**
   * At start-up, before the matcher runs: when the store's people keys were derived by other rules
   * than this code's (`person_keys_version` in `meta` differs, or is missing on a store that has
   * keys — a data folder from before versions were recorded), every live person's keys are rebuilt,
   * gone people's keys dropped, and the audiences' unmatched rows holding any of the new keys
   * matched again by the one rule (matchRow over everyone's keys: precedence, ties, birth date), so
   * a person now identified by a row joins at once, as a person whose identifiers changed does.
   * Rows already matched stay with their person, as they do when a person's identifiers change.
   *
   * One process does it: on PostgreSQL the others wait on the lock, then find the version current.
   * Returns how many people's keys were rebuilt (0 when nothing was to do).
   *
   * It runs before the server listens, and takes minutes on a store of a million people: a warning
   * says so when it starts (why, and how many people), an info line every `progressEvery` people
   * tells how far each pass is. Two passes over the people a page at a time (keys, then waiting
   * rows), each paging the ids anew: only one page is held, whatever the store's size.
   */
  async upgradeKeys(): Promise<number> {
    const { store } = this.services;
    const version = keyDerivationVersion();
    if ((await store.world.getMeta(KEY_VERSION_META)) === version) {
      this.keysCurrent = true;
      return 0;
    }
    return store.locks.exclusive('person-keys-version', () =>
      this.serial(async () => {
        const stored = await store.world.getMeta(KEY_VERSION_META);
        if (stored === version) {
          this.keysCurrent = true;
          return 0;
        }
        let rebuilt = 0;
        const counts = await store.audiences.countPeopleAndKeySets();
        if (counts.keySets > 0) {
          const why =
            stored === undefined
              ? 'the store has match keys but does not record the rules they were derived by (a data folder from an older localgraph)'
              : `the store's match keys were derived by other normalisation rules (${stored}; this code's are ${version})`;
          this.services.log.warn(
            { people: counts.people, from: stored ?? null, to: version },
            `rebuilding the match keys of ${counts.people} people before the server listens: ${why}; on a large store this takes minutes`,
          );
          for (const id of (await store.audiences.personKeyDrift()).stale) await this.leave(id);
          // First every key, so the re-match below sees everyone's new keys…
          const built = this.progress('people match keys rebuilt', counts.people);
          for await (const ids of livePeopleIds(store, this.pageSize)) {
            await this.build(ids, false);
            rebuilt += ids.length;
            built(rebuilt);
          }
          // …then the rows waiting for someone, paging the people anew (the order does not matter).
          const rematched = this.progress('people whose waiting audience rows were matched again', rebuilt);
          let done = 0;
          for await (const ids of livePeopleIds(store, this.pageSize)) {
            await this.rematchWaiting(ids);
            done += ids.length;
            rematched(done);
          }
        }
        await store.world.setMeta(KEY_VERSION_META, version);
        this.keysCurrent = true;
        this.forced = true;
        this.keysRebuilt += rebuilt;
        if (rebuilt > 0) {
          this.services.log.warn({ people: rebuilt, from: stored ?? null, to: version }, 'people match keys rebuilt: the store held keys of other normalisation rules');
        }
        return rebuilt;
      }),
    );
  }

  /** A progress reporter: an info line each time `done` passes another `progressEvery` people. */
  private progress(what: string, total: number): (done: number) => void {
    let logged = 0;
    return (done) => {
      if (done - logged < this.progressEvery) return;
      logged = done;
      this.services.log.info({ done, total }, `${what}: ${done} of ${total}`);
    };
  }

  /**
   * The unmatched rows holding any key of these people, matched against everyone's keys by the
   * rule the matcher applies (matching.ts); those that now identify someone become theirs.
   */
  private async rematchWaiting(personIds: string[]): Promise<void> {
    const rows = this.services.store.audiences.rows;
    const keys: Buffer[] = [];
    for (const set of await this.services.store.audiences.keySetsOf(personIds)) for (const k of unpackPairs(set)) keys.push(k.hash);
    const waiting = await rows.unmatchedRowsWithKeys(keys);
    if (waiting.length === 0) return;
    const accounts = await this.accountsOf(waiting.map((w) => w.audienceId));
    const candidates = [];
    for (const w of waiting) {
      const account = accounts.get(w.audienceId);
      if (account === undefined) continue;
      const pairs = unpackPairs(w.keys);
      const matchKeys = rowMatchKeys(pairs, account).map((k) => ({ type: k.type, hex: k.hash.toString('hex'), bytes: k.hash }));
      candidates.push({ row: w, prepared: { keys: w.keys, rowHash: w.rowHash, matchKeys, birth: birthKeysOf(pairs) } });
    }
    // The matcher's own lookups and rule (worker.ts matchRows), over everyone's keys.
    const matches = await matchRows(this.services, candidates.map((c) => c.prepared));
    const entries = [];
    for (let i = 0; i < candidates.length; i++) {
      const m = matches[i];
      const c = candidates[i]!;
      if (m) entries.push({ audienceId: c.row.audienceId, rowHash: c.row.rowHash, personId: m.personId, matchType: m.matchType, matchKeys: c.prepared.matchKeys.map((k) => k.bytes) });
    }
    if (entries.length > 0) await rows.assignRows(entries);
  }

  personChanged(personId: string): Promise<void> {
    return this.serial(async () => {
      const person = await this.services.store.world.getPerson(personId);
      if (!person) await this.leave(personId);
      else await this.build([personId], true);
    });
  }

  personDeleted(personId: string): Promise<void> {
    return this.serial(() => this.leave(personId));
  }

  /**
   * What the keys of these people are derived from, for those still live, in the order given: one
   * query each for the people, their app-scoped ids and their extern ids, whatever their number.
   */
  private async identities(personIds: string[]): Promise<PersonIdentity[]> {
    const { people, appUsers, externIds: externRows } = await this.services.store.audiences.identitySources(personIds);
    if (people.length === 0) return [];
    const asids = new Map<string, string[]>();
    for (const u of appUsers) {
      const list = asids.get(u.person_id);
      if (list) list.push(u.asid);
      else asids.set(u.person_id, [u.asid]);
    }
    const externIds = new Map<string, PersonIdentity['externIds']>();
    for (const e of externRows) {
      const id = { adAccountId: e.ad_account_id, externHash: e.extern_hash };
      const list = externIds.get(e.person_id);
      if (list) list.push(id);
      else externIds.set(e.person_id, [id]);
    }
    const byId = new Map(people.map((p) => [p.id, p]));
    const out: PersonIdentity[] = [];
    for (const personId of personIds) {
      const p = byId.get(personId);
      if (!p) continue;
      byId.delete(personId); // an id given twice is built once
      let profile: Record<string, unknown> = {};
      try {
        profile = JSON.parse(p.profile) as Record<string, unknown>;
      } catch {
        // A malformed profile only means fewer keys.
      }
      out.push({ id: p.id, email: p.email, first_name: p.first_name, last_name: p.last_name, profile, asids: asids.get(p.id) ?? [], externIds: externIds.get(p.id) ?? [] });
    }
    return out;
  }

  /** Builds (or rebuilds) key sets and lets each person join the audiences that were waiting for them. */
  private async build(personIds: string[], join: boolean): Promise<void> {
    const sets: PersonKeySet[] = [];
    for (const ident of await this.identities(personIds)) {
      const k = personKeys(ident);
      sets.push({ personId: ident.id, keys: k.keys, attrs: k.attrs });
    }
    const rows = this.services.store.audiences.rows;
    await rows.replacePersonKeys(sets, this.services.clock.nowSeconds());
    if (join) for (const s of sets) await this.join(s);
  }

  private async join(set: PersonKeySet): Promise<void> {
    const rows = this.services.store.audiences.rows;
    const waiting = await rows.unmatchedRowsWithKeys(set.keys.map((k) => k.hash));
    if (waiting.length === 0) return;
    const accounts = await this.accountsOf(waiting.map((w) => w.audienceId));
    const own = new Set(set.keys.map((k) => k.type + ':' + k.hash.toString('hex')));
    const birth = birthKeysOf(set.attrs);
    const entries = [];
    for (const w of waiting) {
      const account = accounts.get(w.audienceId);
      if (account === undefined) continue;
      const pairs = unpackPairs(w.keys);
      const matchKeys = rowMatchKeys(pairs, account);
      const m = matchRow(matchKeys, birthKeysOf(pairs), (k) => (own.has(k.type + ':' + k.hash.toString('hex')) ? [set.personId] : undefined), () => birth);
      if (m) entries.push({ audienceId: w.audienceId, rowHash: w.rowHash, personId: set.personId, matchType: m.matchType, matchKeys: matchKeys.map((k) => k.hash) });
    }
    if (entries.length > 0) await rows.assignRows(entries);
  }

  private async accountsOf(audienceIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of new Set(audienceIds)) {
      const a = await this.services.store.audiences.getAudience(id);
      if (a) out.set(id, a.ad_account_id);
    }
    return out;
  }

  private async leave(personId: string): Promise<void> {
    const rows = this.services.store.audiences.rows;
    const held = await rows.rowsOfPerson(personId);
    if (held.length > 0) {
      const accounts = await this.accountsOf(held.map((h) => h.audienceId));
      await rows.unassignPerson(
        personId,
        held.map((h) => ({
          audienceId: h.audienceId,
          rowHash: h.rowHash,
          matchKeys: rowMatchKeys(unpackPairs(h.keys), accounts.get(h.audienceId) ?? '').map((k: Pair) => k.hash),
        })),
      );
    }
    await rows.deletePersonKeys([personId]);
  }
}
