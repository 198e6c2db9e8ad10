import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '@/sandbox/simulator/random';
import { fastGenericOrder, genericOrderSchema, parseGenericOrder, GENERIC_ORDER_COLUMNS } from '@/lib/commerce/generic';

const ANY: unknown[] = [undefined, null, '', ' ', '  x  ', 0, 1, -1, true, false, [], {}, 'null'];
const DATES: unknown[] = ['2026-11-05T10:00:00Z', ' 2026-11-05T10:00:00+02:00 ', '2026-11-05', 'not-a-date', '1730800000', 1730800000, 1730800000000, 'Nov 5 2026', '2026-13-45T00:00:00Z', '2026-11-05T10:00:00', '2026-02-30', '1', '+002026-11-05T10:00:00-0130'];
const POOLS: Record<string, unknown[]> = {
  id: ['A-1', ' 42 ', '', '   ', 42, 0, -3, 'x'.repeat(300)],
  processed_at: DATES,
  value: ['19.99', ' 7.5 ', '-0', '0', '-5', '1e5', '12,50', 'free', '100000000000', '100000000000.01', '9'.repeat(400), '00012.50', 12.5, -1, 1e12, Number.NaN, Infinity],
  currency: ['USD', 'usd', ' eur ', 'XYZ', 'XTS', '', 'US', 'gbp '],
  test: ['true', 'FALSE', ' yes ', 'Y', 'n', '0', '1', 'maybe', true, false, 1, 0, 2],
  cancelled_at: DATES,
  updated_at: DATES,
  first_visit_at: DATES,
};

function randomRow(r: () => number): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const col of GENERIC_ORDER_COLUMNS) {
    if (r() < 0.15) continue; // absent key
    const pool = r() < 0.15 ? ANY : (POOLS[col] ?? ['text', ' Padded Text ', 'https://shop.example/?ttclid=E.C.P.x', 'Jane@Example.com']);
    row[col] = pool[Math.floor(r() * pool.length)];
  }
  if (r() < 0.05) row.extra_column = 'ignored';
  return row;
}

describe('the generic-order fast path agrees with genericOrderSchema', () => {
  it('accepts only what the schema accepts, and returns exactly the schema’s output', () => {
    const r = rng(20261122);
    let fastHits = 0;
    for (let i = 0; i < 20_000; i++) {
      // Most rows are made valid in their required fields, so the fast path is exercised often.
      const row = randomRow(r);
      if (r() < 0.6) {
        Object.assign(row, { id: `O-${i}`, processed_at: ' 2026-11-05T10:00:00+02:00', value: '19.99', currency: 'usd' });
        for (const col of ['test', 'cancelled_at', 'updated_at', 'first_visit_at']) if (r() < 0.7) row[col] = col === 'test' ? 'false' : '';
        for (const col of ['name', 'email', 'channel', 'ip']) if (r() < 0.7) row[col] = ' Padded Text ';
      }
      const fast = fastGenericOrder(row);
      const viaSchema = genericOrderSchema.safeParse(row);
      if (typeof fast !== 'symbol') {
        fastHits++;
        expect(viaSchema.success, JSON.stringify(row)).toBe(true);
        expect(fast, JSON.stringify(row)).toStrictEqual(viaSchema.data);
      }
      // And the public function answers as the schema alone would.
      const result = parseGenericOrder(row, i);
      expect(result.ok).toBe(viaSchema.success);
    }
    expect(fastHits).toBeGreaterThan(2_000);
    // 20,000 rows take ~2.5 s alone; the full suite running in parallel can slow that past 5 s.
  }, 30_000);

  it('leaves refused rows to the schema, with its messages', () => {
    expect(parseGenericOrder({ id: 'C-2', processed_at: 'not-a-date', value: '5', currency: 'USD' }, 2)).toEqual({
      ok: false,
      error: { index: 2, id: 'C-2', reason: expect.stringMatching(/processed_at: "not-a-date" is not a date/) },
    });
    expect(parseGenericOrder({ id: 'C-3', processed_at: '2026-11-05T10:00:00Z', value: '-5', currency: 'usd' }, 3)).toMatchObject({
      ok: false,
      error: { reason: 'value: must not be negative' },
    });
  });
});
