/**
 * Redrive on the embedded platform: dead letters go back to the queue they came from, as SQS's
 * `start-message-move-task` returns DLQ messages to their source queue. Run it after the fix:
 * `sdp redrive` (or `POST /dlq/redrive` with `{}` or `{"route": "<route id>"}`).
 *
 * Crash-safe in the at-least-once sense: the DLQ file is first renamed to
 * `<route>.jsonl.redriving-<time>` (new dead letters start a fresh file meanwhile), every letter
 * in it is journaled in its queue, and only then is the renamed file deleted. A crash in between
 * leaves the renamed file, which the next redrive picks up again; a letter sent twice is
 * harmless, processors are idempotent. Letters of `dlq/functions.jsonl` (records a function
 * dead-lettered itself, with no queue) are left alone.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { BusEnvelope } from "../functions/kernel/function-shape";
import type { DeadLetter } from "./queues";
import type { LocalEventRouter } from "./router";

export class UnknownRoute extends Error {
  readonly _tag = "UnknownRoute";
}

export interface RedriveResult {
  /** Letters sent back, per route. */
  readonly redriven: Record<string, number>;
  /** Lines that were not dead letters of a known route (kept in `<route>.jsonl.unreadable`). */
  readonly unreadable: number;
}

const isLetter = (value: unknown): value is DeadLetter<BusEnvelope> =>
  typeof value === "object" && value !== null && typeof (value as DeadLetter<unknown>).queue === "string" && typeof (value as DeadLetter<unknown>).body === "object";

export const redriveDeadLetters = async (options: { readonly dataDir: string; readonly router: LocalEventRouter; readonly routeId?: string }): Promise<RedriveResult> => {
  const routes = options.router.routeIds;
  if (options.routeId !== undefined && !routes.includes(options.routeId)) {
    throw new UnknownRoute(`no route "${options.routeId}"; routes: ${routes.join(", ")}`);
  }
  const dlqDir = path.join(options.dataDir, "dlq");
  const redriven: Record<string, number> = {};
  let unreadable = 0;
  if (!fs.existsSync(dlqDir)) return { redriven, unreadable };
  for (const routeId of options.routeId !== undefined ? [options.routeId] : routes) {
    const file = path.join(dlqDir, `${routeId}.jsonl`);
    if (fs.existsSync(file)) fs.renameSync(file, `${file}.redriving-${Date.now()}`);
    const pending = fs
      .readdirSync(dlqDir)
      .filter((name) => name.startsWith(`${routeId}.jsonl.redriving-`))
      .sort()
      .map((name) => path.join(dlqDir, name));
    for (const moving of pending) {
      const bad: string[] = [];
      for (const line of fs.readFileSync(moving, "utf8").split("\n")) {
        if (line.trim() === "") continue;
        let letter: unknown;
        try {
          letter = JSON.parse(line);
        } catch {
          letter = undefined;
        }
        if (!isLetter(letter) || letter.queue !== routeId) {
          bad.push(line);
          continue;
        }
        await options.router.sendTo(routeId, letter.body);
        redriven[routeId] = (redriven[routeId] ?? 0) + 1;
      }
      if (bad.length > 0) {
        unreadable += bad.length;
        fs.appendFileSync(`${file}.unreadable`, `${bad.join("\n")}\n`);
      }
      fs.rmSync(moving, { force: true });
    }
  }
  return { redriven, unreadable };
};
