/**
 * Bulk loading of people into a PostgreSQL store, for the benchmark: the fixture loader writes
 * row by row (one round trip each, ~20 k rows/s over a socket), `unnest` writes 10 k per
 * statement. Match keys go through the row store's own `replacePersonKeys`, which is set-based.
 */
import { sql, type Kysely } from 'kysely';
import type { SeedPerson } from './audiences-seed.js';
import type { Database } from './schema.js';

export async function insertPeopleBulkPostgres(db: Kysely<Database>, people: SeedPerson[], nowSeconds: number): Promise<void> {
  for (let i = 0; i < people.length; i += 10_000) {
    const part = people.slice(i, i + 10_000);
    await sql`INSERT INTO people (id, name, first_name, last_name, email, profile, updated_time)
      SELECT * , ${nowSeconds}::bigint FROM unnest(${part.map((p) => p.id)}::text[], ${part.map((p) => p.name)}::text[],
        ${part.map((p) => p.first_name)}::text[], ${part.map((p) => p.last_name)}::text[], ${part.map((p) => p.email)}::text[],
        ${part.map((p) => JSON.stringify(p.profile))}::text[])`.execute(db);
  }
}
