import { describe, expect, it } from 'vitest';
import { parseGenericOrder, parseIsoInstant } from '@/lib/commerce/generic';

const row = (processed_at: unknown) => ({ id: 'D-1', processed_at, value: '10', currency: 'USD' });

describe('order dates: ISO 8601 with a time zone, or a date alone (UTC midnight)', () => {
  it.each([
    ['2026-11-02T14:05:00Z', '2026-11-02T14:05:00.000Z'],
    [' 2026-11-02T14:05:00.123456Z ', '2026-11-02T14:05:00.123Z'],
    ['2026-11-02T15:05:00+01:00', '2026-11-02T14:05:00.000Z'],
    ['2026-11-02T09:05-0500', '2026-11-02T14:05:00.000Z'],
    ['2026-11-02 16:05:00+02', '2026-11-02T14:05:00.000Z'],
    ['2026-11-02t14:05:00z', '2026-11-02T14:05:00.000Z'],
    ['2026-11-02', '2026-11-02T00:00:00.000Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
    ['+002026-11-02T14:05:00Z', '2026-11-02T14:05:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseIsoInstant(text)?.toISOString()).toBe(iso);
    const parsed = parseGenericOrder(row(text), 0);
    expect(parsed.ok && parsed.order.processedAt.toISOString()).toBe(iso);
  });

  it.each([
    ['1', '"1" read as 2001-01-01'],
    ['Nov 4', 'read as 2001-11-04'],
    ['Nov 4 2026', 'no ISO form'],
    ['2026-11-02T14:05:00', 'no zone: would be the server’s local time'],
    ['2026-11-02T14:05', 'no zone'],
    ['2026-02-30', 'no such day (Date rolls it into March)'],
    ['2027-02-29', 'not a leap year'],
    ['2026-13-01', 'no such month'],
    ['2026-11-02T24:00:00Z', 'no such hour'],
    ['2026-11-02T14:05:00+25:00', 'no such offset'],
    ['20261102', 'basic format'],
    ['1730800000', 'digits are not a date'],
    ['', 'empty'],
  ])('%s is refused (%s), with the column and the expected form in the reason', (text) => {
    expect(parseIsoInstant(text)).toBeNull();
    const parsed = parseGenericOrder(row(text), 3);
    expect(parsed).toEqual({
      ok: false,
      error: { index: 3, id: 'D-1', reason: expect.stringMatching(/^processed_at: ".*" is not a date in ISO 8601 with a time zone \(use e\.g\. 2026-11-02T14:05:00Z/) },
    });
  });

  it('refuses numbers and bad optional dates the same way, per row', () => {
    expect(parseGenericOrder(row(1730800000), 0)).toMatchObject({ ok: false, error: { reason: expect.stringMatching(/^processed_at: 1730800000 is not a date/) } });
    expect(parseGenericOrder({ ...row('2026-11-02'), cancelled_at: '2026-11-03 10:00' }, 1)).toMatchObject({
      ok: false,
      error: { reason: expect.stringMatching(/^cancelled_at: "2026-11-03 10:00" is not a date/) },
    });
    expect(parseGenericOrder({ ...row('2026-11-02'), cancelled_at: '', updated_at: null }, 2)).toMatchObject({ ok: true });
  });
});
