/**
 * Keeps the people's match keys in step with the `people` table, and audiences with the people:
 * a person created or changed later joins every audience holding an unmatched row that now
 * identifies them; a deleted person (a test user) leaves every audience, and the rows that
 * matched them wait, unmatched, for someone else. Fixture loads (which emit no events) are caught
 * by a fingerprint of the tables, checked before every batch the matcher takes.
 */
import type { Services } from '../server/services.js';
import type { PersonKeySet } from '../storage/audiences-rows.js';
import { unpackPairs } from './hashing.js';
import { birthKeysOf, matchRow, rowMatchKeys, type Pair } from './matching.js';
import { personKeys, type PersonIdentity } from './person-keys.js';

const BUILD_CHUNK = 500;

export class PeopleSync {
  private signature = '';
  private forced = true;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly services: Services) {}

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
      if (counts.people !== counts.keySets) {
        const drift = await repo.personKeyDrift();
        for (const id of drift.stale) await this.leave(id);
        for (let i = 0; i < drift.missing.length; i += BUILD_CHUNK) await this.build(drift.missing.slice(i, i + BUILD_CHUNK), true);
      }
      // The fingerprint taken before the comparison: anything that changed since (a fixture load
      // committing meanwhile, the keys just built) shows as a change next time and is looked at then.
      this.signature = sig;
    });
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

  private async identity(personId: string): Promise<PersonIdentity | undefined> {
    const { world, audiences } = this.services.store;
    const p = await world.getPerson(personId);
    if (!p) return undefined;
    let profile: Record<string, unknown> = {};
    try {
      profile = JSON.parse(p.profile) as Record<string, unknown>;
    } catch {
      // A malformed profile only means fewer keys.
    }
    const asids = (await world.listAppUsersOfPerson(personId)).map((u) => u.asid);
    const externIds = (await audiences.externIdsOf(personId)).map((e) => ({
      adAccountId: e.ad_account_id,
      externHash: Buffer.isBuffer(e.extern_hash) ? e.extern_hash : Buffer.from(e.extern_hash),
    }));
    return { id: p.id, email: p.email, first_name: p.first_name, last_name: p.last_name, profile, asids, externIds };
  }

  /** Builds (or rebuilds) key sets and lets each person join the audiences that were waiting for them. */
  private async build(personIds: string[], join: boolean): Promise<void> {
    const sets: PersonKeySet[] = [];
    for (const id of personIds) {
      const ident = await this.identity(id);
      if (!ident) continue;
      const k = personKeys(ident);
      sets.push({ personId: id, keys: k.keys, attrs: k.attrs });
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
