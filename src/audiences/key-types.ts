/**
 * The schema keys of `/users` payloads and how each column is read: which are SHA-256 hex
 * (checked and stored as 32 bytes), which are raw identifiers localgraph hashes itself (MADID,
 * EXTERN_ID, app/page-scoped ids), and which carry no identity at all (LOOKALIKE_VALUE, the
 * data-processing options) and are validated, then dropped.
 *
 * Each identity key has a one-byte code: stored rows and people's keys are (code, hash) pairs.
 */

/** How a column's cells are validated and turned into 32 bytes. */
export type ColumnKind = 'hash' | 'madid' | 'extern' | 'opaque' | 'uid' | 'value' | 'dpo' | 'dpo_number';

export interface KeySpec {
  name: string;
  code: number;
  kind: ColumnKind;
}

/** Identity keys of the multi-key schema (D-users), then the other PII types the real error lists. */
const SPECS: KeySpec[] = [
  { name: 'EMAIL', code: 1, kind: 'hash' },
  { name: 'PHONE', code: 2, kind: 'hash' },
  { name: 'GEN', code: 3, kind: 'hash' },
  { name: 'DOBY', code: 4, kind: 'hash' },
  { name: 'DOBM', code: 5, kind: 'hash' },
  { name: 'DOBD', code: 6, kind: 'hash' },
  { name: 'LN', code: 7, kind: 'hash' },
  { name: 'FN', code: 8, kind: 'hash' },
  { name: 'FI', code: 9, kind: 'hash' },
  { name: 'CT', code: 10, kind: 'hash' },
  { name: 'ST', code: 11, kind: 'hash' },
  { name: 'ZIP', code: 12, kind: 'hash' },
  { name: 'MADID', code: 13, kind: 'madid' },
  { name: 'COUNTRY', code: 14, kind: 'hash' },
  { name: 'EXTERN_ID', code: 15, kind: 'extern' },
  { name: 'APPUID', code: 16, kind: 'uid' },
  { name: 'PAGEUID', code: 17, kind: 'uid' },
  { name: 'PARTIALPHONE', code: 18, kind: 'hash' },
  { name: 'PHONEID', code: 19, kind: 'hash' },
  { name: 'STREETNAME', code: 20, kind: 'hash' },
  { name: 'STREETNUM', code: 21, kind: 'hash' },
  { name: 'STREETTYPE', code: 22, kind: 'hash' },
  { name: 'STREET2ROW', code: 23, kind: 'hash' },
  { name: 'STREETADDRESS', code: 24, kind: 'hash' },
  { name: 'F5FIRST', code: 25, kind: 'hash' },
  { name: 'F5LAST', code: 26, kind: 'hash' },
  // MD5 columns are not SHA-256: accepted by name, stored as sha256 of the digest text, never matched.
  { name: 'EMAIL_MD5', code: 27, kind: 'opaque' },
  { name: 'PHONE_MD5', code: 28, kind: 'opaque' },
  { name: 'LOOKALIKE_VALUE', code: 0, kind: 'value' },
  { name: 'DATA_PROCESSING_OPTIONS', code: 0, kind: 'dpo' },
  { name: 'DATA_PROCESSING_OPTIONS_COUNTRY', code: 0, kind: 'dpo_number' },
  { name: 'DATA_PROCESSING_OPTIONS_STATE', code: 0, kind: 'dpo_number' },
];

export const KEY_BY_NAME = new Map(SPECS.map((s) => [s.name, s]));
export const KEY_NAME_BY_CODE = new Map(SPECS.filter((s) => s.code > 0).map((s) => [s.code, s.name]));

/**
 * The list the real error names (facebook-java-business-sdk#114, 2017), with the keys added since
 * (LOOKALIKE_VALUE, the data-processing options).
 */
export const RAW_PII_TYPES =
  'EXTERN_ID,EMAIL,PHONE,GEN,DOBY,DOBM,DOBD,LN,FN,FI,CT,ST,ZIP,MADID,COUNTRY,PARTIALPHONE,PHONEID,STREETNAME,STREETNUM,' +
  'STREETTYPE,STREET2ROW,STREETADDRESS,APPUID,PAGEUID,F5FIRST,F5LAST,EMAIL_MD5,PHONE_MD5,LOOKALIKE_VALUE,' +
  'DATA_PROCESSING_OPTIONS,DATA_PROCESSING_OPTIONS_COUNTRY,DATA_PROCESSING_OPTIONS_STATE';

/** Single-string schemas: the documented ones map to one column of the multi-key catalogue. */
export const SINGLE_KEY_SCHEMAS: Record<string, string> = {
  EMAIL_SHA256: 'EMAIL',
  PHONE_SHA256: 'PHONE',
  MOBILE_ADVERTISER_ID: 'MADID',
  UID: 'APPUID',
  EXTERN_ID: 'EXTERN_ID',
  APPUID: 'APPUID',
  PAGEUID: 'PAGEUID',
};

/** Codes of the keys the matcher uses (types of people's keys and of rows' derived match keys). */
export const K = {
  EMAIL: 1,
  PHONE: 2,
  GEN: 3,
  DOBY: 4,
  DOBM: 5,
  DOBD: 6,
  LN: 7,
  FN: 8,
  FI: 9,
  CT: 10,
  ST: 11,
  ZIP: 12,
  MADID: 13,
  COUNTRY: 14,
  EXTERN_ID: 15,
  APPUID: 16,
  PAGEUID: 17,
  // Derived match keys: one hash over several columns (see matching.ts).
  NAME_ZIP: 40,
  NAME_CITY_STATE: 41,
  INITIAL_ZIP: 42,
  INITIAL_CITY_STATE: 43,
  EXTERN_IN_ACCOUNT: 44,
} as const;

export const MATCH_KEY_NAMES: Record<number, string> = {
  [K.EMAIL]: 'EMAIL',
  [K.PHONE]: 'PHONE',
  [K.MADID]: 'MADID',
  [K.APPUID]: 'UID',
  [K.PAGEUID]: 'PAGEUID',
  [K.EXTERN_IN_ACCOUNT]: 'EXTERN_ID',
  [K.NAME_ZIP]: 'FN+LN+ZIP',
  [K.NAME_CITY_STATE]: 'FN+LN+CT+ST',
  [K.INITIAL_ZIP]: 'FI+LN+ZIP',
  [K.INITIAL_CITY_STATE]: 'FI+LN+CT+ST',
};
