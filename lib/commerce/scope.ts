import type { OrderInput } from '@/lib/commerce/types';

/**
 * Whether an order belongs to the in-scope set O (DESIGN.md §4): web orders, not test, not POS,
 * draft or marketplace. Cancelled orders stay in scope; cancelledAt flags them. Pure.
 */
export type OutOfScopeReason = 'test' | 'marketplace' | 'pos' | 'draft';
/** `web`: a known online-checkout channel. `other_channel`: an app id or no channel at all. */
export type InScopeReason = 'web' | 'other_channel';

export type ScopeDecision =
  | { inScope: true; reason: InScopeReason }
  | { inScope: false; reason: OutOfScopeReason };

export interface ScopeHint {
  /** Channel ids (Shopify app source_name, Woo created_via) the store knows to be marketplace connectors. */
  marketplaceChannels?: readonly string[];
}

export type ScopeInput = Pick<OrderInput, 'test' | 'channel' | 'marketplace' | 'email'>;

// Shopify source_name and WooCommerce created_via values, lower-cased.
/** The store's own online checkouts: an order from one is a web order, whatever its email says. */
export const WEB_CHANNEL_IDS = ['web', 'checkout', 'store-api'] as const;
const WEB_CHANNELS = new Set<string>(WEB_CHANNEL_IDS);
const POS_CHANNELS = new Set(['pos', 'pos-rest-api']);
const DRAFT_CHANNELS = new Set(['shopify_draft_order', 'admin']);

// Connector apps give TikTok Shop buyers anonymized addresses such as
// `…@scs.tiktokw.us`, `…@scs3.tiktok.com`, `…@chat-seller-us.tiktok.com`.
const MARKETPLACE_EMAIL_DOMAINS = ['tiktok.com', 'tiktokw.us'];

export function classifyScope(order: ScopeInput, hint: ScopeHint = {}): ScopeDecision {
  if (order.test) return { inScope: false, reason: 'test' };
  const channel = order.channel?.trim().toLowerCase() || null;
  if (order.marketplace || isMarketplaceChannel(channel, hint) || isConnectorPlaceholder(order.email, channel)) {
    return { inScope: false, reason: 'marketplace' };
  }
  if (channel && POS_CHANNELS.has(channel)) return { inScope: false, reason: 'pos' };
  if (channel && DRAFT_CHANNELS.has(channel)) return { inScope: false, reason: 'draft' };
  // Unknown app ids stay in scope: headless storefronts (Hydrogen, custom apps) report their own
  // app id as the channel and run the pixel like any web checkout.
  return { inScope: true, reason: channel && WEB_CHANNELS.has(channel) ? 'web' : 'other_channel' };
}

function isMarketplaceChannel(channel: string | null, hint: ScopeHint): boolean {
  return channel !== null && (hint.marketplaceChannels ?? []).some((c) => c.trim().toLowerCase() === channel);
}

/**
 * A TikTok placeholder address only marks a marketplace order when the channel is not the store's
 * own checkout: a shopper whose real address is at tiktok.com can still buy on the web store.
 */
function isConnectorPlaceholder(email: string | null | undefined, channel: string | null): boolean {
  if (channel && (WEB_CHANNELS.has(channel) || POS_CHANNELS.has(channel))) return false;
  const domain = email?.trim().toLowerCase().split('@')[1];
  if (!domain) return false;
  return MARKETPLACE_EMAIL_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`));
}
