import { describe, expect, it } from 'vitest';
import { pixelStatsDataSchema, purchaseStatsFromRows } from '@/lib/tiktok/stats';

const rows = (list: unknown[]) => pixelStatsDataSchema.parse({ list: [{ pixel_id: '1', statistics: list }] }).list[0].statistics;

describe('purchaseStatsFromRows', () => {
  it('reads the SHOPPING row and ignores other events', () => {
    const stats = purchaseStatsFromRows(
      '1',
      rows([
        { custom_event_type: 'LtvMilestone', total_count: 31, server_event_total_count: 31 },
        {
          pixel_event_type: 'SHOPPING',
          total_count: 640,
          browser_event_total_count: 480,
          server_event_total_count: 160,
          attributed_count: 212,
        },
      ]),
    );
    expect(stats).toEqual({ pixelId: '1', total: 640, browser: 480, server: 160, attributed: 212, eventType: 'SHOPPING' });
  });

  it('uses max(total_count, browser + server)', () => {
    const missing = purchaseStatsFromRows('1', rows([{ pixel_event_type: 'SHOPPING', browser_event_total_count: 5, server_event_total_count: 2 }]));
    expect(missing.total).toBe(7);
    const larger = purchaseStatsFromRows('1', rows([{ pixel_event_type: 'SHOPPING', total_count: 9, browser_event_total_count: 5 }]));
    expect(larger.total).toBe(9);
  });

  it('accepts CompletePayment / Purchase under any of the type fields, summing them', () => {
    const stats = purchaseStatsFromRows(
      '1',
      rows([
        { event_type: 'CompletePayment', browser_event_total_count: '3', server_event_total_count: 1 },
        { custom_event_type: 'Purchase', browser_event_total_count: 2, attributed_count: null },
        { event_type: 'AddToCart', browser_event_total_count: 50 },
      ]),
    );
    expect(stats).toEqual({ pixelId: '1', total: 6, browser: 5, server: 1, attributed: 0, eventType: 'CompletePayment+Purchase' });
  });

  it('takes the max per row before summing, when one name fills only total_count and the other only the legs', () => {
    const stats = purchaseStatsFromRows(
      '1',
      rows([
        { event_type: 'CompletePayment', total_count: 10 },
        { event_type: 'Purchase', browser_event_total_count: 3, server_event_total_count: 2 },
      ]),
    );
    expect(stats).toMatchObject({ total: 15, browser: 3, server: 2 });
  });

  it('answers zeros when there is no purchase row', () => {
    expect(purchaseStatsFromRows('1', rows([{ event_type: 'ViewContent', total_count: 4 }]))).toEqual({
      pixelId: '1',
      total: 0,
      browser: 0,
      server: 0,
      attributed: 0,
      eventType: null,
    });
  });
});

describe('pixelStatsDataSchema', () => {
  it('tolerates a missing list, null statistics and numeric pixel ids', () => {
    expect(pixelStatsDataSchema.parse({}).list).toEqual([]);
    expect(pixelStatsDataSchema.parse({ list: [{ pixel_id: 42, statistics: null }] }).list).toEqual([{ pixel_id: '42', statistics: [] }]);
  });
});
