/**
 * Multi-row writes that take the rows as ONE jsonb parameter, expanded by jsonb_to_recordset,
 * instead of drizzle's values() with a parameter per cell: building and binding 500 rows x 30
 * columns cost ~100 ms of event-loop time per batch on this machine, the JSON form ~1 ms, and
 * the statement runs 3-4x faster on PGlite and Postgres. Column lists come from the drizzle
 * schema, so they follow it; a key missing from a row takes the column default.
 */
import { getTableColumns, sql, SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

export function jsonRowsSource(table: PgTable) {
  const columns = Object.entries(getTableColumns(table)).filter(([, c]) => !(c as { generatedIdentity?: unknown }).generatedIdentity && c.name !== 'id');
  const targetList = sql.join(
    columns.map(([, c]) => sql.identifier(c.name)),
    sql`, `,
  );
  const selectList = sql.join(
    columns.map(([key, c]) => {
      const value = sql`x.${sql.identifier(key)}`;
      if (c.default instanceof SQL) return sql`coalesce(${value}, ${c.default})`;
      if (c.default !== undefined) return sql`coalesce(${value}, ${sql.raw(`'${String(c.default).replace(/'/g, "''")}'`)})`;
      return value;
    }),
    sql`, `,
  );
  const recordType = sql.raw(columns.map(([key, c]) => `"${key}" ${c.getSQLType()}`).join(', '));
  /** `(target columns) select … from jsonb_to_recordset($rows) as x(…)` for an INSERT. */
  return (rows: object[]) => sql`(${targetList}) select ${selectList} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${recordType})`;
}
