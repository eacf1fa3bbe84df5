/**
 * The multi-key schema columns the uploader can send, in the order Meta's
 * reference lists them (D-users `payload.schema`). The uploader always emits
 * its schema in this order, whatever the order of the input columns.
 */
export const SCHEMA_ORDER = [
  'EXTERN_ID', 'EMAIL', 'PHONE', 'GEN', 'DOBY', 'DOBM', 'DOBD',
  'LN', 'FN', 'FI', 'CT', 'ST', 'ZIP', 'MADID', 'COUNTRY',
] as const;

export type SchemaKey = (typeof SCHEMA_ORDER)[number];

/**
 * What an input column can be mapped to: a schema key, or `DOB`, a full date
 * that becomes the three columns DOBY, DOBM and DOBD.
 */
export type MappingTarget = SchemaKey | 'DOB';

/**
 * Keys sent as they are. Meta: hash everything "except External Identifiers,
 * App User IDs, Page Scoped User IDs and Mobile Advertiser IDs".
 */
export const UNHASHED_KEYS: ReadonlySet<SchemaKey> = new Set<SchemaKey>(['EXTERN_ID', 'MADID']);

const TARGETS: ReadonlySet<string> = new Set<string>([...SCHEMA_ORDER, 'DOB']);

export function isMappingTarget(value: string): value is MappingTarget {
  return TARGETS.has(value);
}
