import { defineConfig } from 'vitest/config';

/** Where the `postgres` project runs the HTTP suite (LOCALGRAPH_TEST_DATABASE_URL overrides). */
const PG_URL = process.env.LOCALGRAPH_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Server tests bind real sockets and SQLite files; two cores, so two forks.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      // Everything, on the default SQLite store.
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      // The HTTP suite again, each server on PostgreSQL in a schema of its own (test/helpers/server.ts).
      {
        extends: true,
        test: { name: 'postgres', include: ['test/http/**/*.test.ts'], env: { LOCALGRAPH_TEST_DATABASE_URL: PG_URL } },
      },
    ],
  },
});
