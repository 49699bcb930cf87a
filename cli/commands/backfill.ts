/**
 * `sdp backfill`: exports Shopify history through the backfill workflow (bulk operations ->
 * Parquet snapshots + reconciliation manifest), locally or in AWS.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandFailed, isoDate, parseOptions, UsageError, type Command, type CommandIO } from "../command";
import { backfillStateMachineArnParameter, type BackfillExecutionInput, type BulkObjectName } from "../../contracts/backfill-workflow";
import { bulkEntities, objectsForName } from "../../contracts/bulk-entities";
import { bulkObjects } from "../../functions/backfill/convert/entities";
import { bulkQuery } from "../../functions/backfill/queries";

const help = `
Usage: sdp backfill --env <dev|staging|prod|local> --since YYYY-MM-DD [--until YYYY-MM-DD]
                    [--objects <object|entity>,...] [--dry-run] [--data-dir <dir>] [--json]

Exports Shopify history with bulk operations into the lake: one Parquet dataset per entity under
snapshots/shopify/<entity>/run=<id>/ and a reconciliation manifest under
metadata/reconciliation/run=<id>/ that proves rows written == Shopify's objectCount.

Options:
  --env <env>        local runs the workflow in-process against the Shopify stand-in (or
                     SHOPIFY_GRAPHQL_ENDPOINT with SHOPIFY_ADMIN_TOKEN and SHOPIFY_SHOP_DOMAIN) and
                     the local lake; other envs start the deployed state machine (ARN from SSM
                     /<brand>/<env>/backfill/state-machine-arn) and follow it until it ends
  --objects <list>   comma-separated objects (one bulk operation each; default: all):
                       ${bulkObjects.join(", ")}
                     or entity names, each standing for the objects that write it (metafields:
                     order_metafields, customer_metafields and product_metafields)
  --since <date>     first day (UTC) of updated_at to export, inclusive
  --until <date>     last day (UTC), inclusive (default: today); not in the future
  --dry-run          print the execution input and the GraphQL bulk queries; call nothing
  --data-dir <dir>   local lake and emulator data (--env local only; default: the data dir of
                     the last \`sdp local\` / \`sdp demo\` run, else .sdp/local)
  --run-id <id>      name the run (default: derived from the range and the time)
  --poll-interval <s> seconds between polls for --env local (default 10 against a real
                     endpoint, 0.1 against the stand-in; AWS runs poll every 30 s)
  --json             print the result as JSON

Exit status: 0 when every object was exported and reconciled, 1 when the run failed or kept only
partial data, 2 for bad usage.

Examples:
  npx sdp backfill --env local --since 2026-01-01 --until 2026-03-31
  npx sdp backfill --env prod --objects orders --since 2024-01-01 --dry-run
`;

const DAY_MS = 86_400_000;
const environments = ["dev", "staging", "prod", "local"];

export interface BackfillRequest {
  readonly env: string;
  readonly input: BackfillExecutionInput;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly dataDir?: string;
  readonly pollIntervalMs?: number;
}

const todayUtc = (now: Date) => now.toISOString().slice(0, 10);

/** Parses and validates the flags; every mistake is a UsageError naming the flag. */
export const parseBackfillArgs = (argv: ReadonlyArray<string>, now: Date = new Date()): BackfillRequest => {
  const { values } = parseOptions(argv, {
    env: { type: "string" },
    objects: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    "dry-run": { type: "boolean" },
    "data-dir": { type: "string" },
    "run-id": { type: "string" },
    "poll-interval": { type: "string" },
    json: { type: "boolean" },
  });
  const pollInterval = values["poll-interval"] === undefined ? undefined : Number(values["poll-interval"]);
  if (pollInterval !== undefined && (!Number.isFinite(pollInterval) || pollInterval < 0 || pollInterval > 600)) {
    throw new UsageError("--poll-interval must be a number of seconds between 0 and 600");
  }
  if (!values.env) throw new UsageError("--env is required (dev, staging, prod or local)");
  if (!environments.includes(values.env)) throw new UsageError(`--env must be one of ${environments.join(", ")}, got "${values.env}"`);
  const objects = (values.objects ?? bulkObjects.join(","))
    .split(",")
    .map((object) => object.trim())
    .filter((object) => object.length > 0);
  if (objects.length === 0) throw new UsageError(`--objects needs at least one of ${bulkObjects.join(", ")}`);
  const unknown = objects.filter((object) => objectsForName(object).length === 0);
  if (unknown.length > 0) {
    const entities = bulkEntities.filter((entity) => !(bulkObjects as ReadonlyArray<string>).includes(entity));
    throw new UsageError(`--objects: unknown object(s) ${unknown.map((o) => `"${o}"`).join(", ")}; choose from ${bulkObjects.join(", ")} (or the entities ${entities.join(", ")})`);
  }
  const resolved = objects.flatMap((object) => objectsForName(object));
  const since = isoDate(values.since, "--since");
  if (!since) throw new UsageError("--since is required, e.g. --since 2026-01-01");
  const today = todayUtc(now);
  const until = isoDate(values.until, "--until") ?? today;
  if (since > until) throw new UsageError(`--since ${since} is after --until ${until}`);
  if (since > today) throw new UsageError(`--since ${since} is in the future (today is ${today} UTC)`);
  if (until > today) throw new UsageError(`--until ${until} is in the future (today is ${today} UTC); nothing can have been updated then`);
  const runId = values["run-id"] ?? `backfill-${since}-${until}-${now.toISOString().replace(/[-:]/g, "").slice(0, 15)}`;
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(runId)) throw new UsageError("--run-id may use letters, digits, - and _ (at most 80)");
  const endExclusive = new Date(Date.parse(`${until}T00:00:00Z`) + DAY_MS).toISOString().replace(".000Z", "Z");
  return {
    env: values.env,
    input: { runId, objects: [...new Set(resolved)] as BulkObjectName[], since: `${since}T00:00:00Z`, until: endExclusive },
    dryRun: values["dry-run"] ?? false,
    json: values.json ?? false,
    ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}),
    ...(pollInterval !== undefined ? { pollIntervalMs: Math.round(pollInterval * 1000) } : {}),
  };
};

