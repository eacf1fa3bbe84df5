/**
 * Bulk loading of people and their match keys straight into a SQLite file, for the benchmark
 * (a million people through the fixture loader would take minutes). The keys come from the same
 * function the server uses; here they are only inserted faster: sorted by key, so the key index
 * is appended to instead of split at random (spec/machine-limits.md §5a: random keys into a
 * unique index run at 200–300 k rows/s).
 */
import type SQLite from 'better-sqlite3';
import type { Pair } from './audiences-rows.js';
import { packPairs as pack } from './audiences-rows.js';

export interface SeedPerson {
  id: string;
  name: string;
  first_name: string;
  last_name: string;
  email: string;
  profile: Record<string, unknown>;
}

export interface SeedKeySet {
  personId: string;
  keys: Pair[];
  attrs: Pair[];
}


export function insertPeopleBulk(raw: SQLite.Database, people: SeedPerson[], nowSeconds: number): void {
  const ins = raw.prepare(
    `INSERT INTO people (id, name, first_name, middle_name, last_name, email, profile, is_test_user, test_user_app_id, test_user_password,
       is_og_test_user, checkpointed, invisible, deleted, updated_time) VALUES (?, ?, ?, NULL, ?, ?, ?, 0, NULL, NULL, 0, 0, 0, 0, ?)`,
  );
  raw.transaction(() => {
    for (const p of people) ins.run(p.id, p.name, p.first_name, p.last_name, p.email, JSON.stringify(p.profile), nowSeconds);
  })();
}

/** Writes key sets for people who have none yet; the caller computed them with audiences/person-keys. */
export function insertKeySetsBulk(raw: SQLite.Database, sets: SeedKeySet[], nowSeconds: number): void {
  const entries: Array<{ hash: Buffer; personId: string; type: number }> = [];
  for (const s of sets) for (const k of s.keys) entries.push({ hash: k.hash, personId: s.personId, type: k.type });
  entries.sort((a, b) => Buffer.compare(a.hash, b.hash) || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
  const key = raw.prepare('INSERT OR IGNORE INTO person_keys (key_hash, person_id, key_type) VALUES (?, ?, ?)');
  const set = raw.prepare('INSERT INTO person_key_sets (person_id, keys, attrs, built_at) VALUES (?, ?, ?, ?)');
  const sorted = [...sets].sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
  raw.transaction(() => {
    for (const e of entries) key.run(e.hash, e.personId, e.type);
    for (const s of sorted) set.run(s.personId, pack(s.keys), pack(s.attrs), nowSeconds);
  })();
}
