export {
  createWooCommerceClient,
  WooCommerceRequestError,
  type WooCommerceClient,
  type WooCommerceClientOptions,
  type WooFetchResult,
  type WooModifiedSinceResult,
  type WooProgress,
} from '@/lib/commerce/woocommerce/client';
export { mapWooOrder, type WooOrderMapping } from '@/lib/commerce/woocommerce/mapping';