const printDryRun = (request: BackfillRequest, io: CommandIO) => {
  const queries = Object.fromEntries(request.input.objects.map((object) => [object, bulkQuery(object, request.input.since, request.input.until)]));
  if (request.json) {
    io.stdout.write(`${JSON.stringify({ env: request.env, executionInput: request.input, queries }, null, 2)}\n`);
    return;
  }
  io.stdout.write(`Dry run: nothing is called.\n\nExecution input (${request.env}):\n${JSON.stringify(request.input, null, 2)}\n`);
  for (const [object, query] of Object.entries(queries)) io.stdout.write(`\nGraphQL bulk query for ${object} (bulkOperationRunQuery):\n${query}\n`);
};

const runLocal = async (request: BackfillRequest, io: CommandIO): Promise<number> => {
  const { runLocalBackfill } = await import("../../local/state-machine");
  const { readLastRun } = await import("../../local/platform");
  const { repositoryRoot } = await import("../../local/functions");
  // Same lake as `sdp local` / `sdp demo` unless told otherwise, so the query commands see the export.
  const dataDir = request.dataDir ? path.resolve(io.cwd, request.dataDir) : (readLastRun(repositoryRoot, io.env)?.dataDir ?? path.join(repositoryRoot, ".sdp", "local"));
  fs.mkdirSync(dataDir, { recursive: true });
  const run = runLocalBackfill({
    input: request.input,
    dataDir,
    env: io.env,
    ...(request.pollIntervalMs !== undefined ? { pollIntervalMs: request.pollIntervalMs } : {}),
    onProgress: (progress) => {
      if (request.json) return;
      if (progress.kind === "entered" && ["Submit", "Download", "RecordSuccess", "RecordFailure"].includes(progress.state)) {
        io.stderr.write(`  ${progress.object ?? ""} ${progress.state}\n`);
      } else if (progress.kind === "retried") io.stderr.write(`  ${progress.object ?? ""} ${progress.state}: retrying\n`);
    },
  });
  // Setup problems (a half-configured endpoint, emulators that cannot start) are the user's to fix.
  const result = await run.catch((error: Error) => {
    throw new CommandFailed(error.message);
  });
  const summary = result.status === "SUCCEEDED" ? result.output : result.summary;
  if (request.json) {
    io.stdout.write(`${JSON.stringify({ ...result, dataDir, lakeDir: result.lakeDir }, null, 2)}\n`);
  } else {
    for (const item of summary?.results ?? [])
      io.stdout.write(`${item.object.padEnd(20)} ${item.outcome.padEnd(10)} ${item.totalRows} rows${item.reason ? `  (${item.reason})` : ""}\n`);
    io.stdout.write(`run ${request.input.runId}: ${result.status}; manifest ${summary?.manifestKey ?? "(none)"} in ${result.lakeDir}\n`);
  }
  return result.status === "SUCCEEDED" ? 0 : 1;
};

