/**
 * What must be true of an environment before its first deploy can succeed, beyond credentials and
 * state: config/environments.ts holds real values, not the examples it ships with; the Shopify
 * partner event source exists (the ingestion stack's partner bus can only be created for a source
 * Shopify has already shared with the account); and the account's Lambda concurrency quota leaves
 * room for what the functions reserve. Each check returns a problem and its fix, or nothing.
 */
import { DescribeEventSourceCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { GetAccountSettingsCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { EnvironmentConfig } from "../config/schema";
import { DEFAULT_RESERVED_CONCURRENCY, functionSpecs } from "../contracts/functions";
import { awsErrorInfo, isNotFound } from "./aws";

export interface Readiness {
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

/** Account ids that appear in examples and documentation, never in a real deploy. */
const documentedExampleAccounts = new Set(["123456789012", "111122223333", "444455556666", "555555555555", "999999999999", "210987654321"]);

/** Why an account id is a placeholder, or undefined when it looks like a real one. */
export const placeholderAccount = (accountId: string): string | undefined => {
  if (/^(\d)\1{11}$/.test(accountId)) return "one digit repeated";
  if (documentedExampleAccounts.has(accountId)) return "an example id from AWS documentation";
  if ("01234567890123456789".includes(accountId) || "98765432109876543210".includes(accountId)) return "a run of consecutive digits";
  return undefined;
};

/** Domains reserved for examples (RFC 2606 / RFC 6761): mail to them is never delivered. */
const reservedDomain = (domain: string) => /(^|\.)(example|test|invalid|localhost)$/.test(domain) || /(^|\.)example\.(com|net|org)$/.test(domain);

export const undeliverableEmails = (emails: ReadonlyArray<string>): string[] => emails.filter((email) => reservedDomain(email.slice(email.lastIndexOf("@") + 1).toLowerCase()));

const configFile = "config/environments.ts";

export const accountReadiness = (config: EnvironmentConfig): Readiness => {
  const why = placeholderAccount(config.accountId);
  return why === undefined
    ? { ok: true, detail: config.accountId }
    : {
        ok: false,
        detail: `accountId ${config.accountId} of ${config.name} is a placeholder (${why}), not an AWS account`,
        fix: `put the ${config.name} account's 12-digit id in ${configFile} (accountId, and the stateBucket named after it): \`aws sts get-caller-identity --query Account\``,
      };
};

export const emailReadiness = (config: EnvironmentConfig): Readiness => {
  const bad = undeliverableEmails(config.alertEmails);
  if (config.alertEmails.length === 0)
    return { ok: false, detail: "no alert e-mails: alarms would reach nobody", fix: `list the on-call addresses in alertEmails of ${configFile}` };
  return bad.length === 0
    ? { ok: true, detail: config.alertEmails.join(", ") }
    : {
        ok: false,
        detail: `${bad.join(", ")} ${bad.length === 1 ? "is an example address" : "are example addresses"} (reserved domain): the alerts topic's subscription would never be confirmed`,
        fix: `replace them in alertEmails of ${configFile} with addresses someone reads`,
      };
};

/**
 * The partner event source must exist before the partner bus (same name) is created. Shopify
 * creates it when the app's EventBridge webhook subscription is set up; it is PENDING until a bus
 * is associated, ACTIVE after, and DELETED once removed on Shopify's side.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DescribeEventSource.html
 */
export const partnerSourceReadiness = async (client: EventBridgeClient, config: EnvironmentConfig): Promise<Readiness> => {
  const name = config.shopifyPartnerEventSource;
  if (!name) return { ok: true, detail: "none configured: the ingestion stack creates no partner bus" };
  const runbook = "docs/runbooks/shopify-partner-source.md";
  try {
    const source = await client.send(new DescribeEventSourceCommand({ Name: name }));
    if (source.State === "DELETED")
      return {
        ok: false,
        detail: `${name} was deleted (Shopify removed the subscription)`,
        fix: `set the source up again in Shopify (${runbook}) and update shopifyPartnerEventSource in ${configFile}`,
      };
    return { ok: true, detail: `${name} (${source.State ?? "state unknown"})` };
  } catch (error) {
    if (isNotFound(error))
      return {
        ok: false,
        detail: `partner event source ${name} does not exist in account ${config.accountId} (${config.region}) yet`,
        fix: `create it from Shopify first (${runbook}), or correct shopifyPartnerEventSource in ${configFile}; deploy the other layers with --stacks meanwhile`,
      };
    const info = awsErrorInfo(error);
    return { ok: false, detail: `events:DescribeEventSource failed (${info.name}: ${info.message})`, fix: "grant events:DescribeEventSource to the deploying role, or retry" };
  }
};

/** Lambda keeps this much of the account's concurrency unreserved; reservations cannot eat into it. */
export const MIN_UNRESERVED_CONCURRENCY = 100;

/** What the environment's functions reserve, from contracts/functions.ts. */
export const plannedReservedConcurrency = (): number => functionSpecs.reduce((sum, spec) => sum + (spec.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY), 0);

/**
 * The functions' reserved concurrency must fit the account's concurrency quota (Service Quotas
 * L-B99A9384, "Concurrent executions"; new accounts start far below the default 1,000) minus the
 * 100 Lambda keeps unreserved: otherwise the first PutFunctionConcurrency fails mid-apply.
 * https://docs.aws.amazon.com/lambda/latest/dg/API_PutFunctionConcurrency.html
 */
export const concurrencyReadiness = async (client: LambdaClient, reserved: number = plannedReservedConcurrency()): Promise<Readiness> => {
  try {
    const settings = await client.send(new GetAccountSettingsCommand({}));
    const limit = settings.AccountLimit?.ConcurrentExecutions;
    if (limit === undefined) return { ok: false, detail: "lambda:GetAccountSettings returned no concurrency limit", fix: "retry; check the region" };
    const room = limit - MIN_UNRESERVED_CONCURRENCY;
    return reserved <= room
      ? { ok: true, detail: `functions reserve ${reserved} of the ${room} reservable (account limit ${limit})` }
      : {
          ok: false,
          detail: `functions reserve ${reserved} concurrent executions, but the account's limit of ${limit} leaves only ${Math.max(0, room)} reservable (Lambda keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved)`,
          fix: `request a higher "Concurrent executions" quota: \`aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value ${reserved + MIN_UNRESERVED_CONCURRENCY}\`, or lower reservedConcurrency in contracts/functions.ts`,
        };
  } catch (error) {
    const info = awsErrorInfo(error);
    return { ok: false, detail: `lambda:GetAccountSettings failed (${info.name}: ${info.message})`, fix: "grant lambda:GetAccountSettings to the deploying role, or retry" };
  }
};
