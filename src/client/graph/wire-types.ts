/**
 * Request and response shapes of the calls the client types, exactly as they
 * travel (snake_case). Sources: spec/graph-api-core.md §4, §6 and
 * spec/custom-audience-users.md §1–§6.
 */
import type { JsonRows } from './request-encoding.js';
import type { SchemaKey } from '../normalize/schema-keys.js';

// ── Paging ──────────────────────────────────────────────────────────────────

export interface Paging {
  readonly cursors?: { readonly before?: string; readonly after?: string };
  /** Absolute URL of the next page; absent on the last page. */
  readonly next?: string;
  readonly previous?: string;
}

export interface Page<T> {
  readonly data: readonly T[];
  readonly paging?: Paging;
  readonly summary?: Readonly<Record<string, unknown>>;
}

// ── User node ───────────────────────────────────────────────────────────────

export interface PageRef {
  readonly id: string;
  readonly name?: string;
}

export interface ProfilePicture {
  readonly data: {
    readonly url: string;
    readonly width?: number;
    readonly height?: number;
    readonly is_silhouette?: boolean;
  };
}

/** Fields of the User node (v20/v21 reference); every field but `id` depends on `fields=` and permissions. */
export interface User {
  readonly id: string;
  readonly name?: string;
  readonly first_name?: string;
  readonly last_name?: string;
  readonly middle_name?: string;
  readonly name_format?: string;
  readonly short_name?: string;
  readonly email?: string;
  /** `MM/DD/YYYY`, `YYYY` or `MM/DD`, depending on what the person shares. */
  readonly birthday?: string;
  readonly age_range?: { readonly min?: number; readonly max?: number };
  readonly gender?: string;
  readonly hometown?: PageRef;
  readonly location?: PageRef;
  readonly link?: string;
  readonly picture?: ProfilePicture;
  readonly token_for_business?: string;
  readonly installed?: boolean;
  readonly is_guest_user?: boolean;
  readonly id_for_avatars?: string;
  readonly languages?: readonly PageRef[];
  readonly favorite_athletes?: readonly PageRef[];
  readonly favorite_teams?: readonly PageRef[];
  readonly inspirational_people?: readonly PageRef[];
  readonly sports?: readonly PageRef[];
  readonly quotes?: string;
  readonly meeting_for?: readonly string[];
  readonly significant_other?: PageRef;
  readonly supports_donate_button_in_live_video?: boolean;
  readonly shared_login_upgrade_required_by?: string;
  readonly video_upload_limits?: { readonly length?: number; readonly size?: number };
}

export type UserField = keyof User;

// ── Custom audiences ────────────────────────────────────────────────────────

export interface CustomAudienceStatus {
  readonly code: number;
  readonly description: string;
}

export type CustomerFileSource = 'USER_PROVIDED_ONLY' | 'PARTNER_PROVIDED_ONLY' | 'BOTH_USER_AND_PARTNER_PROVIDED';

export interface CustomAudience {
  readonly id: string;
  readonly account_id?: string;
  readonly name?: string;
  readonly description?: string;
  readonly subtype?: string;
  readonly customer_file_source?: CustomerFileSource;
  readonly approximate_count_lower_bound?: number;
  readonly approximate_count_upper_bound?: number;
  readonly operation_status?: CustomAudienceStatus;
  readonly delivery_status?: CustomAudienceStatus;
  readonly data_source?: { readonly type?: string; readonly sub_type?: string; readonly creation_params?: string };
  readonly is_value_based?: boolean;
  readonly retention_days?: number;
  readonly time_created?: number;
  readonly time_updated?: number;
  readonly time_content_updated?: number;
  readonly fields_violating_integrity_policy?: readonly string[];
}

export type CustomAudienceField = keyof CustomAudience;

export interface CreateCustomAudienceParams {
  readonly name: string;
  readonly description?: string;
  /** Defaults to CUSTOM (customer-file audience), the only subtype that accepts /users. */
  readonly subtype?: string;
  /** Required for CUSTOM since 2018 ("Missing parameter(s): customer_file_source"). */
  readonly customer_file_source: CustomerFileSource;
  readonly retention_days?: number;
  readonly is_value_based?: boolean;
  readonly audience_labels?: readonly string[];
  readonly opt_out_link?: string;
}

/** The `payload` of /users and /usersreplace: a multi-key schema and one array per person. */
export interface AudienceUsersPayload {
  readonly schema: readonly SchemaKey[] | readonly string[] | string;
  readonly data: readonly (readonly (string | number)[])[] | readonly string[];
  readonly is_raw?: boolean;
  readonly app_ids?: readonly (string | number)[];
  readonly page_ids?: readonly (string | number)[];
  readonly data_source?: { readonly type: string; readonly sub_type?: string };
}

/** The `session` object (spec §4). */
export interface AudienceUploadSession {
  /** Advertiser-chosen positive 64-bit integer, unique in the ad account. */
  readonly session_id: number;
  /** 1-based; on /usersreplace, batch 1 starts the replace. */
  readonly batch_seq: number;
  readonly last_batch_flag: boolean;
  readonly estimated_num_total?: number;
}

export interface AudienceUsersBody {
  readonly payload: AudienceUsersPayload;
  readonly session?: AudienceUploadSession;
}

/** A payload whose rows are already JSON text (the uploader's hashing workers wrote them): sent as they are. */
export interface EncodedAudienceUsersPayload extends Omit<AudienceUsersPayload, 'data'> {
  readonly data: JsonRows;
}

export interface EncodedAudienceUsersBody {
  readonly payload: EncodedAudienceUsersPayload;
  readonly session?: AudienceUploadSession;
}

/** Response of POST/DELETE /{id}/users and POST /{id}/usersreplace (spec §3). */
export interface AudienceUsersResponse {
  readonly audience_id?: string;
  /** usersreplace answers with account_id per the guide (spec §3.1). */
  readonly account_id?: string;
  readonly session_id?: string;
  readonly num_received: number;
  readonly num_invalid_entries: number;
  /** Key = the offending row as compact JSON, value = reason. A JSON array of strings is also possible. */
  readonly invalid_entry_samples?: Readonly<Record<string, string>> | readonly string[];
  /** Present when the request asked for `debug=…`: e.g. localgraph's warning that a batch was discarded. */
  readonly __debug__?: { readonly messages?: readonly GraphDebugMessage[] };
}

export interface GraphDebugMessage {
  readonly type?: string;
  readonly message?: string;
  readonly link?: string;
}

export interface SuccessResponse {
  readonly success: boolean;
}
