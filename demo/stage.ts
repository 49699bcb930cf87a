/**
 * A demo stage: a named step with checks. A stage passes when every check holds; a check names
 * what was expected and what was found, so a failure says exactly what went wrong.
 */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly expected?: unknown;
  readonly actual?: unknown;
}

export type StageStatus = "ok" | "failed" | "skipped";

export interface StageResult {
  readonly name: string;
  readonly status: StageStatus;
  readonly durationMs: number;
  /** One line for the summary. */
  readonly detail: string;
  readonly checks: ReadonlyArray<Check>;
}

export const check = (name: string, ok: boolean, expected?: unknown, actual?: unknown): Check => ({
  name,
  ok,
  ...(expected !== undefined ? { expected } : {}),
  ...(actual !== undefined ? { actual } : {}),
});

/** JSON with object keys sorted, so equality ignores key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner) ? Object.fromEntries(Object.entries(inner).sort(([left], [right]) => left.localeCompare(right))) : inner,
  );

export const equalCheck = (name: string, expected: unknown, actual: unknown): Check => check(name, canonical(expected) === canonical(actual), expected, actual);

export class StageRecorder {
  readonly stages: StageResult[] = [];

  /** Runs `body`; a thrown error fails the stage with its message (never crashes the demo). */
  async run(name: string, body: () => Promise<{ detail: string; checks?: ReadonlyArray<Check>; skipped?: boolean }>): Promise<StageResult> {
    const started = Date.now();
    let result: StageResult;
    try {
      const outcome = await body();
      const checks = outcome.checks ?? [];
      const status: StageStatus = outcome.skipped ? "skipped" : checks.every((item) => item.ok) ? "ok" : "failed";
      result = { name, status, durationMs: Date.now() - started, detail: outcome.detail, checks };
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      result = {
        name,
        status: "failed",
        durationMs: Date.now() - started,
        detail: `error: ${message}`,
        checks: [check("stage ran without error", false, "no error", message.slice(0, 500))],
      };
    }
    this.stages.push(result);
    return result;
  }

  get failed(): StageResult[] {
    return this.stages.filter((stage) => stage.status === "failed");
  }
}
