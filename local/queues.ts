/**
 * An in-process stand-in for the SQS queue (with its DLQ) in front of each processor.
 *
 * Semantics follow the AWS setup: at-least-once delivery; a failed receive becomes visible again
 * after an exponential backoff with full jitter; after `maxReceiveCount` receives the message moves
 * to the dead-letter queue; an `invalid` outcome (InvalidPayload) goes there at once.
 *
 * Durability: a message is written to `<journalDir>/<message-id>.json` before `send` resolves and
 * removed once it is processed or dead-lettered, so an accepted event survives a crash: the next
 * start on the same data dir re-delivers whatever the journal still holds. Dead letters are JSON
 * lines in `<dlqFile>`.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { DoorFirstGate } from "./door-first";

export type ConsumerResult =
  { readonly kind: "ok" } | { readonly kind: "retry"; readonly reason: string; readonly retryAfterMs?: number } | { readonly kind: "invalid"; readonly reason: string };

/** Processes one message body; must not throw (a throw counts as a retryable failure). */
export type Consumer<T> = (body: T, context: { readonly receiveCount: number; readonly signal: AbortSignal }) => Promise<ConsumerResult>;

export interface QueueCounters {
  /** Messages sent to the queue (including those recovered from the journal). */
  received: number;
  /** Messages processed successfully. */
  delivered: number;
  /** Receives that failed and were scheduled again. */
  retried: number;
  /** Messages moved to the dead-letter queue (after retries or at once for invalid payloads). */
  deadLettered: number;
  /** Of `deadLettered`: invalid payloads that were never retried. */
  invalid: number;
}

export interface QueueOptions<T> {
  readonly name: string;
  readonly consumer: Consumer<T>;
  readonly journalDir: string;
  readonly dlqFile: string;
  readonly maxReceiveCount?: number;
  readonly concurrency?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** A receive that takes longer fails (and is retried), like an expired visibility timeout. */
  readonly visibilityTimeoutMs?: number;
  readonly onDeadLetter?: (letter: DeadLetter<T>) => void;
  /** Called once per message when it leaves the queue (processed or dead-lettered). */
  readonly onSettled?: (body: T, outcome: "delivered" | "dead-lettered") => void;
  /** Shared by the platform's queues: processing yields to the doors (local/door-first.ts). */
  readonly gate?: DoorFirstGate;
}

interface StoredMessage<T> {
  readonly id: string;
  readonly body: T;
  readonly sentAt: string;
  receiveCount: number;
  lastError?: string;
}

export interface DeadLetter<T> {
  readonly queue: string;
  readonly messageId: string;
  readonly sentAt: string;
  readonly deadLetteredAt: string;
  readonly receiveCount: number;
  readonly reason: string;
  readonly body: T;
}

export class QueueClosed extends Error {
  readonly _tag = "QueueClosed";
}

export class LocalQueue<T> {
  readonly counters: QueueCounters = { received: 0, delivered: 0, retried: 0, deadLettered: 0, invalid: 0 };
  private readonly ready: StoredMessage<T>[] = [];
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  private inFlight = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly maxReceiveCount: number;
  private readonly concurrency: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly visibilityTimeoutMs: number;

  constructor(private readonly options: QueueOptions<T>) {
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    this.concurrency = options.concurrency ?? 4;
    this.backoffBaseMs = options.backoffBaseMs ?? 100;
    this.backoffMaxMs = options.backoffMaxMs ?? 2_000;
    this.visibilityTimeoutMs = options.visibilityTimeoutMs ?? 60_000;
    fs.mkdirSync(options.journalDir, { recursive: true });
    fs.mkdirSync(path.dirname(options.dlqFile), { recursive: true });
  }

  get name() {
    return this.options.name;
  }

  /** Messages waiting, scheduled for a retry, or being processed. */
  get depth() {
    return this.ready.length + this.delayed.size + this.inFlight;
  }

  /** Durably enqueues `body`; resolves once it is journaled. */
  async send(body: T): Promise<string> {
    if (this.closed) throw new QueueClosed(`queue ${this.options.name} is closed`);
    const message: StoredMessage<T> = { id: randomUUID(), body, sentAt: new Date().toISOString(), receiveCount: 0 };
    await this.writeJournal(message);
    this.counters.received++;
    this.ready.push(message);
    this.pump();
    return message.id;
  }

  /** Re-enqueues what a previous run left in the journal (accepted but not yet processed). */
  recover(): number {
    const files = fs.readdirSync(this.options.journalDir).filter((file) => file.endsWith(".json"));
    let recovered = 0;
    for (const file of files.sort()) {
      const full = path.join(this.options.journalDir, file);
      try {
        const message = JSON.parse(fs.readFileSync(full, "utf8")) as StoredMessage<T>;
        if (typeof message.id !== "string" || typeof message.receiveCount !== "number") throw new Error("not a journaled message");
        this.counters.received++;
        this.ready.push(message);
        recovered++;
      } catch {
        // A torn write from a crash: keep the bytes for inspection instead of deleting them.
        fs.renameSync(full, `${full}.corrupt`);
      }
    }
    this.pump();
    return recovered;
  }

