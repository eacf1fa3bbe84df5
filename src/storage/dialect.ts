/** Which SQL engine a store runs on; migrations and bulk paths branch on it, nothing else does. */
export type Dialect = 'sqlite' | 'postgres';

/** The column type for 32-byte hashes on each engine. */
export function binaryType(dialect: Dialect): 'blob' | 'bytea' {
  return dialect === 'sqlite' ? 'blob' : 'bytea';
}
