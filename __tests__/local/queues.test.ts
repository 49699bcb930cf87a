import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalQueue, QueueClosed, readDeadLetters, type Consumer, type ConsumerResult } from "../../local/queues";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-queue-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const makeQueue = <T>(consumer: Consumer<T>, extra: Partial<ConstructorParameters<typeof LocalQueue<T>>[0]> = {}) =>
  new LocalQueue<T>({
    name: "test",
    consumer,
    journalDir: path.join(dir, "queues", "test"),
    dlqFile: path.join(dir, "dlq", "test.jsonl"),
    backoffBaseMs: 1,
    backoffMaxMs: 5,
    ...extra,
  });

const journalFiles = () => fs.readdirSync(path.join(dir, "queues", "test"));

describe("LocalQueue", () => {
  it("delivers every message once when the consumer succeeds, and drains to an empty journal", async () => {
    const seen: number[] = [];
    const queue = makeQueue<number>(async (body) => {
      seen.push(body);
      return { kind: "ok" };
    });
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => queue.send(n)));
    await queue.drain();
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(queue.counters).toEqual({ received: 6, delivered: 6, retried: 0, deadLettered: 0, invalid: 0 });
    expect(queue.depth).toBe(0);
    expect(journalFiles()).toEqual([]);
  });

  it("retries transient failures with backoff until they succeed", async () => {
    const attempts = new Map<string, number>();
    const queue = makeQueue<string>(async (body, { receiveCount }) => {
      attempts.set(body, receiveCount);
      return receiveCount < 3 ? { kind: "retry", reason: "Transient" } : { kind: "ok" };
    });
    await queue.send("a");
    await queue.drain();
    expect(attempts.get("a")).toBe(3);
    expect(queue.counters).toMatchObject({ delivered: 1, retried: 2, deadLettered: 0 });
  });

  it("dead-letters after maxReceiveCount failures, with the reason, and treats a throw as a failure", async () => {
    const queue = makeQueue<{ n: number }>(
      async () => {
        throw new Error("boom");
      },
      { maxReceiveCount: 3 },
    );
    await queue.send({ n: 1 });
    await queue.drain();
    const letters = readDeadLetters<{ n: number }>(path.join(dir, "dlq", "test.jsonl"));
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ queue: "test", receiveCount: 3, body: { n: 1 } });
    expect(letters[0]!.reason).toContain("boom");
    expect(queue.counters).toMatchObject({ delivered: 0, retried: 2, deadLettered: 1, invalid: 0 });
    expect(journalFiles()).toEqual([]);
  });

  it("sends invalid payloads straight to the DLQ without a retry", async () => {
    let calls = 0;
    const queue = makeQueue<string>(async () => {
      calls++;
      return { kind: "invalid", reason: "InvalidPayload: missing id" };
    });
    await queue.send("x");
    await queue.drain();
    expect(calls).toBe(1);
    expect(queue.counters).toMatchObject({ deadLettered: 1, invalid: 1, retried: 0 });
    expect(readDeadLetters(path.join(dir, "dlq", "test.jsonl"))[0]).toMatchObject({ reason: "InvalidPayload: missing id", receiveCount: 1 });
  });

  it("keeps an accepted message in the journal until processed, and a new queue recovers it", async () => {
    let release!: (result: ConsumerResult) => void;
    const stuck = makeQueue<string>(() => new Promise<ConsumerResult>((resolve) => (release = resolve)));
    await stuck.send("survivor");
    expect(journalFiles()).toHaveLength(1);

    // A second process on the same data dir (after a crash) re-delivers the journaled message.
    const seen: string[] = [];
    const recovered = makeQueue<string>(async (body) => {
      seen.push(body);
      return { kind: "ok" };
    });
    expect(recovered.recover()).toBe(1);
    await recovered.drain();
    expect(seen).toEqual(["survivor"]);
    expect(journalFiles()).toEqual([]);
    release({ kind: "ok" });
    await stuck.drain();
  });

  it("moves a corrupt journal file aside instead of crashing or deleting it", () => {
    fs.mkdirSync(path.join(dir, "queues", "test"), { recursive: true });
    fs.writeFileSync(path.join(dir, "queues", "test", "torn.json"), "{not json");
    const queue = makeQueue<string>(async () => ({ kind: "ok" }));
    expect(queue.recover()).toBe(0);
    expect(journalFiles()).toEqual(["torn.json.corrupt"]);
  });

  it("fails a receive that exceeds the visibility timeout and retries it", async () => {
    let calls = 0;
    const queue = makeQueue<string>(
      ({}, { signal }) => {
        calls++;
        if (calls === 1) return new Promise((resolve) => signal.addEventListener("abort", () => resolve({ kind: "ok" })));
        return Promise.resolve({ kind: "ok" });
      },
      { visibilityTimeoutMs: 20 },
    );
    await queue.send("slow");
    await queue.drain();
    expect(calls).toBe(2);
    expect(queue.counters).toMatchObject({ retried: 1, delivered: 1 });
  });

  it("honours the concurrency limit", async () => {
    let active = 0;
    let peak = 0;
    const queue = makeQueue<number>(
      async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return { kind: "ok" };
      },
      { concurrency: 2 },
    );
    await Promise.all(Array.from({ length: 8 }, (_, n) => queue.send(n)));
    await queue.drain();
    expect(peak).toBe(2);
  });

  it("close() waits for accepted messages, then refuses new ones", async () => {
    const done: number[] = [];
    const queue = makeQueue<number>(async (body) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      done.push(body);
      return { kind: "ok" };
    });
    await queue.send(1);
    await queue.send(2);
    await queue.close();
    expect(done.sort()).toEqual([1, 2]);
    await expect(queue.send(3)).rejects.toBeInstanceOf(QueueClosed);
  });
});
