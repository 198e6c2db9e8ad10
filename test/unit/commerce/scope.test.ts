import { describe, expect, it } from 'vitest';
import { classifyScope, type ScopeInput } from '@/lib/commerce/scope';

const order = (over: Partial<ScopeInput> = {}): ScopeInput => ({ test: false, channel: 'web', ...over });

describe('classifyScope', () => {
  it('keeps web checkout orders of both platforms', () => {
    expect(classifyScope(order())).toEqual({ inScope: true, reason: 'web' });
    expect(classifyScope(order({ channel: 'checkout' }))).toEqual({ inScope: true, reason: 'web' });
    expect(classifyScope(order({ channel: 'store-api' }))).toEqual({ inScope: true, reason: 'web' });
    expect(classifyScope(order({ channel: ' WEB ' }))).toEqual({ inScope: true, reason: 'web' });
  });

  it('excludes test orders before anything else', () => {
    expect(classifyScope(order({ test: true, channel: 'pos' }))).toEqual({ inScope: false, reason: 'test' });
  });

  it('excludes POS and draft/manual orders', () => {
    expect(classifyScope(order({ channel: 'pos' }))).toEqual({ inScope: false, reason: 'pos' });
    expect(classifyScope(order({ channel: 'shopify_draft_order' }))).toEqual({ inScope: false, reason: 'draft' });
    expect(classifyScope(order({ channel: 'admin' }))).toEqual({ inScope: false, reason: 'draft' });
  });

  it('excludes marketplace orders by flag, by hinted channel, or by connector placeholder email', () => {
    expect(classifyScope(order({ marketplace: true }))).toEqual({ inScope: false, reason: 'marketplace' });
    expect(classifyScope(order({ channel: '5953945' }), { marketplaceChannels: ['5953945'] })).toEqual({
      inScope: false,
      reason: 'marketplace',
    });
    for (const email of ['v4bdjx@scs.tiktokw.us', 'abc@scs3.tiktok.com', 'id@chat-seller-us.tiktok.com', 'buyerid@tiktok.com']) {
      expect(classifyScope(order({ channel: '1234567', email }))).toEqual({ inScope: false, reason: 'marketplace' });
    }
  });

  it('keeps a web order from a shopper whose own address is at tiktok.com', () => {
    expect(classifyScope(order({ email: 'someone@tiktok.com' }))).toEqual({ inScope: true, reason: 'web' });
  });

  it('keeps unknown app channels and orders without a channel in scope', () => {
    expect(classifyScope(order({ channel: '2329312' }))).toEqual({ inScope: true, reason: 'other_channel' });
    expect(classifyScope(order({ channel: null }))).toEqual({ inScope: true, reason: 'other_channel' });
    expect(classifyScope({ test: false })).toEqual({ inScope: true, reason: 'other_channel' });
  });

  it('does not look at cancellation: cancelled orders stay in scope', () => {
    const cancelled = { ...order(), cancelledAt: new Date('2025-01-02T00:00:00Z') };
    expect(classifyScope(cancelled).inScope).toBe(true);
  });
});
