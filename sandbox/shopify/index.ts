export {
  startFakeShopify,
  DEFAULT_MODE,
  type FakeShopify,
  type FakeShopifyControls,
  type FakeShopifyMode,
  type FakeShopifyStats,
  type InjectedFailure,
  type StartFakeShopifyOptions,
} from '@/sandbox/shopify/server';
export {
  restPayloadFor,
  testNotificationPayload,
  type FakeOrder,
  type FakeOrderPatch,
  type FakeOrderSeed,
} from '@/sandbox/shopify/orders';
export {
  sendWebhooks,
  signShopifyBody,
  type DeliveryReport,
  type SendWebhooksOptions,
  type WebhookDelivery,
} from '@/sandbox/shopify/webhooks';
export { startFakeWooCommerce, type FakeWooCommerce, type FakeWooOrderSeed } from '@/sandbox/shopify/woocommerce';
