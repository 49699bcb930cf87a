/**
 * The environments this platform deploys. Edit the values here (account ids, e-mails, the
 * Shopify partner event source once the shop activated it) and run `npm run synth`.
 */
import { decodeEnvironment, type EnvironmentConfig, type EnvironmentName } from "./schema";

const brand = "acme";
const common = {
  brand,
  owner: "data-platform",
  costCenter: "analytics",
  shopDomain: "acme-store.myshopify.com",
  githubRepository: "acme/shopify-data-platform",
  shopifyApiVersion: "2026-01",
  // The shop's IANA time zone, as the Shopify admin shows it (Settings > General; GraphQL
  // `shop { ianaTimezone }`): order, refund and daily_sales days are its local days, as in Shopify's
  // finance reports. "UTC" (the default when absent) gives UTC days; set it to the shop's zone.
  shopTimezone: "UTC",
  stateLockTable: `${brand}-terraform-locks`,
} as const;

export const environmentCatalogue: Record<EnvironmentName, unknown> = {
  dev: {
    ...common,
    name: "dev",
    accountId: "111111111111",
    region: "eu-west-1",
    stateBucket: `${brand}-terraform-state-111111111111`,
    alertEmails: ["data-alerts-dev@acme.example"],
    logRetentionDays: 14,
    dataRetentionDays: 365,
    shopifyPartnerEventSource: "aws.partner/shopify.com/123456/acme-dev",
  },
  staging: {
    ...common,
    name: "staging",
    accountId: "222222222222",
    region: "eu-west-1",
    stateBucket: `${brand}-terraform-state-222222222222`,
    alertEmails: ["data-alerts@acme.example"],
    logRetentionDays: 30,
    dataRetentionDays: 730,
    shopifyPartnerEventSource: "aws.partner/shopify.com/123456/acme-staging",
  },
  prod: {
    ...common,
    name: "prod",
    accountId: "333333333333",
    region: "eu-west-1",
    stateBucket: `${brand}-terraform-state-333333333333`,
    alertEmails: ["data-alerts@acme.example", "oncall@acme.example"],
    logRetentionDays: 90,
    dataRetentionDays: 2555,
    shopifyPartnerEventSource: "aws.partner/shopify.com/123456/acme-prod",
  },
  local: {
    ...common,
    name: "local",
    accountId: "000000000000",
    region: "us-east-1",
    stateBucket: `${brand}-terraform-state-local`,
    alertEmails: [],
    logRetentionDays: 7,
    dataRetentionDays: 365,
  },
};

/** The environments that get deployed stacks (local runs on the embedded platform instead). */
export const deployedEnvironments = ["dev", "staging", "prod"] as const satisfies ReadonlyArray<EnvironmentName>;

export const loadEnvironment = (name: EnvironmentName, catalogue: Record<string, unknown> = environmentCatalogue): EnvironmentConfig =>
  decodeEnvironment(catalogue[name], `"${name}" environment`);

export const loadAllEnvironments = (catalogue: Record<string, unknown> = environmentCatalogue): EnvironmentConfig[] =>
  (Object.keys(catalogue) as EnvironmentName[]).map((name) => loadEnvironment(name, catalogue));

export const isEnvironmentName = (value: string): value is EnvironmentName => value === "dev" || value === "staging" || value === "prod" || value === "local";
