/**
 * The traffic sender of `sdp load`, `sdp soak` and `sdp drill`: a worker thread that posts
 * requests to an ingress on 127.0.0.1 at a fixed rate (open loop: request i is due at
 * start + i / rate, whatever the answers do), with at most `concurrency` in flight over
 * keep-alive connections. It runs in its own thread so that, with the platform embedded in the
 * main thread, the sender neither takes the platform's event loop nor counts as its CPU.
 *
 * Each request's answer is timed (`sentAt`, `answeredAt`: epoch milliseconds with fractions, the
 * same clock in every thread of the process). With `retry`, a 5xx or no answer is sent again
 * with exponential backoff (honouring Retry-After), as Shopify, Recharge and Stripe retry.
 * Stripe deliveries signed with `stripeSecret` are re-signed with the current time on each
 * attempt (a Stripe signature is good for 5 minutes); others (forgeries) are sent as they are.
 */
import { Worker } from "node:worker_threads";

export interface SendRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface SendPlan {
  /** http://127.0.0.1:<port> (or localhost / [::1]): the sender refuses any other host. */
  readonly ingress: string;
  readonly requests: ReadonlyArray<SendRequest>;
  /** Requests per second; Infinity sends as fast as `concurrency` allows. */
  readonly ratePerSecond: number;
  /** Instead of a rate: when each request is due, ms after the start (ascending). */
  readonly offsetsMs?: ReadonlyArray<number>;
  readonly concurrency: number;
  /** No request starts after this many ms (those left are reported as not sent). */
  readonly maxDurationMs: number;
  readonly retry?: { readonly maxAttempts: number; readonly baseMs: number; readonly maxMs: number };
  readonly stripeSecret?: string;
  /** Per-request timeout (default 15 s). */
  readonly timeoutMs?: number;
}

export interface SendResult {
  readonly index: number;
  readonly attempts: number;
  /** When it was due by the schedule, first sent, last sent and last answered (epoch ms). */
  readonly dueAt: number;
  readonly firstSentAt: number;
  readonly sentAt: number;
  readonly answeredAt: number;
  /** HTTP status of the last attempt; 0 = no answer; -1 = never sent (out of time or stopped). */
  readonly status: number;
  readonly outcome?: string;
  readonly error?: string;
}

export const isLoopback = (url: string) => {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "::1";
  } catch {
    return false;
  }
};

// Plain JavaScript: the worker does not load the TypeScript hooks.
const workerSource = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const http = require("node:http");
const crypto = require("node:crypto");
const plan = workerData;
const fs = require("node:fs");
const threadCpuMs = () => { try { const t = fs.readFileSync("/proc/thread-self/stat", "utf8"); const f = t.slice(t.lastIndexOf(")") + 2).split(" "); return (Number(f[11]) + Number(f[12])) * 10; } catch { return undefined; } };
const cpuAtStart = threadCpuMs();
const now = () => performance.timeOrigin + performance.now();
const url = new URL(plan.ingress);
const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency, maxFreeSockets: plan.concurrency });
const timeoutMs = plan.timeoutMs || 15000;
let stopped = false;
parentPort.on("message", (message) => { if (message && message.type === "stop") stopped = true; });

const resign = (request) => {
  if (!plan.stripeSecret || request.path !== "/webhooks/stripe") return request.headers;
  // Only what was signed with this secret is re-signed: a forgery stays a forgery.
  const given = Object.keys(request.headers).find((name) => name.toLowerCase() === "stripe-signature");
  const parts = Object.fromEntries(String(given ? request.headers[given] : "").split(",").map((part) => part.split("=")));
  if (!parts.t || !parts.v1 || crypto.createHmac("sha256", plan.stripeSecret).update(parts.t + "." + request.body, "utf8").digest("hex") !== parts.v1) return request.headers;
  const t = Math.floor(Date.now() / 1000);
  const v1 = crypto.createHmac("sha256", plan.stripeSecret).update(t + "." + request.body, "utf8").digest("hex");
  const headers = Object.assign({}, request.headers);
  for (const name of Object.keys(headers)) if (name.toLowerCase() === "stripe-signature") delete headers[name];
  headers["Stripe-Signature"] = "t=" + t + ",v1=" + v1;
  return headers;
};

