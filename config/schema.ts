/**
 * The typed environment catalogue. Every environment is decoded with Effect Schema before any
 * stack is built, so a bad value fails synth with the field named instead of producing
 * infrastructure that is subtly wrong.
 */
import { Either, ParseResult, Schema } from "effect";
import { DEFAULT_SHOP_TIMEZONE, shopTimeZoneProblem } from "../contracts/shop-time-zone";
import { defaultWebhookRecoveryAlert } from "../contracts/webhook-recovery";

export const EnvironmentName = Schema.Literal("dev", "staging", "prod", "local");
export type EnvironmentName = typeof EnvironmentName.Type;

const AccountId = Schema.String.pipe(Schema.pattern(/^\d{12}$/, { message: () => "must be a 12-digit AWS account id" }));
const Region = Schema.String.pipe(Schema.pattern(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: () => "must be an AWS region such as eu-west-1" }));
const Slug = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9-]{1,20}[a-z0-9]$/, {
    message: () => "must be 3-22 lower-case letters, digits or dashes, starting with a letter",
  }),
);
const Email = Schema.String.pipe(Schema.pattern(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: () => "must be an e-mail address" }));
const Days = Schema.Number.pipe(Schema.int(), Schema.positive({ message: () => "must be a positive whole number of days" }));
const ShopDomain = Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, { message: () => "must be a <shop>.myshopify.com domain" }));
const PartnerEventSource = Schema.String.pipe(
  Schema.pattern(/^aws\.partner\/shopify\.com\/\d+\/[A-Za-z0-9._-]+$/, {
    message: () => "must look like aws.partner/shopify.com/<app-id>/<name>",
  }),
);
const ShopTimeZone = Schema.String.pipe(Schema.filter((zone) => shopTimeZoneProblem(zone) ?? true));
const GitHubRepository = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { message: () => "must be <owner>/<repo>" }));

export const EnvironmentConfig = Schema.Struct({
  name: EnvironmentName,
  accountId: AccountId,
  region: Region,
  brand: Slug,
  owner: Schema.NonEmptyString,
  costCenter: Schema.NonEmptyString,
  stateBucket: Schema.String.pipe(Schema.pattern(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: () => "must be a valid S3 bucket name" })),
  stateLockTable: Schema.NonEmptyString,
  alertEmails: Schema.Array(Email),
  logRetentionDays: Days,
  dataRetentionDays: Days,
  shopDomain: ShopDomain,
  /**
   * The shop's IANA time zone (Shopify Admin: Settings > General; GraphQL `Shop.ianaTimezone`):
   * order, refund and daily_sales days are the shop's local days, as in Shopify's finance reports
   * (contracts/shop-time-zone.ts). Default "UTC": set it to the shop's zone, or days are UTC days.
   */
  shopTimezone: Schema.optionalWith(ShopTimeZone, { default: () => DEFAULT_SHOP_TIMEZONE }),
  /** Absent only where no partner bus exists yet (dev/local); required in prod. */
  shopifyPartnerEventSource: Schema.optional(PartnerEventSource),
  githubRepository: GitHubRepository,
  /** Shopify Admin API version the backfill uses. */
  shopifyApiVersion: Schema.String.pipe(Schema.pattern(/^\d{4}-(01|04|07|10)$/, { message: () => "must be a Shopify API version like 2026-01" })),
  /**
   * The data-quality run alerts "webhooks are failing" for a source when more than
   * `maxRecoveredShare` of a day's events reached the lake only through the nightly
   * reconciliation, and at least `minRecovered` did (contracts/webhook-recovery.ts). Default 2%, 3.
   */
  webhookRecoveryAlert: Schema.optionalWith(
    Schema.Struct({
      maxRecoveredShare: Schema.Number.pipe(Schema.between(0, 1, { message: () => "must be a share from 0 to 1, e.g. 0.02 for 2%" })),
      minRecovered: Schema.Number.pipe(Schema.int(), Schema.nonNegative({ message: () => "must be a whole number of events, 0 or more" })),
    }),
    { default: () => defaultWebhookRecoveryAlert },
  ),
}).pipe(
  Schema.filter((env) =>
    env.name === "prod" && env.shopifyPartnerEventSource === undefined
      ? { path: ["shopifyPartnerEventSource"], message: "is required in prod: real-time ingestion needs the Shopify partner event source" }
      : env.name !== "local" && env.alertEmails.length === 0
        ? { path: ["alertEmails"], message: "needs at least one address outside local, or nobody hears about failures" }
        : env.dataRetentionDays < 90
          ? { path: ["dataRetentionDays"], message: "must be at least 90: the lake moves raw data to Glacier at 90 days" }
          : true,
  ),
);
export type EnvironmentConfig = typeof EnvironmentConfig.Type;

export class InvalidEnvironmentConfig extends Error {
  readonly _tag = "InvalidEnvironmentConfig";
}

/** Decodes one environment; throws an error whose message names the environment and every bad field. */
export const decodeEnvironment = (input: unknown, label = "environment"): EnvironmentConfig => {
  const result = Schema.decodeUnknownEither(EnvironmentConfig, { errors: "all", onExcessProperty: "error" })(input);
  if (Either.isRight(result)) return result.right;
  const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => `  - ${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
  throw new InvalidEnvironmentConfig(`Invalid ${label} config:\n${issues.join("\n")}`);
};
