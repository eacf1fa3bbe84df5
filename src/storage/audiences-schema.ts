/**
 * Table types of the audiences domain (migrations 002_audiences, 005_simulated_size). Kept beside
 * the core schema so the shared `schema.ts` stays untouched; repositories use
 * `Kysely<Database & AudienceTables>`.
 *
 * Hashes are 32-byte blobs (bytea on PostgreSQL); nothing an advertiser uploaded is stored as text.
 */
import type { Generated } from 'kysely';

export interface CustomAudienceTable {
  id: string;
  /** Numeric ad account id, without `act_`. */
  ad_account_id: string;
  name: string | null;
  description: string | null;
  subtype: string;
  customer_file_source: string | null;
  is_value_based: number;
  retention_days: number;
  /** JSON array (`["WHATSAPP"]`) or null. */
  subscription_info: string | null;
  /** JSON object of the other accepted create parameters (opt_out_link, audience_labels, …). */
  extra: string;
  data_source_type: string;
  data_source_sub_type: string;
  /** An operation_status forced from outside (471 integrity flag); null = derived. */
  status_override: number | null;
  /** JSON array for `fields_violating_integrity_policy`, or null. */
  fields_violating: string | null;
  /** null | 'running' | 'failed' — the /usersreplace state. */
  replace_state: string | null;
  /** The replace generation rows must carry to survive the running replace. */
  generation: number;
  /** Distinct matched people, kept by the matcher as it goes. */
  member_count: number;
  /** The count clients see: copied from member_count when matching finishes; -1 before the first. */
  published_count: number;
  /** Removals that would leave fewer people than this are refused (200/1870047); 0 = never. */
  removal_floor: number;
  /**
   * Emulator-only (migration 005): people the audience counts as holding on top of its matched
   * rows, so the size rules (100 M replace limit, delivery, removal floor) can be reached without
   * uploading them; 0 = none. Generated: the column has a default, so inserts may leave it out.
   */
  simulated_size: Generated<number>;
  /** The replace generation the simulated people belong to: a committed newer replace drops them. */
  simulated_generation: Generated<number>;
  time_created: number;
  time_updated: number;
  time_content_updated: number;
  deleted: number;
}

export interface AudienceSessionTable {
  ad_account_id: string;
  session_id: string;
  audience_id: string;
  /** 'users' (POST/DELETE /users), 'replace', 'any' (usersofanyaudience). */
  kind: string;
  started_at: number;
  last_batch_at: number;
  /** Set when a batch with last_batch_flag arrived; 0 = open. */
  closed_at: number;
  /** JSON array of the batch_seq values already received. */
  batch_seqs: string;
  num_received: number;
  num_invalid: number;
  num_matched: number;
  /** Rows staged and not yet matched: the session is "processing" while above 0. */
  rows_pending: number;
  estimated_num_total: number | null;
  /** The schema of the first batch (replace sessions must keep it). */
  schema_sig: string | null;
  /** Replace sessions: the generation their rows carry. */
  generation: number | null;
  /** Replace sessions: 1 once the commit was queued. */
  committed: number;
}

/**
 * The queue between the request and the matcher. A request appends one row (its valid rows packed
 * as 32-byte hashes) and answers; a worker claims rows in id order (claimed_by / claimed_at, so a
 * PostgreSQL version can claim with FOR UPDATE SKIP LOCKED), processes them, and deletes them.
 */
export interface UploadBatchTable {
  id: Generated<number>;
  audience_id: string | null;
  ad_account_id: string;
  session_id: string | null;
  /** 'add' | 'remove' | 'replace' | 'commit_replace' | 'remove_any' | 'purge' */
  op: string;
  generation: number | null;
  /** JSON array of key-type codes: the columns of `rows`. */
  columns: string;
  row_count: number;
  /** row_count × columns × 32 bytes; an all-zero hash is an empty cell. Empty when `rows_file` holds them. */
  rows: Buffer;
  /** The file holding `rows` instead (file-backed SQLite, storage/batch-files.ts), or null. */
  rows_file: string | null;
  rows_done: number;
  ready_at_ms: number;
  staged_at: number;
  claimed_by: string | null;
  claimed_at: number | null;
}

/** On SQLite a rowid table with `audience_id` stored as an integer (migration 007): read it with CAST. */
export interface AudienceRowTable {
  audience_id: string;
  /** sha256 of `keys`: the row's identity (the same row uploaded twice is stored once). */
  row_hash: Buffer;
  /** (type byte + 32-byte hash) per non-empty identity cell, sorted by type. */
  keys: Buffer;
  person_id: string | null;
  /** The key type that matched (see audiences/key-types.ts). */
  match_type: number | null;
  generation: number;
  added_at: number;
}

/** Match keys of rows that matched nobody yet: a person created later is looked up here. */
export interface RowMatchKeyTable {
  audience_id: string;
  key_hash: Buffer;
  row_hash: Buffer;
}

/** Match keys of unmatched rows not yet in row_match_keys (SQLite's matcher appends here). */
export interface RowMatchLogTable {
  seq: Generated<number>;
  audience_id: string;
  key_hash: Buffer;
  row_hash: Buffer;
}

/** SQLite's form of the log (migration 007): one entry per unmatched row, its match keys packed (32 bytes each). */
export interface RowMatchPendingTable {
  row_id: number;
  keys: Buffer;
}

export interface PersonKeyTable {
  key_hash: Buffer;
  person_id: string;
  key_type: number;
}

export interface PersonKeySetTable {
  person_id: string;
  /** The person's match keys, packed (type byte + 32-byte hash). */
  keys: Buffer;
  /** The person's attribute hashes (birth date parts), packed the same way. */
  attrs: Buffer;
  built_at: number;
}

export interface PersonExternIdTable {
  ad_account_id: string;
  extern_hash: Buffer;
  person_id: string;
}

export type AudienceTables = {
  custom_audiences: CustomAudienceTable;
  audience_sessions: AudienceSessionTable;
  upload_batches: UploadBatchTable;
  audience_rows: AudienceRowTable;
  row_match_keys: RowMatchKeyTable;
  row_match_log: RowMatchLogTable;
  row_match_pending: RowMatchPendingTable;
  person_keys: PersonKeyTable;
  person_key_sets: PersonKeySetTable;
  person_extern_ids: PersonExternIdTable;
};
