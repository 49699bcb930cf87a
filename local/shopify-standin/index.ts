/** The Shopify GraphQL stand-in: `startShopifyStandin()` -> {url, stop, setMode, ...}. */
export { startShopifyStandin, STANDIN_TOKEN, type ShopifyStandin, type StandinMode, type StandinOutcome } from "./server";
export { bulkLines, countLines, rootCountFor, type DatasetOptions } from "./dataset";
