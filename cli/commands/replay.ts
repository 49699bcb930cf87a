/**
 * `sdp replay <file>`: re-sends captured webhooks (JSON lines) to a running `sdp local`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { createProgress } from "../progress";
import { chooseDataDir } from "../data-dir";
import { readRunningPlatform } from "../../local/platform";
import { answerLabel, forEachLimited, postDelivery, type OutgoingRequest } from "../../demo/send";

const help = `
Usage: sdp replay <file.jsonl> [--ingress <url>] [--data-dir <dir>] [--concurrency <n>] [--json]

Sends a file of captured deliveries to a running \`sdp local\` (or \`sdp demo\`) and counts the
answers per status. One JSON document per line, either
  a captured webhook:   {"door":"shopify"|"recharge"|"stripe","headers":{...},"body":"<raw body>"}
                        (the body exactly as received: signatures cover its bytes)
  or an EventBridge envelope as Shopify's partner bus delivers it:
                        {"version":"0","id":"...","detail-type":"shopifyWebhook","source":"aws.partner/shopify.com/...",
                         "detail":{"payload":{...},"metadata":{"X-Shopify-Topic":"orders/create",...}}}
Blank lines are ignored; a line that is neither is reported with its number and skipped.

Options:
  --ingress <url>     where to send (default: the ingress of the platform running on the data dir)
  --data-dir <dir>    data dir of the running platform (default: the most recent run)
  --concurrency <n>   requests in flight (default 4; 1 keeps the file's order exactly)
  --json              print the counts as JSON

Exit status: 0 when every delivery got an answer (rejections such as 401 are counted, not
fatal), 1 when some got none or a server error, 2 for bad usage.

Example:
  npx sdp local &
  npx tsx demo/write-replay.ts > /tmp/day.jsonl   # the demo's day of traffic, signed
  npx sdp replay /tmp/day.jsonl
`;

type ParsedLine = { readonly ok: true; readonly request: OutgoingRequest } | { readonly ok: false; readonly reason: string } | { readonly ok: "blank" };

const doors = new Set(["shopify", "recharge", "stripe"]);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Turns one line of a replay file into the request to send, or says why it cannot. */
export const parseReplayLine = (line: string): ParsedLine => {
  if (line.trim() === "") return { ok: "blank" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  if (!isObject(parsed)) return { ok: false, reason: "not a JSON object" };
  if ("door" in parsed) {
    const door = parsed.door;
    if (door === "events") {
      const body = typeof parsed.body === "string" ? parsed.body : isObject(parsed.body) ? JSON.stringify(parsed.body) : undefined;
      if (body === undefined) return { ok: false, reason: '"body" must be the envelope (an object or its JSON text)' };
      return { ok: true, request: { path: "/events", headers: { "content-type": "application/json" }, body } };
    }
    if (typeof door !== "string" || !doors.has(door)) return { ok: false, reason: `"door" must be shopify, recharge, stripe or events, got ${JSON.stringify(door)}` };
    if (typeof parsed.body !== "string") return { ok: false, reason: '"body" must be the raw body as a string (signatures cover its exact bytes)' };
    const headers = parsed.headers ?? {};
    if (!isObject(headers) || Object.values(headers).some((value) => typeof value !== "string")) {
      return { ok: false, reason: '"headers" must be an object of strings' };
    }
    return { ok: true, request: { path: `/webhooks/${door}`, headers: headers as Record<string, string>, body: parsed.body } };
  }
  if (typeof parsed["detail-type"] === "string" && typeof parsed.source === "string" && isObject(parsed.detail)) {
    return { ok: true, request: { path: "/events", headers: { "content-type": "application/json" }, body: line.trim() } };
  }
  return { ok: false, reason: 'neither a captured webhook (with "door", "headers", "body") nor an EventBridge envelope (with "source", "detail-type", "detail")' };
};

const resolveIngress = (given: string | undefined, dataDirFlag: string | undefined, io: Parameters<Command["run"]>[1]): string => {
  if (given !== undefined) {
    try {
      const url = new URL(given);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http");
      return url.toString();
    } catch {
      throw new UsageError(`--ingress must be an http(s) URL such as http://127.0.0.1:4010, got "${given}"`);
    }
  }
  const { dataDir } = chooseDataDir(dataDirFlag, io, "replay");
  const running = readRunningPlatform(dataDir);
  if (!running) throw new CommandFailed(`no platform is running on ${dataDir}: start one with \`npx sdp local\` or pass --ingress <url>`);
  return running.ingress;
};

const command: Command = {
  summary: "Re-send captured webhooks or EventBridge envelopes (JSON lines) to a running platform",
  help,
  run: async (argv, io) => {
    const { values, positionals } = parseOptions(
      argv,
      { ingress: { type: "string" }, "data-dir": { type: "string" }, concurrency: { type: "string" }, json: { type: "boolean" } },
      true,
    );
    if (positionals.length !== 1) throw new UsageError("give exactly one file of JSON lines to replay");
    const file = path.resolve(io.cwd, positionals[0]!);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
    const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new UsageError(`--concurrency must be a whole number from 1 to 64, got "${values.concurrency}"`);
    const ingress = resolveIngress(values.ingress, values["data-dir"], io);

    // Read and validate every line first: bad lines are reported once, with their numbers.
    const requests: Array<{ line: number; request: OutgoingRequest }> = [];
    const invalid: Array<{ line: number; reason: string }> = [];
    const lines = readline.createInterface({ input: fs.createReadStream(file, "utf8"), crlfDelay: Infinity });
    let lineNumber = 0;
    for await (const text of lines) {
      lineNumber++;
      const parsed = parseReplayLine(text);
      if (parsed.ok === "blank") continue;
      if (parsed.ok) requests.push({ line: lineNumber, request: parsed.request });
      else invalid.push({ line: lineNumber, reason: parsed.reason });
    }
    for (const bad of invalid) io.stderr.write(`sdp replay: line ${bad.line} skipped: ${bad.reason}\n`);

    const progress = createProgress(io.stderr, io.env, { quiet: values.json === true && !io.stderr.isTTY });
    const bar = progress.bar(`replaying ${path.basename(file)} to ${ingress}`, requests.length);
    const counts: Record<string, number> = {};
    const failures: Array<{ line: number; status: string; error?: string }> = [];
    await forEachLimited(requests, concurrency, async ({ line, request }) => {
      const answer = await postDelivery(ingress, request);
      const label = answerLabel(answer);
      counts[label] = (counts[label] ?? 0) + 1;
      if (answer.status === 0 || answer.status >= 400) failures.push({ line, status: label, ...(answer.error ? { error: answer.error } : {}) });
      bar.tick(1, label);
    });
    bar.done(`${requests.length} sent`);

    const unanswered = failures.filter((failure) => failure.status === "no answer" || Number(failure.status) >= 500);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ file, ingress, sent: requests.length, counts, invalidLines: invalid, failures: failures.sort((a, b) => a.line - b.line) }, null, 2)}\n`);
    } else {
      const summary = Object.entries(counts)
        .sort(([left], [right]) => left.localeCompare(right))
        .map(([label, count]) => `${label}: ${count}`)
        .join(", ");
      io.stdout.write(`${requests.length} sent (${summary || "nothing"})${invalid.length > 0 ? `; ${invalid.length} invalid line(s) skipped` : ""}\n`);
      for (const failure of failures.sort((a, b) => a.line - b.line).slice(0, 20)) {
        io.stdout.write(`  line ${failure.line}: ${failure.status}${failure.error ? ` (${failure.error})` : ""}\n`);
      }
      if (failures.length > 20) io.stdout.write(`  ... and ${failures.length - 20} more (use --json for all)\n`);
    }
    if (unanswered.length > 0) {
      throw new CommandFailed(`${unanswered.length} deliver${unanswered.length === 1 ? "y" : "ies"} got no answer or a server error; is the platform at ${ingress} up?`);
    }
    return 0;
  },
};

export default command;
