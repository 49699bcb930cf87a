/**
 * local/door-first.ts: while a door request is being answered, processing across all queues is
 * held to the gate's limit; once the doors are idle every queue runs at its own concurrency again,
 * and every message accepted is processed (none dropped, order within a queue kept).
 */
import * as path from "node:path";
import { DoorFirstGate, doorRoute } from "../../local/door-first";
import { LocalQueue, type ConsumerResult } from "../../local/queues";
import { tempDataDir } from "../support";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Two queues behind one gate; each message waits until the test releases it. */
const setup = (whileDoorsBusy: number) => {
  const gate = new DoorFirstGate(whileDoorsBusy, 60_000);
  const dir = tempDataDir("door-first");
  const running = new Set<string>();
  const processed: string[] = [];
  let peak = 0;
  const releases = new Map<string, () => void>();
  const consumer = async (body: string): Promise<ConsumerResult> => {
    running.add(body);
    peak = Math.max(peak, running.size);
    await new Promise<void>((resolve) => releases.set(body, resolve));
    running.delete(body);
    processed.push(body);
    return { kind: "ok" };
  };
  const queue = (name: string) => new LocalQueue<string>({ name, consumer, journalDir: path.join(dir, name), dlqFile: path.join(dir, `${name}.dlq`), concurrency: 4, gate });
  const releaseAll = async () => {
    while (releases.size > 0 || running.size > 0) {
      for (const [body, release] of [...releases]) {
        releases.delete(body);
        release();
      }
      await tick();
    }
  };
  return { gate, queues: [queue("a"), queue("b")], running, processed, peak: () => peak, releaseAll };
};

describe("DoorFirstGate", () => {
  it("holds processing to its limit across queues while a door is busy, and lifts it when the doors are idle", async () => {
    const { gate, queues, running, processed, peak, releaseAll } = setup(1);
    gate.doorStarted();
    for (let index = 0; index < 5; index++) for (const queue of queues) await queue.send(`${queue.name}-${index}`);
    await tick();
    expect(running.size).toBe(1);
    gate.doorFinished();
    await tick();
    // Both queues at their own concurrency of 4 now.
    expect(running.size).toBe(8);
    await releaseAll();
    expect(peak()).toBe(8);
    expect(processed.sort()).toEqual([0, 1, 2, 3, 4].flatMap((index) => [`a-${index}`, `b-${index}`]).sort());
    expect(processed.filter((body) => body.startsWith("a")).length).toBe(5);
    await Promise.all(queues.map((queue) => queue.close()));
  });

  it("keeps processing going while doors stay busy (the limit, not a stop), so a long burst cannot starve the queues", async () => {
    const { gate, queues, running, processed, peak, releaseAll } = setup(2);
    gate.doorStarted();
    for (let index = 0; index < 6; index++) await queues[index % 2]!.send(`m-${index}`);
    await tick();
    expect(running.size).toBe(2);
    await releaseAll();
    expect(peak()).toBe(2);
    expect(processed.length).toBe(6);
    gate.doorFinished();
    await Promise.all(queues.map((queue) => queue.close()));
  });

  it("doorRoute counts a request as door work until it is answered, also when its handler fails", async () => {
    const gate = new DoorFirstGate(0);
    let release!: () => void;
    const route = doorRoute(gate, { method: "POST", path: "/x", handle: (_request: unknown) => new Promise<string>((resolve) => (release = () => resolve("ok"))) });
    const failing = doorRoute(gate, { method: "POST", path: "/y", handle: (_request: unknown) => Promise.reject(new Error("boom")) });
    const retried: string[] = [];
    const answer = route.handle(undefined as never);
    expect(gate.tryStart(() => void retried.push("woken"))).toBe(false);
    await expect(failing.handle(undefined as never)).rejects.toThrow("boom");
    expect(retried).toEqual([]);
    release();
    await expect(answer).resolves.toBe("ok");
    expect(retried).toEqual(["woken"]);
    expect(gate.tryStart(() => undefined)).not.toBe(false);
  });

  it("a message running past slowAfterMs stops counting, so a hung processor does not hold the other queues while doors are busy", async () => {
    const gate = new DoorFirstGate(1, 50);
    gate.doorStarted();
    const hung = gate.tryStart(() => undefined);
    expect(hung).not.toBe(false);
    const woken = new Promise<string>((resolve) => expect(gate.tryStart(() => resolve("woken"))).toBe(false));
    await expect(woken).resolves.toBe("woken");
    const next = gate.tryStart(() => undefined);
    expect(next).not.toBe(false);
    // The limit holds again for the fresh one.
    expect(gate.tryStart(() => undefined)).toBe(false);
    gate.finished(next as number);
    gate.finished(hung as number);
    gate.doorFinished();
  });
});
