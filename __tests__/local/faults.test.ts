/**
 * `sdp local --faults` as a user runs it: a real child process whose S3, DynamoDB, EventBridge,
 * SNS and SQS calls fail at random (10% here: an in-progress claim lasts the function's 30 s
 * timeout in real time, so a higher rate mostly makes the test wait), a few hundred signed deliveries through the real HTTP doors
 * (providers retry a non-2xx answer, honouring Retry-After, a bounded number of times), the
 * local queues retrying up to 5 receives and then dead-lettering, and the operator redriving the
 * DLQ until it is empty (bounded). Nothing accepted may be lost or doubled: raw objects, hot rows
 * and alerts are what the traffic says they must be.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { locateLake, scanHotStores } from "../../local/lake-views";
import { tableKeys, type TableKey } from "../../contracts/tables";
import { countRawObjects, deadLetters } from "../../demo/inspect";
import { stripeSignature, webhookSecretsFrom } from "../../demo/signing";
import { defaultDayStart, generateTraffic, type Delivery } from "../../demo/traffic";
import { verifyHotStores } from "../../demo/verify";
import { readAlerts } from "../../local/alerts";
import { repositoryRoot } from "../../local/functions";
import type { PlatformCounters, ReadyInfo } from "../../local/platform";
import { runSdp } from "../cli/support";
import { tempDataDir } from "../support";

const tsxCli = path.join(repositoryRoot, "node_modules", "tsx", "dist", "cli.mjs");
const mainTs = path.join(repositoryRoot, "cli", "main.ts");

test("a bad --faults spec is a usage error (exit 2) saying what to fix", async () => {
  const run = await runSdp(["local", "--faults", "s3=0.3,s4=0.1"]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/--faults: unknown service "s4": use s3, dynamodb, eventbridge, sns, sqs or all/);
  const rate = await runSdp(["local", "--faults", "dynamodb=1.5"]);
  expect(rate.code).toBe(2);
  expect(rate.stderr).toMatch(/--faults: the rate of dynamodb must be from 0 to 1/);
});

describe("sdp local --faults all=0.1", () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  let dataDir: string;
  let ready: ReadyInfo;
  let stderr = "";

  beforeAll(async () => {
    dataDir = tempDataDir("faults");
    child = spawn(process.execPath, [tsxCli, mainTs, "local", "--port", "0", "--data-dir", dataDir, "--faults", "all=0.1,seed=42"], {
      cwd: repositoryRoot,
      env: { ...process.env },
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    ready = await new Promise<ReadyInfo>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => reject(new Error(`sdp local did not become ready; stderr:\n${stderr}`)), 60_000);
      child!.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        const line = stdout.split("\n").find((candidate) => candidate.startsWith("{"));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as ReadyInfo);
        }
      });
      child!.on("exit", (code) => reject(new Error(`sdp local exited (${code}); stderr:\n${stderr}`)));
    });
  }, 70_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.on("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const status = async (): Promise<PlatformCounters> => (await (await fetch(new URL("/status", ready.ingress))).json()) as PlatformCounters;
  const depth = async (): Promise<number> => ((await (await fetch(new URL("/health", ready.ingress))).json()) as { depth: number }).depth;
  const drain = async (limitMs: number) => {
    const until = Date.now() + limitMs;
    while ((await depth()) > 0) {
      if (Date.now() > until) throw new Error(`queues did not drain in ${limitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  test("a few hundred deliveries with 10% faults: nothing lost, nothing doubled, retries bounded and counted", async () => {
    expect(stderr).toMatch(/fault injection on/);
    const secrets = webhookSecretsFrom({});
    const traffic = generateTraffic({ dayStart: defaultDayStart(), secrets, orders: 30 });
    const started = Date.now();
    const lap = (what: string) => process.stdout.write(`${what} after ${Math.round((Date.now() - started) / 1000)} s\n`);
    // Bounded, as every provider bounds its retries (Stripe keeps trying for 3 days).
    const MAX_ATTEMPTS = 20;
    const attempts = new Map<Delivery, number>();
    const exhausted: string[] = [];
    const answers: Record<string, number> = {};
    const deliver = async (delivery: Delivery, firstAnswered: () => void) => {
      for (let attempt = 1; ; attempt += 1, firstAnswered()) {
        attempts.set(delivery, attempt);
        const headers =
          delivery.door === "stripe" && delivery.kind !== "forged"
            ? { ...delivery.headers, "Stripe-Signature": stripeSignature(secrets.stripe, delivery.body, Math.floor(Date.now() / 1000)) }
            : delivery.headers;
        const response = await fetch(new URL(delivery.path, ready.ingress), { method: "POST", headers, body: delivery.body });
        const text = await response.text();
        const label = `${response.status} ${response.headers.get("retry-after") ?? ""} ${text.slice(0, 60)}`;
        answers[label] = (answers[label] ?? 0) + 1;
        if ((response.status >= 200 && response.status < 300) || delivery.kind === "forged") return firstAnswered();
        if (attempt >= MAX_ATTEMPTS) {
          exhausted.push(`${delivery.door} ${delivery.topic}: ${response.status} ${text}`);
          return firstAnswered();
        }
        // Providers back off; an in-progress claim says when it lapses (Retry-After: at most the function timeout).
        const retryAfterSeconds = Number(response.headers.get("retry-after") ?? "0");
        await new Promise((resolve) => setTimeout(resolve, Math.max(500 * attempt, Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : 0)));
      }
    };
    const waves = [...new Set(traffic.deliveries.map((delivery) => delivery.wave))].sort((a, b) => a - b);
    // A wave goes out once the previous one has had its first answers; retries go on meanwhile.
    const settled: Array<Promise<void>> = [];
    for (const wave of waves) {
      const firsts: Array<Promise<void>> = [];
      for (const delivery of traffic.deliveries.filter((candidate) => candidate.wave === wave)) {
        let answered!: () => void;
        firsts.push(new Promise<void>((resolve) => (answered = resolve)));
        settled.push(deliver(delivery, answered));
      }
      await Promise.all(firsts);
    }
    await Promise.all(settled);
    lap(`deliveries answered ${JSON.stringify(answers)} ${JSON.stringify([...attempts.values()].reduce<Record<number, number>>((h, n) => ((h[n] = (h[n] ?? 0) + 1), h), {}))}`);
    if (process.env.SDP_FAULTS_STDERR) fs.writeFileSync(process.env.SDP_FAULTS_STDERR, stderr);
    expect(exhausted).toEqual([]);

    // The queues retry (5 receives, then the local DLQ); the operator redrives until it is empty.
    await drain(120_000);
    lap("queues drained");
    let redrives = 0;
    for (; Object.keys(deadLetters(dataDir)).length > 0 && redrives < 10; redrives += 1) {
      const response = await fetch(new URL("/dlq/redrive", ready.ingress), { method: "POST", body: "{}" });
      expect(response.status).toBe(200);
      await drain(120_000);
    }
    expect(deadLetters(dataDir)).toEqual({});
    lap(`dead letters redriven (${redrives} redrives)`);

    const counters = await status();
    const lake = locateLake(dataDir);
    expect(countRawObjects(lake)).toBe(traffic.expectations.uniqueEvents);
    const items = await scanHotStores(
      lake,
      tableKeys.filter((key) => key !== "idempotency" && key !== "leases"),
    );
    const verification = verifyHotStores(traffic.expectations, items as Partial<Record<TableKey, Record<string, unknown>[]>>);
    expect(verification.mismatches).toEqual([]);
    expect(verification.checks.filter((check) => !check.ok)).toEqual([]);
    const alerts = readAlerts(path.join(dataDir, "alerts.jsonl"));
    expect(new Set(alerts.map((alert) => alert.dedupKey)).size).toBe(alerts.length);
    expect(alerts.length).toBeGreaterThan(0);

    // Faults were injected and retried, and the counts say so.
    expect(counters.faults?.injected).toBeGreaterThan(50);
    expect(counters.metrics.FaultInjected).toBe(counters.faults?.injected);
    expect(counters.metrics.Retried).toBeGreaterThan(0);
    const providerRetries = [...attempts.values()].reduce((sum, count) => sum + count - 1, 0);
    expect(providerRetries).toBeGreaterThan(0);
    process.stdout.write(
      `${JSON.stringify({
        deliveries: traffic.deliveries.length,
        distinctEvents: traffic.expectations.uniqueEvents,
        faultsInjected: counters.faults?.injected,
        faultsByService: Object.fromEntries(Object.entries(counters.faults?.services ?? {}).map(([service, counts]) => [service, counts])),
        providerRetries,
        maxProviderAttempts: Math.max(...attempts.values()),
        inProcessRetries: counters.metrics.Retried,
        queueRetried: Object.values(counters.events.routes).reduce((sum, route) => sum + ((route as { retried?: number }).retried ?? 0), 0),
        redrives,
        alerts: alerts.length,
      })}\n`,
    );
  }, 420_000);
});
