/**
 * `sdp soak`: replays recorded traffic at a speed-up against a local platform for a while and
 * prints KPIs per interval.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { webhookSecretsFrom } from "../../demo/signing";
import { parseReplayLine } from "./replay";
import { printRunReport, problemsOf } from "./load";
import { runTraffic, type IntervalKpis, type TrafficItem } from "../load/run";
import { checkIngress, parseSeed, trafficOptions, usable } from "../load/options";
import { ms, parsePositive } from "../load/stats";
import { drillTraffic, recordedAt, requestIds } from "../load/traffic";

const help = `
Usage: sdp soak --duration <s> --speed <x> [--file <recorded.jsonl>] [--orders <n>] [--seed <n>]
                [--interval <s>] [--concurrency <n>] [--ingress <url>] [--keep-data] [--json]

Replays recorded traffic with its own timing, sped up --speed times, for at most --duration
seconds, and prints KPIs every --interval seconds: sent, accepted/s, answer p50/p99, events
into their hot row per second, end-to-end lag p50/p99, queue depth, dead letters, alerts,
failed answers and CPU ms per event. At the end the totals, as \`sdp load\` prints them.

The recording is a file of JSON lines as \`sdp replay\` takes them (captured webhooks
{"door","headers","body"} or partner-bus envelopes), or by default the demo's day of traffic
(--orders orders, about 8 deliveries each, with duplicates and forgeries). When each one
happened comes from the line's optional "at" (ISO time), an envelope's "time",
X-Shopify-Triggered-At, a Stripe event's "created", or the body's updated_at / created_at; lines
without any are spaced one second apart. A 5xx or no answer is retried (up to 10 times,
honouring Retry-After), as the providers retry. Stripe deliveries signed with the local secret are
re-signed when sent (a Stripe signature expires after 5 minutes).

It starts its own embedded platform on a fresh data dir unless --ingress names a running
\`sdp local\`. Traffic goes to 127.0.0.1 only.

Options:
  --duration <s>      how long to play (up to 86400)
  --speed <x>         recorded seconds per real second (default 1; 1440 plays a day in a minute)
  --file <path>       the recording (default: the demo's day)
  --orders <n>        orders in the demo's day (default 36)
  --seed <n>          demo day seed (default: from the clock)
  --interval <s>      seconds between KPI lines (default 10)
  --concurrency <n>   requests in flight (default 16)
  --ingress <url>     a running sdp local (loopback only)
  --keep-data         keep the embedded platform's data dir
  --json              print the intervals and totals as JSON at the end

Exit status: 0 when every delivery was answered (401s for forgeries are counted, not fatal),
every accepted event reached its hot row and nothing was dead-lettered; 1 otherwise; 2 for bad usage.

Example:
  npx sdp soak --duration 60 --speed 1440 --interval 5
  npx tsx demo/write-replay.ts --orders 200 > /tmp/day.jsonl && npx sdp soak --file /tmp/day.jsonl --duration 300 --speed 288
`;

const row = (kpis: IntervalKpis) =>
  [
    `${String(kpis.atS).padStart(6)} s`,
    `sent ${String(kpis.sent).padStart(5)}`,
    `accepted ${String(kpis.acceptedPerSecond).padStart(6)}/s`,
    `answer p50 ${ms(kpis.answerP50Ms).padStart(7)} p99 ${ms(kpis.answerP99Ms).padStart(7)}`,
    `hot rows ${String(kpis.settledPerSecond).padStart(6)}/s`,
    `lag p50 ${ms(kpis.lagP50Ms).padStart(7)} p99 ${ms(kpis.lagP99Ms).padStart(7)}`,
    `depth ${kpis.depth}`,
    `dlq ${kpis.deadLetters}`,
    `alerts ${kpis.alerts}`,
    `failed ${kpis.failures}`,
    ...(kpis.cpuMsPerEvent !== undefined ? [`cpu ${kpis.cpuMsPerEvent} ms/event`] : []),
  ].join("  ");

const command: Command = {
  summary: "Replay recorded traffic at a speed-up for a while and print KPIs per interval",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, {
      duration: { type: "string" },
      speed: { type: "string" },
      file: { type: "string" },
      orders: { type: "string" },
      interval: { type: "string" },
      ...trafficOptions,
    });
    if (values.duration === undefined) throw new UsageError("give --duration <s> (and --speed <x>), e.g. --duration 60 --speed 1440");
    const duration = usable(parsePositive(values.duration, "--duration", { max: 86_400, fallback: 0 }));
    const speed = usable(parsePositive(values.speed, "--speed", { max: 1_000_000, fallback: 1 }));
    const interval = usable(parsePositive(values.interval, "--interval", { max: 3600, fallback: 10 }));
    const concurrency = usable(parsePositive(values.concurrency, "--concurrency", { max: 256, integer: true, fallback: 16 }));
    const orders = usable(parsePositive(values.orders, "--orders", { max: 20_000, integer: true, fallback: 36 }));
    const seed = parseSeed(values.seed);
    checkIngress(values.ingress);

    // The recording, with when each request happened.
    const recorded: Array<{ item: TrafficItem; at?: number }> = [];
    if (values.file !== undefined) {
      const file = path.resolve(io.cwd, values.file);
      if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
      let lineNumber = 0;
      for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        lineNumber++;
        const parsed = parseReplayLine(line);
        if (parsed.ok === "blank") continue;
        if (!parsed.ok) {
          io.stderr.write(`sdp soak: line ${lineNumber} skipped: ${parsed.reason}\n`);
          continue;
        }
        let at: unknown;
        try {
          at = (JSON.parse(line) as { at?: unknown }).at;
        } catch {
          at = undefined;
        }
        const request = parsed.request;
        recorded.push({ item: { ...request, ids: requestIds(request) }, at: recordedAt(request, at) });
      }
      if (recorded.length === 0) throw new UsageError(`${file} holds no deliveries`);
    } else {
      const traffic = drillTraffic({ orders, seed, env: io.env });
      for (const delivery of traffic.deliveries)
        recorded.push({ item: { path: delivery.path, headers: delivery.headers, body: delivery.body, ids: requestIds(delivery) }, at: recordedAt(delivery) });
    }
    // Lines without a time: one second after the one before.
    let previous: number | undefined;
    const timed = recorded.map(({ item, at }, index) => {
      const when = at ?? (previous !== undefined ? previous + 1000 : index * 1000);
      previous = when;
      return { item, when, index };
    });
    timed.sort((a, b) => a.when - b.when || a.index - b.index);
    const start = timed[0]!.when;
    const windowMs = duration * 1000;
    const playable = timed.map((entry) => ({ ...entry, offset: (entry.when - start) / speed })).filter((entry) => entry.offset <= windowMs);
    const recordingSeconds = (timed[timed.length - 1]!.when - start) / 1000;
    if (!values.json) {
      io.stderr.write(
        `sdp soak: ${playable.length} of ${timed.length} recorded deliveries (${Math.round(recordingSeconds)} s of recording at ${speed}x = ${Math.round(recordingSeconds / speed)} s; playing at most ${duration} s)${values.ingress ? ` to ${values.ingress}` : " to an embedded platform"}\n`,
      );
    }
    const report = await runTraffic({
      items: playable.map((entry) => entry.item),
      offsetsMs: playable.map((entry) => entry.offset),
      ratePerSecond: Infinity,
      concurrency,
      maxSendMs: windowMs + 30_000,
      drainTimeoutMs: 60_000,
      ...(values.ingress !== undefined ? { ingress: values.ingress } : {}),
      env: io.env,
      profile: false,
      keepData: values["keep-data"] === true,
      label: "soak",
      stripeSecret: webhookSecretsFrom(io.env).stripe,
      // As the providers do: a 5xx or no answer is sent again (honouring Retry-After).
      retry: { maxAttempts: 10, baseMs: 200, maxMs: 5_000 },
      intervalMs: interval * 1000,
      onInterval: (kpis) => (values.json ? undefined : io.stdout.write(`${row(kpis)}\n`)),
    });
    // Forgeries' 401s are expected in recorded traffic; everything else counts.
    const problems = problemsOf({ ...report, answers: Object.fromEntries(Object.entries(report.answers).filter(([key]) => key !== "401")) });
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ speed, durationS: duration, recorded: timed.length, played: playable.length, recordingSeconds, ...report, ok: problems.length === 0, problems }, null, 2)}\n`,
      );
    } else {
      io.stdout.write("totals:\n");
      printRunReport(report, (line) => io.stdout.write(`  ${line}\n`));
    }
    if (problems.length > 0) throw new CommandFailed(problems.join("; "));
    return 0;
  },
};

export default command;
