/**
 * The Lambda layer of the backfill functions: the live kernel services (AWS SDK v3; locally the
 * same code against the emulators) plus the Shopify Admin GraphQL client configured from the
 * `shopifyAdmin` secret. Built once per container by the adapters.
 */
import { Layer } from "effect";
import { liveLayer } from "../kernel/live";
import { ShopifyAdminLive } from "./shopify-graphql";

export const backfillLayer = () => {
  const kernel = liveLayer();
  return Layer.mergeAll(kernel, ShopifyAdminLive().pipe(Layer.provide(kernel)));
};
