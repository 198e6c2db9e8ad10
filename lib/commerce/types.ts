/**
 * The one shape every order source (Shopify pull and webhooks, WooCommerce, JSON API, CSV)
 * produces before ingest. Raw email/phone live only in this in-memory value: ingest hashes
 * them and drops the raw text (DESIGN.md §3, §7).
 */
export interface Visit {
  occurredAt?: Date | null;
  /** Full landing URL or a path with its query string (Shopify's landing_site). */
  landingPage?: string | null;
  referrerUrl?: string | null;
  /** The platform's own classification of the visit source (e.g. Shopify `source`, Woo `source_type`). */
  source?: string | null;
  sourceType?: string | null;
  utmSource?: string | null;
}

export interface OrderInput {
  platformId: string;
  name?: string | null;
  processedAt: Date;
  createdAt?: Date | null;
  /** Platform's updated_at; the newest wins when two paths deliver the same order. */
  updatedAt?: Date | null;
  value: number;
  currency: string;
  test: boolean;
  cancelledAt?: Date | null;
  /** Sales channel as the platform names it (Shopify source_name, Woo created_via). */
  channel?: string | null;
  /** Marketplace orders synced in by connector apps (e.g. TikTok Shop) — out of scope. */
  marketplace?: boolean;
  email?: string | null;
  phone?: string | null;
  externalId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  ttclid?: string | null;
  ttp?: string | null;
  /**
   * 'pending' while the platform has not finished the customer journey (Shopify ready=false);
   * 'withheld' when the platform refuses to show it (Shopify's protected customer data).
   */
  visits: { first?: Visit | null; last?: Visit | null } | 'pending' | 'withheld';
  daysToConversion?: number | null;
}

export type OrderSource = 'shopify_pull' | 'shopify_webhook' | 'woocommerce' | 'api' | 'csv' | 'demo';
