/**
 * The one ordered migration list, shared by every backend. Each domain that owns tables adds its
 * file here; names sort in the order they must run.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import * as core from './001_core.js';
import * as audiences from './002_audiences.js';
import * as userContent from './003_user_content.js';
import * as auth from './004_auth.js';
import * as simulatedSize from './005_simulated_size.js';
import * as batchFiles from './006_batch_files.js';
import * as audienceRowsRowid from './007_audience_rows_rowid.js';

export interface MigrationModule {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

export const MIGRATIONS: Record<string, MigrationModule> = {
  '001_core': core,
  '002_audiences': audiences,
  '003_user_content': userContent,
  '004_auth': auth,
  '005_simulated_size': simulatedSize,
  '006_batch_files': batchFiles,
  '007_audience_rows_rowid': audienceRowsRowid,
};
