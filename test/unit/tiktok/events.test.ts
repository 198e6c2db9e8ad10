import { describe, expect, it } from 'vitest';
import { canonicalEventName, chunkEvents, isPurchaseEvent, toWireBody } from '@/lib/tiktok/events';
import { sha256Hex } from '@/lib/identity';
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
    original.data[0]!.user = { email: sha256Hex('a@example.com'), ip: '203.0.113.7' };
    expect(toWireBody(original)).toBe(original);
  });

  it('sends hashed keys only: raw values are normalized and hashed, unhashable ones dropped', () => {
    const raw = body(['a']);
    raw.data[0]!.user = { email: ' Jane.Doe@Example.com ', phone: '+1 (415) 555-0100', external_id: 'c-1', ip: '203.0.113.7' };
    const wire = toWireBody(raw).data[0]!.user!;
    expect(wire).toEqual({ email: sha256Hex('jane.doe@example.com'), phone: sha256Hex('+14155550100'), external_id: sha256Hex('c-1'), ip: '203.0.113.7' });
    const national = body(['b']);
    national.data[0]!.user = { phone: '(415) 555-0100' };
    expect(toWireBody(national).data[0]!.user?.phone).toBeUndefined();
    expect(raw.data[0]!.user!.email).toBe(' Jane.Doe@Example.com '); // the caller's body is not changed
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
