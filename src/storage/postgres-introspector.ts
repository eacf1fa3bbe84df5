/**
 * Kysely's PostgreSQL introspector, limited to the schemas on this connection's search_path.
 *
 * The stock one reads every schema of the database and calls name-based functions
 * (`has_schema_privilege(name)`, `pg_get_serial_sequence(name)`) on each table. When another
 * process drops or migrates its own schema at that moment (parallel test runs, several
 * environments in one database), those calls fail with "schema … does not exist" or "column …
 * does not exist", and our migration or reset fails with them. The migrator and `clearAll` only
 * need this store's own tables, so only those are read, and only by oid.
 */
import {
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

interface ColumnRow {
  schema: string;
  table: string;
  kind: string;
  column: string;
  type: string;
  type_schema: string;
  not_null: boolean;
  has_default: boolean;
  auto: boolean;
  comment: string | null;
}

export class ScopedPostgresIntrospector implements DatabaseIntrospector {
  // unknown: the introspector reads catalogs, not the application's tables.
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const r = await sql<{ name: string }>`SELECT nspname AS name FROM pg_catalog.pg_namespace`.execute(this.db);
    return r.rows.map((x) => ({ name: x.name }));
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const r = await sql<ColumnRow>`
      SELECT ns.nspname AS schema, c.relname AS table, c.relkind AS kind, a.attname AS column,
             typ.typname AS type, tns.nspname AS type_schema, a.attnotnull AS not_null, a.atthasdef AS has_default,
             (a.attidentity <> '' OR coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%') AS auto,
             pg_catalog.col_description(c.oid, a.attnum) AS comment
      FROM pg_catalog.pg_namespace ns
      JOIN pg_catalog.pg_class c ON c.relnamespace = ns.oid
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
      JOIN pg_catalog.pg_type typ ON typ.oid = a.atttypid
      JOIN pg_catalog.pg_namespace tns ON tns.oid = typ.typnamespace
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE ns.nspname = ANY (pg_catalog.current_schemas(false))
        AND c.relkind IN ('r', 'v', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY ns.nspname, c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, { name: string; schema: string; isView: boolean; columns: TableMetadata['columns'][number][] }>();
    for (const row of r.rows) {
      if (!options.withInternalKyselyTables && (row.table === DEFAULT_MIGRATION_TABLE || row.table === DEFAULT_MIGRATION_LOCK_TABLE)) continue;
      const key = `${row.schema}.${row.table}`;
      let t = tables.get(key);
      if (!t) {
        t = { name: row.table, schema: row.schema, isView: row.kind === 'v', columns: [] };
        tables.set(key, t);
      }
      t.columns.push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        hasDefaultValue: row.has_default,
        isAutoIncrementing: row.auto,
        comment: row.comment ?? undefined,
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

/** PostgresDialect with the scoped introspector. */
export class ScopedPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new ScopedPostgresIntrospector(db);
  }
}
