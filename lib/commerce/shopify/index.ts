export {
  createShopifyClient,
  splitIntoUtcDays,
  visibilityWarnings,
  VISIBLE_ORDER_DAYS,
  type DayFetch,
  type OrderWindow,
  type ShopifyClient,
  type ShopifyClientOptions,
  type UpdatedSinceResult,
  type WindowFetch,
  type WindowFetchResult,
} from '@/lib/commerce/shopify/client';
export { SHOPIFY_API_VERSION, ShopifyRequestError, type ShopifyProgress } from '@/lib/commerce/shopify/graphql';
export {
  isShopifyTestNotification,
  mapWebhookOrder,
  parseThemePublish,
  readShopifyWebhookHeaders,
  verifyShopifyHmac,
  ORDER_TOPICS,
  type OrderTopic,
  type ShopifyWebhookHeaders,
} from '@/lib/commerce/shopify/webhooks';
