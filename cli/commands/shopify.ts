/**
 * `sdp shopify app-config` and `sdp shopify webhooks`: Shopify webhook subscriptions as code.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { Effect, Redacted } from "effect";
import { environmentCatalogue, isEnvironmentName, loadEnvironment } from "../../config/environments";
import type { EnvironmentConfig } from "../../config/schema";
import { envVars, secretNames } from "../../contracts/env-vars";
import { defaultAwsClients, awsErrorInfo, type AwsClientFactory } from "../../delivery/aws";
import { requireAccount, writeJson } from "../delivery-support";
import {
  appConfigInputFor,
  contractSubscriptions,
  diffSubscriptions,
  extractWebhooksSection,
  replaceWebhooksSection,
  webhooksSection,
  WEBHOOK_SUBSCRIPTIONS_QUERY,
  type CurrentSubscription,
  type SubscriptionDifference,
  type WebhookSubscriptionsPage,
} from "../../delivery/shopify-app-config";
import { endpointFor, ShopifyAdmin, ShopifyAdminFromConfig } from "../../functions/backfill/shopify-graphql";
import { parseAdminSecret } from "../../functions/shopify/admin-token";
import { CommandFailed, parseOptions, UsageError, type Command, type CommandIO } from "../command";

const help = `Usage: sdp shopify app-config --env <env> --door-url <https-url> [--out <shopify.app.toml>] [--check <file>] [--event-source <source>] [--json]
       sdp shopify webhooks --env <env> [--door-url <https-url>] [--event-source <source>] [--json]

app-config   Writes the [webhooks] section of a shopify.app.toml from contracts/events.ts:
             api_version (the environment's shopifyApiVersion), one [[webhooks.subscriptions]]
             per topic family with the partner event source ARN as uri
             (arn:aws:events:<region>::event-source/aws.partner/shopify.com/<app-id>/<name>), and
             the compliance topics (customers/data_request, customers/redact, shop/redact) to the
             HTTPS door. Then \`shopify app deploy\` subscribes everything.
               --out <file>    replace the [webhooks] section of that file (created when missing;
                               every other section is kept); without it the section is printed
               --check <file>  exit 1 when that file's [webhooks] section differs from the
                               contract (CI: the committed file is stale)
webhooks     Lists the shop's current subscriptions through the Admin API (GraphQL
             webhookSubscriptions, with the token service: client credentials or a legacy token)
             and shows the difference from the contract: missing, extra, wrong uri, wrong version.
             Credentials: the environment's shopifyAdmin secret in Secrets Manager, or
             SHOPIFY_ADMIN_TOKEN (a token or the secret's JSON) when set, with
             SHOPIFY_GRAPHQL_ENDPOINT to point at another endpoint (the local stand-in).

Options:
  --env <env>              dev, staging, prod or local (config/environments.ts)
  --door-url <url>         the HTTPS door for compliance topics (the ingestion stack's webhook
                           API URL + /webhooks/shopify)
  --event-source <source>  the partner event source when the environment has none configured
  --json                   machine output

Exit codes: 0 done (app-config) / no difference (webhooks), 1 stale file, differences or a
failed call, 2 bad usage.

Examples:
  npx sdp shopify app-config --env prod --door-url https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/shopify --out shopify.app.toml
  npx sdp shopify app-config --env prod --door-url https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/shopify --check shopify.app.toml
  AWS_PROFILE=acme-prod npx sdp shopify webhooks --env prod`;

const environmentOf = (value: string | undefined, catalogue: Record<string, unknown>): EnvironmentConfig => {
  if (value === undefined) throw new UsageError("--env is required (dev, staging, prod or local)");
  if (!isEnvironmentName(value)) throw new UsageError(`--env must be one of dev, staging, prod, local, got "${value}"`);
  return loadEnvironment(value, catalogue);
};

const inputOf = (config: EnvironmentConfig, values: { "door-url"?: string; "event-source"?: string }) => {
  try {
    return appConfigInputFor(config, {
      ...(values["door-url"] !== undefined ? { complianceUri: values["door-url"] } : {}),
      ...(values["event-source"] !== undefined ? { partnerEventSource: values["event-source"] } : {}),
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
};

const appConfig = (values: Record<string, string | boolean | undefined>, io: CommandIO, catalogue: Record<string, unknown>) => {
  const config = environmentOf(values.env as string | undefined, catalogue);
  const section = webhooksSection(inputOf(config, values as never));
  const topics = contractSubscriptions(inputOf(config, values as never)).reduce((sum, subscription) => sum + subscription.topics.length, 0);
  if (typeof values.check === "string") {
    const file = path.resolve(io.cwd, values.check);
    if (!fs.existsSync(file)) throw new CommandFailed(`${file} does not exist: generate it with --out`);
    const current = extractWebhooksSection(fs.readFileSync(file, "utf8"));
    const upToDate = current === section;
    if (values.json) writeJson(io.stdout, { file, upToDate });
    else
      io.stdout.write(
        upToDate
          ? `${file}: [webhooks] matches the contract (${topics} topics)\n`
          : `${file}: [webhooks] is ${current === undefined ? "missing" : "stale"}; regenerate with --out ${values.check}\n`,
      );
    return upToDate ? 0 : 1;
  }
  if (typeof values.out === "string") {
    const file = path.resolve(io.cwd, values.out);
    const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, replaceWebhooksSection(before, section));
    if (values.json) writeJson(io.stdout, { file, topics, apiVersion: config.shopifyApiVersion });
    else io.stdout.write(`wrote the [webhooks] section of ${file}: ${topics} topics, API ${config.shopifyApiVersion}; next: shopify app deploy\n`);
    return 0;
  }
  if (values.json) writeJson(io.stdout, { apiVersion: config.shopifyApiVersion, section });
  else io.stdout.write(section);
  return 0;
};

/** The Admin API client for an environment: SHOPIFY_ADMIN_TOKEN when set, else the environment's secret. */
const adminFor = async (config: EnvironmentConfig, io: CommandIO, awsClients: AwsClientFactory) => {
  let secret = io.env[envVars.shopifyAdminToken];
  let from = `${envVars.shopifyAdminToken}`;
  if (!secret) {
    if (config.name === "local") throw new CommandFailed(`--env local: set ${envVars.shopifyAdminToken} (and ${envVars.shopifyGraphqlEndpoint} for the stand-in)`);
    const clients = awsClients(config.region);
    await requireAccount(clients.sts, config);
    const name = secretNames(config.brand, config.name).shopifyAdmin;
    try {
      secret = (await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
    } catch (error) {
      const info = awsErrorInfo(error);
      throw new CommandFailed(`could not read the ${name} secret (${info.name}: ${info.message}); check it with \`sdp secrets check --env ${config.name}\``);
    }
    from = `the ${name} secret`;
    if (!secret) throw new CommandFailed(`the ${name} secret has no value; see docs/shopify-app.md`);
  }
  const parsed = parseAdminSecret(secret);
  if (parsed._tag === "Left") throw new CommandFailed(`${from} ${parsed.left} (see docs/shopify-app.md)`);
  const shop = parsed.right.shop ?? io.env[envVars.shopifyShopDomain] ?? config.shopDomain;
  const apiVersion = parsed.right.apiVersion ?? config.shopifyApiVersion;
  const endpoint = io.env[envVars.shopifyGraphqlEndpoint] ?? endpointFor(shop, apiVersion);
  const credentials = parsed.right.credentials;
  io.stderr.write(`sdp shopify: ${shop} through ${endpoint} with ${credentials.kind === "client-credentials" ? "client credentials" : "an access token"} from ${from}\n`);
  return ShopifyAdminFromConfig(
    {
      shop,
      apiVersion,
      endpoint,
      ...(credentials.kind === "client-credentials"
        ? { clientId: credentials.clientId, clientSecret: Redacted.value(credentials.clientSecret) }
        : { token: Redacted.value(credentials.accessToken) }),
    },
    { maxRetries: 3 },
  );
};

const listSubscriptions = Effect.gen(function* () {
  const admin = yield* ShopifyAdmin;
  const all: CurrentSubscription[] = [];
  let after: string | null = null;
  for (let page = 0; page < 50; page++) {
    const data: WebhookSubscriptionsPage = yield* admin.graphql<WebhookSubscriptionsPage>(WEBHOOK_SUBSCRIPTIONS_QUERY, { after });
    for (const node of data.webhookSubscriptions.nodes) {
      all.push({ topic: node.topic, uri: node.uri ?? "", ...(node.apiVersion?.handle ? { apiVersion: node.apiVersion.handle } : {}) });
    }
    if (!data.webhookSubscriptions.pageInfo.hasNextPage) break;
    after = data.webhookSubscriptions.pageInfo.endCursor;
  }
  return all;
});

const describe = (difference: SubscriptionDifference): string => {
  switch (difference.kind) {
    case "missing":
      return `missing        ${difference.topic} (want ${difference.expectedUri})`;
    case "extra":
      return `extra          ${difference.topic} -> ${difference.uri}`;
    case "wrong-uri":
      return `wrong uri      ${difference.topic} -> ${difference.uri} (want ${difference.expectedUri})`;
    case "wrong-version":
      return `wrong version  ${difference.topic} at ${difference.apiVersion} (want ${difference.expectedApiVersion})`;
  }
};

const webhooks = async (values: Record<string, string | boolean | undefined>, io: CommandIO, awsClients: AwsClientFactory, catalogue: Record<string, unknown>) => {
  const config = environmentOf(values.env as string | undefined, catalogue);
  // The door URL only matters for compliance topics, which the Admin API does not list.
  const eventSource = values["event-source"] as string | undefined;
  const input = inputOf(config, {
    "door-url": (values["door-url"] as string | undefined) ?? "https://unused.invalid/webhooks/shopify",
    ...(eventSource !== undefined ? { "event-source": eventSource } : {}),
  });
  const layer = await adminFor(config, io, awsClients);
  const exit = await Effect.runPromiseExit(Effect.provide(listSubscriptions, layer));
  if (exit._tag === "Failure") {
    const failure = exit.cause._tag === "Fail" ? (exit.cause.error as { message?: string; _tag?: string }) : undefined;
    throw new CommandFailed(`listing webhook subscriptions failed: ${failure?.message || failure?._tag || "unexpected error"}`);
  }
  const current = exit.value;
  const differences = diffSubscriptions(contractSubscriptions(input), config.shopifyApiVersion, current);
  if (values.json) {
    writeJson(io.stdout, { env: config.name, apiVersion: config.shopifyApiVersion, subscriptions: current, differences, upToDate: differences.length === 0 });
  } else {
    io.stdout.write(
      `${current.length} subscription(s) on the shop; the contract routes ${contractSubscriptions(input)
        .filter((s) => !s.compliance)
        .reduce((sum, s) => sum + s.topics.length, 0)} topics at API ${config.shopifyApiVersion}.\n`,
    );
    for (const difference of differences) io.stdout.write(`  ${describe(difference)}\n`);
    io.stdout.write(
      differences.length === 0
        ? "No difference from the contract (compliance topics are not listed by the Admin API: check them in the Dev Dashboard).\n"
        : `${differences.length} difference(s): run \`sdp shopify app-config --env ${config.name} --door-url <url> --out shopify.app.toml\` and \`shopify app deploy\`.\n`,
    );
  }
  return differences.length === 0 ? 0 : 1;
};

export const createShopifyCommand = (overrides: { awsClients?: AwsClientFactory; catalogue?: Record<string, unknown> } = {}): Command => ({
  summary: "Shopify webhook subscriptions as code: generate shopify.app.toml [webhooks], compare the shop's subscriptions",
  help,
  run: async (argv, io) => {
    const { values, positionals } = parseOptions(
      argv,
      {
        env: { type: "string" },
        "door-url": { type: "string" },
        "event-source": { type: "string" },
        out: { type: "string" },
        check: { type: "string" },
        json: { type: "boolean" },
      },
      true,
    );
    const catalogue = overrides.catalogue ?? environmentCatalogue;
    const [sub, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest.join(" ")}"`);
    if (sub === "app-config") return appConfig(values, io, catalogue);
    if (sub === "webhooks") {
      if (values.out !== undefined || values.check !== undefined) throw new UsageError("--out and --check belong to app-config");
      return webhooks(values, io, overrides.awsClients ?? defaultAwsClients, catalogue);
    }
    throw new UsageError(`expected a sub-command: app-config or webhooks${sub ? `, got "${sub}"` : ""}`);
  },
});

export default createShopifyCommand();