const post = (request) => new Promise((resolve) => {
  const body = Buffer.from(request.body, "utf8");
  const headers = Object.assign({}, resign(request), { "content-length": String(body.length) });
  const req = http.request({ host: url.hostname, port: url.port, path: request.path, method: "POST", headers, agent, timeout: timeoutMs }, (res) => {
    const chunks = [];
    res.on("data", (chunk) => chunks.push(chunk));
    res.on("end", () => {
      let outcome, error;
      try { const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")); outcome = typeof parsed.status === "string" ? parsed.status : undefined; error = typeof parsed.error === "string" ? parsed.error : undefined; } catch {}
      resolve({ status: res.statusCode || 0, outcome, error, retryAfter: Number(res.headers["retry-after"]) });
    });
    res.on("error", (e) => resolve({ status: 0, error: e.code || e.message }));
  });
  req.on("timeout", () => req.destroy(new Error("timeout")));
  req.on("error", (e) => resolve({ status: 0, error: e.code || e.message }));
  req.end(body);
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const start = now();
const interval = Number.isFinite(plan.ratePerSecond) && plan.ratePerSecond > 0 ? 1000 / plan.ratePerSecond : 0;
const dueOf = (index) => start + (plan.offsetsMs ? plan.offsetsMs[index] : index * interval);
const pending = [];
let retrying = 0;
const flush = () => { parentPort.postMessage({ type: "results", results: pending.splice(0), retrying }); };
const flusher = setInterval(flush, 100);

let next = 0;
let inFlight = 0;
let wake;
const slotFree = () => new Promise((resolve) => { wake = resolve; });

const sendOne = async (index, dueAt) => {
  const request = plan.requests[index];
  let attempts = 0, firstSentAt = 0, sentAt = 0, answer;
  for (;;) {
    attempts++;
    sentAt = now();
    if (attempts === 1) firstSentAt = sentAt;
    answer = await post(request);
    const retryable = answer.status === 0 || answer.status >= 500;
    if (!retryable || !plan.retry || attempts >= plan.retry.maxAttempts || stopped) break;
    if (attempts === 1) retrying++;
    const backoff = Math.min(plan.retry.maxMs, plan.retry.baseMs * Math.pow(2, attempts - 1));
    const hinted = Number.isFinite(answer.retryAfter) && answer.retryAfter > 0 ? Math.min(plan.retry.maxMs, answer.retryAfter * 1000) : 0;
    await sleep(Math.max(hinted, backoff / 2 + Math.random() * backoff / 2));
  }
  if (attempts > 1) retrying--;
  pending.push({ index, attempts, dueAt, firstSentAt, sentAt, answeredAt: now(), status: answer.status, outcome: answer.outcome, error: answer.error });
};

(async () => {
  const running = new Set();
  while (next < plan.requests.length && !stopped) {
    const index = next;
    const dueAt = dueOf(index);
    const wait = dueAt - now();
    if (wait > 1) await sleep(wait);
    if (now() - start > plan.maxDurationMs || stopped) break;
    while (inFlight >= plan.concurrency) await slotFree();
    next++;
    inFlight++;
    const work = sendOne(index, dueAt).finally(() => { inFlight--; running.delete(work); if (wake) { const w = wake; wake = undefined; w(); } });
    running.add(work);
  }
  await Promise.all([...running]);
  const skippedAt = now();
  for (let index = next; index < plan.requests.length; index++) pending.push({ index, attempts: 0, dueAt: dueOf(index), firstSentAt: 0, sentAt: 0, answeredAt: skippedAt, status: -1 });
  clearInterval(flusher);
  flush();
  agent.destroy();
  const cpuAtEnd = threadCpuMs();
  parentPort.postMessage({ type: "done", cpuMs: cpuAtStart !== undefined && cpuAtEnd !== undefined ? cpuAtEnd - cpuAtStart : undefined });
})().catch((error) => { parentPort.postMessage({ type: "error", error: String(error && error.stack || error) }); });
`;

export interface SenderOutcome {
  /** One result per request, in index order. */
  readonly results: SendResult[];
  /** CPU time of the sender thread (Linux), ms. */
  readonly cpuMs?: number;
}

export interface RunningSender {
  /** Resolves when the last request is answered. */
  readonly done: Promise<SenderOutcome>;
  /** Stops starting requests (those in flight finish). */
  readonly stop: () => void;
  /** Requests that failed at least once and are not answered yet (as of the last report, ~100 ms). */
  readonly retrying: () => number;
}

/** Starts sending; `onResults` gets answers in batches as they come (every ~100 ms). */
export const startSender = (plan: SendPlan, onResults?: (results: ReadonlyArray<SendResult>) => void): RunningSender => {
  if (!isLoopback(plan.ingress)) throw new Error(`the load sender only sends to 127.0.0.1 (got ${plan.ingress})`);
  const worker = new Worker(workerSource, { eval: true, workerData: { ...plan, requests: plan.requests.map((r) => ({ path: r.path, headers: r.headers, body: r.body })) } });
  const results: SendResult[] = new Array(plan.requests.length);
  let retrying = 0;
  const done = new Promise<SenderOutcome>((resolve, reject) => {
    worker.on("message", (message: { type: string; results?: SendResult[]; error?: string; cpuMs?: number; retrying?: number }) => {
      if (message.type === "results") {
        retrying = message.retrying ?? 0;
        for (const result of message.results!) results[result.index] = result;
        if (message.results!.length > 0) onResults?.(message.results!);
      } else if (message.type === "done") {
        retrying = 0;
        void worker.terminate();
        resolve({ results, ...(message.cpuMs !== undefined ? { cpuMs: message.cpuMs } : {}) });
      } else if (message.type === "error") {
        void worker.terminate();
        reject(new Error(`load sender failed: ${message.error}`));
      }
    });
    worker.on("error", reject);
  });
  return { done, stop: () => worker.postMessage({ type: "stop" }), retrying: () => retrying };
};

/** Sends everything and waits for the answers. */
export const sendAll = (plan: SendPlan, onResults?: (results: ReadonlyArray<SendResult>) => void) => startSender(plan, onResults).done;