  /** Resolves when nothing is waiting, scheduled or in flight. */
  drain(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops accepting new messages and waits for the ones accepted to finish. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private readonly pumpAgain = () => this.pump();

  private pump() {
    const gate = this.options.gate;
    while (this.inFlight < this.concurrency && this.ready.length > 0) {
      const started = gate ? gate.tryStart(this.pumpAgain) : 0;
      if (started === false) break;
      const message = this.ready.shift()!;
      this.inFlight++;
      void this.receive(message).finally(() => {
        this.inFlight--;
        gate?.finished(started);
        this.pump();
        this.notifyIfIdle();
      });
    }
    this.notifyIfIdle();
  }

  private notifyIfIdle() {
    if (this.depth !== 0) return;
    const waiters = this.idleWaiters.splice(0);
    for (const resolve of waiters) resolve();
  }

  private async receive(message: StoredMessage<T>): Promise<void> {
    try {
      await this.receiveOnce(message);
    } catch (error) {
      // The journal or DLQ file could not be written (disk full, permissions): keep the message
      // in memory and try again later rather than lose it.
      message.lastError = `local queue storage failed: ${(error as Error)?.message ?? String(error)}`;
      this.schedule(message, this.backoffMaxMs);
    }
  }

  private schedule(message: StoredMessage<T>, delay: number) {
    const timer = setTimeout(() => {
      this.delayed.delete(message.id);
      this.ready.push(message);
      this.pump();
    }, delay);
    this.delayed.set(message.id, timer);
  }

  private async receiveOnce(message: StoredMessage<T>): Promise<void> {
    message.receiveCount++;
    const result = await this.consume(message);
    if (result.kind === "ok") {
      this.counters.delivered++;
      await this.removeJournal(message);
      this.options.onSettled?.(message.body, "delivered");
      return;
    }
    message.lastError = result.reason;
    if (result.kind === "invalid") {
      this.counters.invalid++;
      await this.deadLetter(message, result.reason);
      return;
    }
    if (message.receiveCount >= this.maxReceiveCount) {
      await this.deadLetter(message, `${result.reason} (after ${message.receiveCount} receives)`);
      return;
    }
    this.counters.retried++;
    await this.writeJournal(message);
    this.schedule(message, Math.max(result.retryAfterMs ?? 0, this.backoff(message.receiveCount)));
  }

  private async consume(message: StoredMessage<T>): Promise<ConsumerResult> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ConsumerResult>((resolve) => {
      timer = setTimeout(() => {
        // Settle first: a consumer that reacts to the abort must not win the race.
        resolve({ kind: "retry", reason: `visibility timeout of ${this.visibilityTimeoutMs} ms expired` });
        controller.abort();
      }, this.visibilityTimeoutMs);
    });
    try {
      return await Promise.race([this.options.consumer(message.body, { receiveCount: message.receiveCount, signal: controller.signal }), timeout]);
    } catch (error) {
      return { kind: "retry", reason: `consumer threw: ${(error as Error)?.message ?? String(error)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Exponential backoff with full jitter, capped. */
  private backoff(receiveCount: number) {
    const ceiling = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (receiveCount - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async deadLetter(message: StoredMessage<T>, reason: string) {
    const letter: DeadLetter<T> = {
      queue: this.options.name,
      messageId: message.id,
      sentAt: message.sentAt,
      deadLetteredAt: new Date().toISOString(),
      receiveCount: message.receiveCount,
      reason,
      body: message.body,
    };
    await fs.promises.appendFile(this.options.dlqFile, `${JSON.stringify(letter)}\n`);
    this.counters.deadLettered++;
    await this.removeJournal(message);
    this.options.onDeadLetter?.(letter);
    this.options.onSettled?.(message.body, "dead-lettered");
  }

  private journalPath(message: StoredMessage<T>) {
    return path.join(this.options.journalDir, `${message.id}.json`);
  }

  // The journal's calls are synchronous: a message file is a few hundred bytes written to the page
  // cache (no fsync, as before), and three promise round trips through libuv's pool per message
  // cost the platform's thread more than the writes themselves. A failure still rejects the call.
  private async writeJournal(message: StoredMessage<T>) {
    // Write then rename, so a crash never leaves a half-written message behind.
    const target = this.journalPath(message);
    const temporary = `${target}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(message));
    fs.renameSync(temporary, target);
  }

  private async removeJournal(message: StoredMessage<T>) {
    fs.rmSync(this.journalPath(message), { force: true });
  }
}

/** Reads a dead-letter file (missing file = no dead letters). */
export const readDeadLetters = <T = unknown>(dlqFile: string): DeadLetter<T>[] => {
  if (!fs.existsSync(dlqFile)) return [];
  return fs
    .readFileSync(dlqFile, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as DeadLetter<T>);
};
