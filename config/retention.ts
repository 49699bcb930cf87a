/**
 * How long the lake keeps each layer's partitions, per environment: days per layer (raw,
 * snapshots, processed, curated, metadata) and per table overrides. A "table" is the key path in
 * front of its partition segment (`raw/shopify/checkouts`, `processed/shopify/orders_enriched`,
 * `metadata/data-quality`). The retention purge (functions/retention/purge.ts: scheduled in AWS,
 * `sdp retention` locally) deletes a partition only when all of it lies outside its window.
 *
 * The layer defaults follow `dataRetentionDays` of config/environments.ts (which also sets the
 * S3 lifecycle expiry of raw/ and snapshots/, by object age, as a backstop); edit the overrides
 * here. Decoded with Effect Schema, so a bad value fails synth and `sdp retention` naming it.
 */
import { Either, ParseResult, Schema } from "effect";
import type { RetentionPolicy } from "../contracts/retention";
import { environmentCatalogue, loadEnvironment } from "./environments";
import type { EnvironmentName } from "./schema";

const Days = Schema.Number.pipe(Schema.int(), Schema.positive({ message: () => "must be a positive whole number of days" }));
const TablePath = Schema.String.pipe(
  Schema.pattern(/^(raw|snapshots|processed|curated|metadata)(\/[A-Za-z0-9._-]+)+$/, {
    message: () => "must be a table path such as raw/shopify/checkouts (layer, then its folders)",
  }),
);

export const RetentionConfig = Schema.Struct({
  layers: Schema.Struct({ raw: Days, snapshots: Days, processed: Days, curated: Days, metadata: Days }),
  /** Table path -> days, overriding its layer. */
  tables: Schema.Record({ key: TablePath, value: Days }),
  /** Snapshot runs of a table always kept, newest first, whatever their age (the current full copy). */
  keepLatestRuns: Schema.Number.pipe(Schema.int(), Schema.greaterThanOrEqualTo(1, { message: () => "must keep at least the newest run" })),
});
export type RetentionConfig = typeof RetentionConfig.Type;

export class InvalidRetentionConfig extends Error {
  readonly _tag = "InvalidRetentionConfig";
}

export const decodeRetention = (input: unknown, label = "retention"): RetentionConfig => {
  const result = Schema.decodeUnknownEither(RetentionConfig, { errors: "all", onExcessProperty: "error" })(input);
  if (Either.isRight(result)) return result.right;
  const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => `  - ${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
  throw new InvalidRetentionConfig(`Invalid ${label} config:\n${issues.join("\n")}`);
};

/** The defaults of an environment: every layer at its dataRetentionDays; carts and checkouts (abandoned, personal) shorter; data-quality reports a year. */
const retentionOf = (name: EnvironmentName): unknown => {
  const days = loadEnvironment(name).dataRetentionDays;
  return {
    layers: { raw: days, snapshots: days, processed: days, curated: days, metadata: days },
    tables: {
      // Abandoned checkouts and carts hold a shopper's contact details without any order behind them.
      "raw/shopify/checkouts": Math.min(days, 180),
      "raw/shopify/carts": Math.min(days, 180),
      "metadata/data-quality": Math.min(days, 400),
      "metadata/decode-failures": Math.min(days, 90),
    },
    keepLatestRuns: 1,
  };
};

export const retentionCatalogue: Record<EnvironmentName, unknown> = Object.fromEntries(
  (Object.keys(environmentCatalogue) as EnvironmentName[]).map((name) => [name, retentionOf(name)]),
) as Record<EnvironmentName, unknown>;

/** An environment's policy (the decoded config is the contract's plain RetentionPolicy). */
export const loadRetention = (name: EnvironmentName, catalogue: Record<string, unknown> = retentionCatalogue): RetentionPolicy =>
  decodeRetention(catalogue[name], `"${name}" retention`);
