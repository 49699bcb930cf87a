/**
 * npm-test size: 8 kills (SDP_LONG_TESTS=1 or SDP_KILLS=N: 20 or N). Each start is a new `sdp local`
 * process (about 4-5 s under load), so 21 starts took ~100 s. 8 kills still cover both kill point
 * classes, asserted below (kills scheduled while starting, i.e. during recovery of the previous
 * kill's leftovers, and kills while serving both doors), and any lost answered event, failed start
 * or dead letter fails the same assertions; the long form only adds more random kill moments.
 *
 * `sdp local` killed with SIGKILL at random moments (while starting, while serving signed
 * traffic) and started again on the same data dir, many times (20 in the long form): every start works, and
 * every event that was answered 200 ends up in the lake (its raw copy) and in the hot store.
 *
 * The kill points come from a seeded generator (SDP_KILL_SEED, default below), so a failing run
 * can be replayed. Deliveries that got no answer (the process died under them) or a 503 are sent
 * again on the next start, as Shopify retries a delivery.
 */
import { seededPrng } from "../../functions/kernel/prng";
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { repositoryRoot } from "../../local/functions";
import type { ReadyInfo } from "../../local/platform";
import { orderPayload } from "./support";
import { awsClients, partnerEnvelopeText, shopifySignature, tempDataDir } from "../support";

const KILLS = Number(process.env.SDP_KILLS ?? (process.env.SDP_LONG_TESTS === "1" ? 20 : 8));
const SEED = Number(process.env.SDP_KILL_SEED ?? 20261201);

jest.setTimeout(420_000);

// bin/sdp runs the CLI in its own process on Node 22 (it hands over to node_modules' Node 22 when
// started by an older one, which would put a launcher between us and the pid we kill).
const node22 = path.join(repositoryRoot, "node_modules", "node", "bin", "node");
const nodeBinary = Number(process.versions.node.split(".")[0]) >= 22 || !fs.existsSync(node22) ? process.execPath : node22;
const sdpBin = path.join(repositoryRoot, "bin", "sdp");

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

interface Run {
  readonly child: ChildProcess;
  /** Resolves with the ready info, or undefined if the process ended first. */
  readonly ready: Promise<ReadyInfo | undefined>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: () => string;
}

const startSdp = (dataDir: string): Run => {
  const child = spawn(nodeBinary, [sdpBin, "local", "--port", "0", "--data-dir", dataDir], {
    cwd: repositoryRoot,
    env: { ...process.env, SDP_LAST_RUN_FILE: path.join(dataDir, "..", `${path.basename(dataDir)}-last-run.json`) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const ready = new Promise<ReadyInfo | undefined>((resolve) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      const before = stdout;
      stdout += chunk.toString("utf8");
      if (!before.includes("\n") && stdout.includes("\n")) resolve(JSON.parse(stdout.slice(0, stdout.indexOf("\n"))) as ReadyInfo);
    });
    void exit.then(() => resolve(undefined));
  });
  return { child, ready, exit, stderr: () => stderr };
};

interface Delivery {
  readonly index: number;
  readonly door: "webhook" | "partner";
  readonly orderId: string;
  readonly webhookId: string;
}

type Outcome = "accepted" | { readonly retry: string } | { readonly unexpected: string };

const deliver = async (ingress: string, delivery: Delivery): Promise<Outcome> => {
  const payload = orderPayload({ id: delivery.orderId, updatedAt: "2026-01-31T10:00:00Z" });
  let response: Response;
  try {
    response =
      delivery.door === "webhook"
        ? await fetch(`${ingress}/webhooks/shopify`, {
            method: "POST",
            headers: {
              "Content-Type": "application/json",
              "X-Shopify-Topic": "orders/create",
              "X-Shopify-Webhook-Id": delivery.webhookId,
              "X-Shopify-Event-Id": `event-${delivery.webhookId}`,
              "X-Shopify-Shop-Domain": "acme-store.myshopify.com",
              "X-Shopify-API-Version": "2026-01",
              "X-Shopify-Triggered-At": "2026-01-31T10:00:00.000Z",
              "X-Shopify-Hmac-Sha256": shopifySignature(LOCAL_DEFAULT_WEBHOOK_SECRET, payload),
            },
            body: payload,
            signal: AbortSignal.timeout(15_000),
          })
        : await fetch(`${ingress}/events`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: partnerEnvelopeText({ id: `eb-${delivery.webhookId}`, topic: "orders/create", webhookId: delivery.webhookId, payloadText: payload }),
            signal: AbortSignal.timeout(15_000),
          });
  } catch {
    return { retry: "no answer" }; // killed under the request: the provider sends it again
  }
  const text = await response.text().catch(() => undefined);
  if (text === undefined) return { retry: "no answer" };
  if (response.status === 200) {
    const status = (JSON.parse(text) as { status?: string }).status;
    return status === "accepted" || status === "duplicate" ? "accepted" : { unexpected: `200 ${text}` };
  }
  if (response.status === 503 || response.status === 500) return { retry: String(response.status) };
  return { unexpected: `${response.status} ${text}` };
};

