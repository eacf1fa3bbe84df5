/**
 * Table types for Kysely. One schema serves SQLite and PostgreSQL: timestamps are unix seconds
 * (bigint), booleans are 0/1 integers, JSON is text, hashes are 32-byte blobs/bytea. Those choices
 * keep every repository query dialect-neutral.
 */
import type { Generated } from 'kysely';

export interface BusinessTable {
  id: string;
  name: string;
}

export interface AppTable {
  id: string;
  secret: string;
  name: string;
  namespace: string | null;
  business_id: string | null;
  default_version: string | null;
  require_appsecret_proof: number;
  client_token: string | null;
  test_user_limit: number;
  /** Platform rate limit: calls per rolling hour = 200 × this (the app's daily users). */
  daily_users: number;
  created_time: number;
}

export interface PersonTable {
  /** Internal, never shown to clients: each app sees its own app-scoped id instead. */
  id: string;
  name: string;
  first_name: string | null;
  middle_name: string | null;
  last_name: string | null;
  email: string | null;
  /** Every other profile field of the seeds, as JSON (birthday, gender, location, …). */
  profile: string;
  is_test_user: number;
  /** The app that created this test user; null for people from fixtures. */
  test_user_app_id: string | null;
  test_user_password: string | null;
  is_og_test_user: number;
  checkpointed: number;
  invisible: number;
  deleted: number;
  updated_time: number;
}

export interface AppUserTable {
  app_id: string;
  person_id: string;
  /** The app-scoped user id: unique to the app. */
  asid: string;
  installed: number;
  /** JSON arrays of permission names. */
  granted: string;
  declined: string;
  /** Set when the person removed the app (tokens die with 190/458). */
  removed: number;
}

export interface TokenTable {
  token: string;
  kind: 'user' | 'page' | 'app' | 'system_user';
  app_id: string;
  person_id: string | null;
  page_id: string | null;
  business_id: string | null;
  /** For page and system-user tokens: JSON array of scopes; user tokens read the app_users grant live. */
  scopes: string | null;
  issued_at: number;
  /** Unix seconds; 0 = never. */
  expires_at: number;
  data_access_expires_at: number;
  /** null = valid; else 'password_changed' | 'logged_out' | 'revoked'. */
  invalid_reason: string | null;
}

export interface PageTable {
  id: string;
  name: string;
  category: string | null;
  business_id: string | null;
  profile: string;
}

export interface PageRoleTable {
  page_id: string;
  person_id: string;
  tasks: string;
}

export interface AdAccountTable {
  /** Numeric id, without the `act_` prefix. */
  id: string;
  name: string;
  business_id: string | null;
  currency: string;
  account_status: number;
  profile: string;
}

export interface AdAccountUserTable {
  ad_account_id: string;
  person_id: string;
  role: string;
  tasks: string;
}

/** Every id the server knows, with its node type: one lookup decides which handler serves a path. */
export interface ObjectTable {
  id: string;
  type: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface JournalTable {
  seq: Generated<number>;
  at: number;
  entry: string;
}

export interface Database {
  businesses: BusinessTable;
  apps: AppTable;
  people: PersonTable;
  app_users: AppUserTable;
  tokens: TokenTable;
  pages: PageTable;
  page_roles: PageRoleTable;
  ad_accounts: AdAccountTable;
  ad_account_users: AdAccountUserTable;
  objects: ObjectTable;
  meta: MetaTable;
}
