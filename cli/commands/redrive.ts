/**
 * `sdp redrive`: moves dead letters of the local platform back to their queues, after the fix.
 * The local counterpart of `aws sqs start-message-move-task` (docs/runbooks/replaying-events.md).
 */
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";
import { readRunningPlatform } from "../../local/platform";
import type { RedriveResult } from "../../local/redrive";
import { isLoopback } from "../load/sender";

const help = `
Usage: sdp redrive [--route <route id>] [--ingress <url> | --data-dir <dir>] [--json]

Sends the dead letters of a running \`sdp local\` (<data-dir>/dlq/<route>.jsonl) back to the
queue they came from, where the processor takes them again: run it once the cause is fixed
(a letter that fails again goes back to the DLQ). Without --route every route's DLQ is
redriven. Processors are idempotent, so a letter redriven twice is stored once. Letters a
function dead-lettered itself (dlq/functions.jsonl) have no queue and are left alone.

Options:
  --route <id>       one route (ids in contracts/events.ts: shopify-partner-orders, ..., recharge, stripe)
  --ingress <url>    the platform's ingress (default: the platform running on the data dir)
  --data-dir <dir>   data dir of the running platform (default: the most recent run)
  --json             print the counts as JSON

Exit status: 0 when the redrive was done, 1 when the platform could not do it, 2 for bad usage.

Example:
  npx sdp status                    # dead letters per route
  npx sdp redrive --route stripe
`;

export const redriveThrough = async (ingress: string, route?: string): Promise<RedriveResult> => {
  let response: Response;
  try {
    response = await fetch(new URL("/dlq/redrive", ingress), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(route === undefined ? {} : { route }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error) {
    throw new CommandFailed(`no answer from ${ingress}: ${(error as Error).message}; is sdp local running?`);
  }
  const body = (await response.json().catch(() => ({}))) as RedriveResult & { error?: string };
  if (response.status === 404 && body.error) throw new UsageError(body.error);
  if (!response.ok) throw new CommandFailed(`the platform could not redrive: ${body.error ?? response.status}`);
  return body;
};

const command: Command = {
  summary: "Move the local platform's dead letters back to their queues (after the fix)",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, { route: { type: "string" }, ingress: { type: "string" }, "data-dir": { type: "string" }, json: { type: "boolean" } });
    let ingress = values.ingress;
    if (ingress !== undefined && !isLoopback(ingress)) throw new UsageError(`--ingress must be the local platform, e.g. http://127.0.0.1:4010, got "${ingress}"`);
    if (ingress === undefined) {
      const { dataDir } = chooseDataDir(values["data-dir"], io, "redrive");
      const running = readRunningPlatform(dataDir);
      if (!running) throw new CommandFailed(`no platform is running on ${dataDir}: start it with \`npx sdp local\` (the DLQ files stay until then)`);
      ingress = running.ingress;
    }
    const result = await redriveThrough(ingress, values.route);
    if (values.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      const parts = Object.entries(result.redriven).map(([route, count]) => `${route}: ${count}`);
      io.stdout.write(
        `${parts.length === 0 ? "no dead letters to redrive" : `redriven ${parts.join(", ")}`}${result.unreadable > 0 ? `; ${result.unreadable} unreadable line(s) kept in dlq/*.unreadable` : ""}\n`,
      );
    }
    return 0;
  },
};

export default command;
