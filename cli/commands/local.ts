/**
 * `sdp local`: runs the embedded platform in the foreground until SIGINT/SIGTERM.
 */
import * as path from "node:path";
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { createPlatformLog, parseLogLevel } from "../../local/log";
import { PlatformStartFailed, startLocalPlatform } from "../../local/platform";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { FunctionEntryInvalid, repositoryRoot } from "../../local/functions";
import { describeFaultPlan, FaultSpecError, makeFaultInjector, parseFaultSpec, type FaultInjector } from "../../functions/kernel/faults";

export const DEFAULT_LOCAL_PORT = 4010;
export const DEFAULT_LOCAL_DATA_DIR = path.join(".sdp", "local");

const help = `
Usage: sdp local [--port <port>] [--data-dir <dir>] [--s3-port <port>] [--dynamodb-port <port>]
                 [--log-level debug|info|warn|error] [--faults <spec>]

Runs the whole ingestion platform on this machine: DynamoDB (dynalite) and S3 (s3rver)
emulators keeping their data in the data dir, the event routing of contracts/events.ts, and the
webhook doors. When ready it prints one JSON line on stdout with the ingress URL, the emulator
endpoints, credentials, bucket and table names (also written to <data-dir>/platform.json).
Platform logs go to stderr; the functions' own logs to <data-dir>/logs/functions.jsonl.
Ctrl-C (SIGINT) or SIGTERM (to the "pid" of the ready line) stops it after every accepted event
is processed; events still queued when it is killed are processed on the next start, and
files a kill left torn are set aside under <data-dir>/quarantine/<timestamp>/ (one log line
names them).

Doors:
  POST /webhooks/shopify    Shopify webhook (X-Shopify-Hmac-Sha256 over the raw body)
  POST /webhooks/recharge   Recharge webhook
  POST /webhooks/stripe     Stripe webhook (Stripe-Signature)
  POST /events              an EventBridge envelope as Shopify's partner bus delivers it
  GET  /health, GET /status

Options:
  --port <port>        ingress port on 127.0.0.1 (default ${DEFAULT_LOCAL_PORT}; 0 picks a free one)
  --data-dir <dir>     where data lives (default ${DEFAULT_LOCAL_DATA_DIR}, relative to the repository; never wiped)
  --s3-port <port>     S3 emulator port (default 0: a free one; see the ready line)
  --dynamodb-port <port>  DynamoDB emulator port (default 0: a free one)
  --log-level <level>  default info
  --faults <spec>      inject faults into the S3, DynamoDB, EventBridge, SNS and SQS calls of the
                       functions, to see retries and idempotency at work (docs/local-platform.md):
                       s3=0.3,dynamodb=0.2        30% / 20% of calls fail (half throttled)
                       all=0.1,s3=error:0.2/throttle:0.1/after:0.5/latency:5ms-50ms,seed=7
                       services: s3, dynamodb, eventbridge, sns, sqs, all; parts: error, throttle,
                       after (share of errors injected after the call succeeded), latency,
                       retries (inside the call, as the AWS SDK retries: s3=0.3/retries:2); seed
                       makes a run repeatable. Counts show in /status (metrics FaultInjected, Retried).

Webhook secrets: SHOPIFY_WEBHOOK_SECRET, RECHARGE_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET
(comma-separated to accept several during a rotation). Unset, each is "${LOCAL_DEFAULT_WEBHOOK_SECRET}".

Example:
  npx sdp local --port 4010 --data-dir .sdp/local
  body='{"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508"}'
  sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac ${LOCAL_DEFAULT_WEBHOOK_SECRET} -binary | base64)
  curl -s localhost:4010/webhooks/shopify -H "X-Shopify-Topic: orders/create" \\
    -H "X-Shopify-Webhook-Id: w-1" -H "X-Shopify-Hmac-Sha256: $sig" -d "$body"
`;

const parsePort = (value: string | undefined, flag: string, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`${flag} must be a number from 0 to 65535, got "${value}"`);
  return Number(value);
};

const command: Command = {
  summary: "Run the embedded platform (emulators, event routing, webhook doors) until Ctrl-C",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, {
      port: { type: "string" },
      "data-dir": { type: "string" },
      "s3-port": { type: "string" },
      "dynamodb-port": { type: "string" },
      "log-level": { type: "string" },
      faults: { type: "string" },
    });
    const port = parsePort(values.port, "--port", DEFAULT_LOCAL_PORT);
    const s3Port = parsePort(values["s3-port"], "--s3-port", 0);
    const dynamodbPort = parsePort(values["dynamodb-port"], "--dynamodb-port", 0);
    const level = values["log-level"] === undefined ? "info" : parseLogLevel(values["log-level"]);
    if (level === undefined) throw new UsageError(`--log-level must be debug, info, warn or error, got "${values["log-level"]}"`);
    const dataDir = path.resolve(values["data-dir"] === undefined ? repositoryRoot : io.cwd, values["data-dir"] ?? DEFAULT_LOCAL_DATA_DIR);
    let faultInjector: FaultInjector | undefined;
    if (values.faults !== undefined) {
      try {
        faultInjector = makeFaultInjector(parseFaultSpec(values.faults));
      } catch (error) {
        if (error instanceof FaultSpecError) throw new UsageError(`--faults: ${error.message}`);
        throw error;
      }
    }
    const log = createPlatformLog(io.stderr, level);
    if (faultInjector) log("warn", "fault injection on", { faults: describeFaultPlan(faultInjector.plan) });

    let platform;
    try {
      platform = await startLocalPlatform({ dataDir, port, s3Port, dynamodbPort, env: io.env, log, recordLastRun: "local", ...(faultInjector ? { faultInjector } : {}) });
    } catch (error) {
      if (error instanceof PlatformStartFailed || error instanceof FunctionEntryInvalid) throw new CommandFailed(error.message);
      if ((error as NodeJS.ErrnoException)?.code === "EADDRINUSE") {
        throw new CommandFailed(`a port is in use (${(error as Error).message}): pick others with --port / --s3-port / --dynamodb-port (0 chooses a free one)`);
      }
      throw error;
    }
    io.stdout.write(`${JSON.stringify(platform.ready)}\n`);

    await new Promise<void>((resolve) => {
      let firstSignalAt: number | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        if (firstSignalAt !== undefined) {
          // Launchers relay the signal a terminal already sent to the whole process group (tsx,
          // npm): a repeat within a second is that echo, not an impatient user.
          if (Date.now() - firstSignalAt < 1_000) return;
          log("warn", "second signal: exiting without waiting; queued events stay journaled and run on the next start", { signal });
          process.exit(130);
        }
        firstSignalAt = Date.now();
        log("info", "signal received", { signal });
        void platform.stop().then(resolve, (error) => {
          log("error", "stopping failed", { error: (error as Error)?.message });
          resolve();
        });
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
    });
    return 0;
  },
};

export default command;
