/**
 * Alerts on the embedded platform: instead of SNS, each alert is appended as a JSON line to
 * `<data-dir>/alerts.jsonl`. Like the AWS path, an alert is published once per `dedupKey`, even
 * across restarts (the keys are reloaded from the file).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect } from "effect";
import { Transient } from "../functions/kernel/errors";
import type { Alert } from "../functions/kernel/services";

export interface StoredAlert extends Alert {
  readonly publishedAt: string;
}

export class LocalAlertLog {
  private readonly keys = new Set<string>();
  private readonly byKind = new Map<string, number>();
  private duplicates = 0;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (const alert of readAlerts(file)) this.remember(alert);
  }

  private remember(alert: Alert) {
    this.keys.add(alert.dedupKey);
    this.byKind.set(alert.kind, (this.byKind.get(alert.kind) ?? 0) + 1);
  }

  /** Appends the alert unless its dedupKey was published before. */
  publish(alert: Alert): { readonly published: boolean } {
    if (this.keys.has(alert.dedupKey)) {
      this.duplicates++;
      return { published: false };
    }
    const stored: StoredAlert = { ...alert, publishedAt: new Date().toISOString() };
    // Synchronous so two concurrent publishes of one key cannot both pass the check above.
    fs.appendFileSync(this.file, `${JSON.stringify(stored)}\n`);
    this.remember(alert);
    return { published: true };
  }

  /** The Alerts service implementation (functions/kernel/services.ts). */
  readonly service = {
    publish: (alert: Alert) =>
      Effect.try({
        try: () => this.publish(alert),
        catch: (cause) => new Transient({ service: "local-alerts", reason: "could not write the alert log", cause }),
      }),
  };

  get counters() {
    return { published: this.keys.size, suppressedDuplicates: this.duplicates, byKind: Object.fromEntries(this.byKind) };
  }
}

export const readAlerts = (file: string): StoredAlert[] => {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as StoredAlert];
      } catch {
        return [];
      }
    });
};
