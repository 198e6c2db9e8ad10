import { describe, expect, it } from 'vitest';
import { canonicalEventName, chunkEvents, isPurchaseEvent, toWireBody } from '@/lib/tiktok/events';
import type { EventsApiBody } from '@/lib/tiktok/types';

describe('chunkEvents', () => {
  it('splits into batches of at most 1,000', () => {
    const chunks = chunkEvents(Array.from({ length: 2001 }, (_, i) => i));
    expect(chunks.map((chunk) => chunk.length)).toEqual([1000, 1000, 1]);
    expect(chunks.flat()).toHaveLength(2001);
  });

  it('returns no batch for no events and refuses sizes TikTok would refuse', () => {
    expect(chunkEvents([])).toEqual([]);
    expect(() => chunkEvents([1], 1001)).toThrow(RangeError);
    expect(() => chunkEvents([1], 0)).toThrow(RangeError);
  });
});

describe('toWireBody', () => {
  const body = (eventIds: (string | number)[]): EventsApiBody => ({
    event_source: 'web',
    event_source_id: 'CABC',
    data: eventIds.map((event_id) => ({ event: 'Purchase', event_time: 1, event_id })),
  });

  it('stringifies numeric event ids', () => {
    expect(toWireBody(body([123, 'x'])).data.map((event) => event.event_id)).toEqual(['123', 'x']);
  });

  it('leaves a body that is already right untouched', () => {
    const original = body(['a']);
    expect(toWireBody(original)).toBe(original);
  });
});

describe('event names', () => {
  it('treats legacy names as their replacements', () => {
    expect(canonicalEventName('CompletePayment')).toBe('Purchase');
    expect(canonicalEventName('SubmitForm')).toBe('Lead');
    expect(canonicalEventName('AddToCart')).toBe('AddToCart');
  });

  it('knows both purchase names, case-sensitively', () => {
    expect(['CompletePayment', 'Purchase', 'purchase'].map(isPurchaseEvent)).toEqual([true, true, false]);
  });
});