const scanAll = async (aws: ReturnType<typeof awsClients>, table: string) => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await aws.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("sdp local after SIGKILL at random moments", () => {
  it(`restarts every time on the same data dir (${KILLS} kills, seed ${SEED}) and keeps every event it answered 200`, async () => {
    const random = seededPrng(SEED);
    const dataDir = tempDataDir("kill");
    const accepted = new Set<number>();
    const unanswered: Delivery[] = [];
    const unexpected: string[] = [];
    const retried: Record<string, number> = {};
    const failedStarts: string[] = [];
    let nextIndex = 0;
    let sent = 0;
    let killsDuringStart = 0;
    let killsWhileServing = 0;
    let readyStarts = 0;
    let scheduledDuringStart = 0;
    const doorsUsed = new Set<string>();
    let quarantineLines = 0;
    /** What the starts quarantined, by top directory of the data dir (for the summary line). */
    const quarantinedKinds: Record<string, number> = {};
    const countQuarantine = (stderr: string) => {
      for (const line of stderr.split("\n").filter((entry) => entry.includes('"quarantined":[{'))) {
        quarantineLines++;
        for (const entry of (JSON.parse(line) as { quarantined: Array<{ file: string }> }).quarantined) {
          const kind = entry.file.split(path.sep)[0]!;
          quarantinedKinds[kind] = (quarantinedKinds[kind] ?? 0) + 1;
        }
      }
    };
    let startupEstimateMs = 0;
    const started = Date.now();

    const newDelivery = (): Delivery => {
      const index = nextIndex++;
      return { index, door: random() < 0.5 ? "webhook" : "partner", orderId: String(7_400_000_000_000_000 + index), webhookId: `kill-${index}` };
    };

    /** Sends until `stop()` says so: retries first, then new deliveries; `width` at a time. */
    const drive = async (ingress: string, isStopped: () => boolean, width: number, limit = Infinity) => {
      await Promise.all(
        Array.from({ length: width }, async () => {
          while (!isStopped() && sent < limit) {
            const delivery = unanswered.shift() ?? newDelivery();
            sent++;
            const outcome = await deliver(ingress, delivery);
            if (outcome === "accepted") {
              accepted.add(delivery.index);
              doorsUsed.add(delivery.door);
            } else if ("retry" in outcome) {
              retried[outcome.retry] = (retried[outcome.retry] ?? 0) + 1;
              unanswered.push(delivery);
            } else unexpected.push(`${delivery.webhookId}: ${outcome.unexpected}`);
          }
        }),
      );
    };

    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const spawnedAt = Date.now();
        const run = startSdp(dataDir);
        // A third of the kills land while the platform starts (recovering what the last kill left,
        // re-delivering its journal); the others while it serves traffic.
        // Kill 2 always lands in a start (the class is covered whatever the seed and kill count).
        const duringStart = kill > 0 && (random() < 0.35 || kill === 2);
        if (duringStart) scheduledDuringStart++;
        const killAfterReadyMs = 200 + Math.floor(random() * 2_300);
        const killDuringStartMs = Math.floor(random() * Math.max(200, startupEstimateMs * 0.9));
        let killed = false;
        const killNow = () => {
          if (!killed && run.child.exitCode === null && run.child.signalCode === null) {
            killed = true;
            run.child.kill("SIGKILL");
          }
        };
        let timer: NodeJS.Timeout | undefined;
        if (duringStart) timer = setTimeout(killNow, killDuringStartMs);
        const ready = await run.ready;
        if (ready) {
          readyStarts++;
          if (kill === 0) startupEstimateMs = Date.now() - spawnedAt;
          if (!duringStart) timer = setTimeout(killNow, killAfterReadyMs);
          await drive(ready.ingress, () => killed, 8);
        }
        const exit = await run.exit;
        clearTimeout(timer);
        if (!killed) failedStarts.push(`start ${kill + 1} exited by itself (${exit.code ?? exit.signal}):\n${run.stderr().slice(-3_000)}`);
        else if (ready) killsWhileServing++;
        else killsDuringStart++;
        countQuarantine(run.stderr());
        children.delete(run.child);
      }

      // The last start: it must come up, take the deliveries still unanswered, and drain.
      const final = startSdp(dataDir);
      const ready = await final.ready;
      if (!ready) throw new Error(`the start after the last kill failed:\n${final.stderr().slice(-3_000)}`);
      readyStarts++;
      for (let round = 0; round < 20 && unanswered.length > 0; round++) {
        const pending = unanswered.length;
        await drive(ready.ingress, () => unanswered.length === 0, 4, sent + pending);
        if (unanswered.length > 0) await sleep(500);
      }
      expect(unanswered).toEqual([]);
      for (let polls = 0; ; polls++) {
        const health = (await (await fetch(`${ready.ingress}/health`)).json()) as { depth: number };
        if (health.depth === 0) break;
        if (polls > 600) throw new Error(`the journal did not drain: depth ${health.depth}`);
        await sleep(200);
      }
      countQuarantine(final.stderr());

      // Every event answered 200 is in the lake (raw copy) and in the hot store.
      const aws = awsClients(ready);
      let rawIds: Set<string>;
      let orderIds: Set<string>;
      try {
        rawIds = new Set((await aws.listKeys("raw/shopify/orders/")).map((key) => path.posix.basename(key, ".json")));
        orderIds = new Set((await scanAll(aws, ready.tables.orders!)).map((item) => String(item.id)));
      } finally {
        aws.destroy();
      }
      const missingRaw = [...accepted].filter((index) => !rawIds.has(`kill-${index}`));
      const missingHot = [...accepted].filter((index) => !orderIds.has(`gid://shopify/Order/${7_400_000_000_000_000 + index}`));
      const deadLetters = fs.existsSync(path.join(dataDir, "dlq"))
        ? fs.readdirSync(path.join(dataDir, "dlq")).flatMap((file) =>
            fs
              .readFileSync(path.join(dataDir, "dlq", file), "utf8")
              .split("\n")
              .filter((line) => line.trim() !== ""),
          )
        : [];

      process.kill(ready.pid, "SIGTERM");
      const finalExit = await final.exit;

      console.log(
        JSON.stringify({
          seed: SEED,
          kills: killsDuringStart + killsWhileServing,
          killsDuringStart,
          killsWhileServing,
          startsThatFailed: failedStarts.length,
          startsReady: readyStarts,
          deliveriesSent: sent,
          distinctEvents: nextIndex,
          accepted: accepted.size,
          retried,
          missingRaw: missingRaw.length,
          missingHot: missingHot.length,
          deadLetters: deadLetters.length,
          quarantineLines,
          quarantinedKinds,
          seconds: Math.round((Date.now() - started) / 1000),
        }),
      );
      expect(failedStarts).toEqual([]);
      expect(killsDuringStart + killsWhileServing).toBe(KILLS);
      // Both kill point classes: some kills were aimed at a start, some landed while serving.
      expect(scheduledDuringStart).toBeGreaterThan(0);
      expect(killsWhileServing).toBeGreaterThan(0);
      expect([...doorsUsed].sort()).toEqual(["partner", "webhook"]);
      expect(unexpected).toEqual([]);
      expect(accepted.size).toBeGreaterThan(0);
      expect(missingRaw).toEqual([]);
      expect(missingHot).toEqual([]);
      expect(deadLetters).toEqual([]);
      expect(finalExit.code).toBe(0);
    } finally {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(path.join(dataDir, "..", `${path.basename(dataDir)}-last-run.json`), { force: true });
    }
  });
});
