/**
 * The start-up key rebuild pages through people by the primary key (src/audiences/key-version.ts
 * livePeoplePage): on PostgreSQL each page must be an index scan, not a scan and sort of the whole
 * table (with `ORDER BY id COLLATE "C"` it was: 219–353 ms a page on a million people). Always on
 * PostgreSQL, once; the paging itself is tested on both stores in test/http/audiences/key-rebuild-paging.test.ts.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livePeoplePage } from '../../src/audiences/key-version.js';
import { freshSchemaName, startTestServer, type TestServer } from '../helpers/server.js';

const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ databaseUrl: PG_URL, pgSchema: freshSchemaName('lgkrp') });
});
afterAll(async () => {
  await s.close();
});

describe('the key rebuild\'s page query on PostgreSQL', () => {
  // The page query walks the primary key: no scan and sort of the whole table per page (with
  // `ORDER BY id COLLATE "C"` it could not, whatever the database's collation). Sequential scans
  // and sorts are priced out (the test table is tiny), so a plan that can use the index does; one
  // that cannot still sorts.
  it('on PostgreSQL each page is read by the primary-key index, without a sort', async () => {
    const plans = await s.store.db.transaction().execute(async (trx) => {
      for (const off of ['enable_seqscan', 'enable_bitmapscan', 'enable_sort']) await sql`SELECT set_config(${off}, 'off', true)`.execute(trx);
      const out: string[] = [];
      for (const after of [undefined, '0']) {
        const q = livePeoplePage(s.store, 500, after).compile();
        const r = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${sql.raw(q.sql.replace(/\$(\d+)/g, (_, i: string) => `'${String(q.parameters[Number(i) - 1])}'`))}`.execute(trx);
        out.push(r.rows.map((row) => row['QUERY PLAN']).join('\n'));
      }
      return out;
    });
    for (const plan of plans) {
      expect(plan).toMatch(/Index (Only )?Scan using people_pkey/);
      expect(plan).not.toMatch(/Sort/);
    }
  });

});
