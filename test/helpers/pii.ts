import { expect } from 'vitest';
import { sql } from 'drizzle-orm';
import { selectRows, type Db } from '@/db/client';

/**
 * The privacy rule as a test: none of `needles` (raw emails, phones, in the forms a test sent them)
 * appears in any row of any table, compared case-insensitively on each row's JSON text.
 */
export async function expectNoRawPii(db: Db, needles: readonly string[]): Promise<void> {
  const tables = await selectRows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  );
  expect(tables.length).toBeGreaterThan(10);
  const lower = needles.map((n) => n.toLowerCase());
  for (const { table_name } of tables) {
    const rows = await selectRows<{ j: string }>(db, sql`select row_to_json(x)::text as j from ${sql.identifier(table_name)} x`);
    for (const { j } of rows) for (const n of lower) expect(j.toLowerCase(), `${table_name} holds "${n}"`).not.toContain(n);
  }
}
