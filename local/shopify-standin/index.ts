/** The Shopify GraphQL stand-in: `startShopifyStandin()` -> {url, stop, setMode, ...}. */
export {
  startShopifyStandin,
  STANDIN_CLIENT_ID,
  STANDIN_CLIENT_SECRET,
  STANDIN_TOKEN,
  type ShopifyStandin,
  type StandinMode,
  type StandinOutcome,
  type StandinSubscription,
} from "./server";
export { bulkLines, countLines, refundDetailsOf, rootCountFor, type DatasetOptions, type RefundDetails } from "./dataset";