const runInAws = async (request: BackfillRequest, io: CommandIO): Promise<number> => {
  const { loadEnvironment } = await import("../../config/environments");
  const environment = loadEnvironment(request.env as "dev" | "staging" | "prod");
  const { SSMClient, GetParameterCommand } = await import("@aws-sdk/client-ssm");
  const { SFNClient, StartExecutionCommand, DescribeExecutionCommand } = await import("@aws-sdk/client-sfn");
  const parameter = backfillStateMachineArnParameter(environment.brand, environment.name);
  const ssm = new SSMClient({ region: environment.region });
  const sfn = new SFNClient({ region: environment.region });
  try {
    let stateMachineArn: string | undefined;
    try {
      stateMachineArn = (await ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
    } catch (error) {
      throw new CommandFailed(`cannot read ${parameter}: ${(error as Error).message}. Is the backfill stack deployed to ${request.env}?`);
    }
    if (!stateMachineArn) throw new CommandFailed(`${parameter} is empty`);
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: request.input.runId, input: JSON.stringify(request.input) }));
    io.stderr.write(`started ${started.executionArn}\n`);
    let last = "";
    for (;;) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
      if (execution.status !== last) {
        last = execution.status ?? "";
        io.stderr.write(`  ${new Date().toISOString()} ${last}\n`);
      }
      if (execution.status !== "RUNNING" && execution.status !== "PENDING_REDRIVE") {
        if (request.json)
          io.stdout.write(
            `${JSON.stringify({ status: execution.status, output: execution.output ? JSON.parse(execution.output) : null, error: execution.error, cause: execution.cause }, null, 2)}\n`,
          );
        else io.stdout.write(`run ${request.input.runId}: ${execution.status}${execution.error ? ` (${execution.error}: ${execution.cause ?? ""})` : ""}\n`);
        return execution.status === "SUCCEEDED" ? 0 : 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    }
  } finally {
    ssm.destroy();
    sfn.destroy();
  }
};

const command: Command = {
  summary: "Export Shopify history (bulk operations) into the lake as Parquet, with a count check",
  help,
  run: async (argv, io) => {
    const request = parseBackfillArgs(argv);
    if (request.dryRun) {
      printDryRun(request, io);
      return 0;
    }
    if ((request.dataDir || request.pollIntervalMs !== undefined) && request.env !== "local") throw new UsageError("--data-dir and --poll-interval apply to --env local only");
    return request.env === "local" ? runLocal(request, io) : runInAws(request, io);
  },
};

export default command;
