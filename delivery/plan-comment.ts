/**
 * Builds the ONE pull-request comment that holds every stack's Terraform plan. Each plan job
 * uploads a directory with `meta.json` ({stack, env, layer, exitCode} where exitCode is
 * `terraform plan -detailed-exitcode`'s: 0 no changes, 2 changes, else failed) and `plan.txt`.
 *
 *   npx tsx delivery/plan-comment.ts <dir with the downloaded plan artifacts> > comment.md
 *
 * The workflow finds its earlier comment by `planCommentMarker` and edits it instead of adding
 * another one on every push.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { MatrixEntry } from "./changed-stacks";

export const planCommentMarker = "<!-- sdp-terraform-plans -->";
/** GitHub rejects comment bodies over 65,536 characters; keep room for the table and notes. */
export const maxCommentLength = 60_000;

export interface PlanResult {
  readonly stack: string;
  readonly env: string;
  readonly layer: string;
  readonly exitCode: number;
  readonly planText: string;
}

export type PlanOutcome = "no changes" | "changes" | "failed";

export const outcomeOf = (exitCode: number): PlanOutcome => (exitCode === 0 ? "no changes" : exitCode === 2 ? "changes" : "failed");

/** "Plan: 1 to add, 2 to change, 0 to destroy." or the first error line, for the summary table. */
export const summaryLine = (result: PlanResult): string => {
  const outcome = outcomeOf(result.exitCode);
  if (outcome === "no changes") return "No changes.";
  if (outcome === "changes") return result.planText.match(/^Plan: .*$/m)?.[0] ?? "Changes (see plan).";
  return result.planText.match(/^(?:│ )?Error: .*$/m)?.[0].replace(/^│ /, "") ?? `terraform exited with ${result.exitCode}`;
};

/** Keeps what a reviewer reads: from Terraform's plan (or error) onwards, without refresh noise. */
export const relevantPlanText = (planText: string): string => {
  const start = planText.search(/^(Terraform used the selected providers|Terraform will perform|No changes\.|╷|Error: )/m);
  return (start >= 0 ? planText.slice(start) : planText).trim();
};

export const readPlanResults = (root: string): PlanResult[] => {
  const results: PlanResult[] = [];
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name === "meta.json") {
        const meta = JSON.parse(fs.readFileSync(full, "utf8")) as Omit<PlanResult, "planText">;
        const planFile = path.join(dir, "plan.txt");
        const planText = fs.existsSync(planFile) ? fs.readFileSync(planFile, "utf8") : "(no plan output was uploaded)";
        results.push({ stack: meta.stack, env: meta.env, layer: meta.layer, exitCode: Number(meta.exitCode), planText });
      }
    }
  };
  if (fs.existsSync(root)) visit(root);
  return results.sort((a, b) => a.stack.localeCompare(b.stack));
};

/**
 * Stacks the matrix planned but that uploaded no result (credentials or init failed before the
 * plan step wrote one) are reported as failed rather than silently left out.
 */
export const withMissingStacks = (results: ReadonlyArray<PlanResult>, expected: ReadonlyArray<{ stack: string; env: string; layer: string }>): PlanResult[] => {
  const seen = new Set(results.map((result) => result.stack));
  const missing = expected
    .filter((entry) => !seen.has(entry.stack))
    .map((entry) => ({ ...entry, exitCode: 1, planText: "Error: no plan was produced for this stack: open the workflow run's plan job log." }));
  return [...results, ...missing].sort((a, b) => a.stack.localeCompare(b.stack));
};

const icon: Record<PlanOutcome, string> = { "no changes": "⚪", changes: "🟡", failed: "🔴" };

export const renderPlanComment = (results: ReadonlyArray<PlanResult>, context: { commit?: string; runUrl?: string } = {}): string => {
  const header = [
    planCommentMarker,
    "## Terraform plans",
    context.commit ? `Commit \`${context.commit.slice(0, 12)}\`${context.runUrl ? ` · [workflow run](${context.runUrl})` : ""}` : "",
  ].filter(Boolean);
  if (results.length === 0) {
    return [...header, "", "No synthesized stack differs from the base branch: nothing to plan."].join("\n");
  }
  const table = [
    "| Stack | Environment | Result |",
    "| --- | --- | --- |",
    ...results.map((r) => `| \`${r.stack}\` | ${r.env} | ${icon[outcomeOf(r.exitCode)]} ${summaryLine(r)} |`),
  ];
  const fixed = [...header, "", ...table, ""].join("\n");
  const section = (r: PlanResult, text: string) => {
    const open = outcomeOf(r.exitCode) === "failed" ? " open" : "";
    return [`<details${open}><summary><code>${r.stack}</code>: ${summaryLine(r)}</summary>`, "", "```", text.replace(/```/g, "'''"), "```", "</details>"].join("\n");
  };
  const truncated = (r: PlanResult) => `\n... (truncated: the full plan is in the workflow run's plan-${r.stack} artifact)`;
  // Share what is left fairly between the stacks so one huge plan cannot crowd out the others.
  const overhead = results.reduce((sum, r) => sum + section(r, "").length + truncated(r).length + 1, fixed.length);
  const budget = Math.max(200, Math.floor((maxCommentLength - overhead) / results.length));
  const sections = results.map((r) => {
    const text = relevantPlanText(r.planText);
    return section(r, text.length > budget ? `${text.slice(0, budget)}${truncated(r)}` : text);
  });
  return [fixed, ...sections].join("\n");
};

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write("usage: plan-comment <dir with plan artifacts>\n");
    process.exitCode = 2;
  } else {
    const runUrl =
      process.env.GITHUB_SERVER_URL && process.env.GITHUB_REPOSITORY && process.env.GITHUB_RUN_ID
        ? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_REPOSITORY}/actions/runs/${process.env.GITHUB_RUN_ID}`
        : undefined;
    // EXPECTED_STACKS: the changed-stacks matrix ({"include": [...]}) the plan jobs ran.
    const expected = process.env.EXPECTED_STACKS ? ((JSON.parse(process.env.EXPECTED_STACKS) as { include?: MatrixEntry[] }).include ?? []) : [];
    const results = withMissingStacks(readPlanResults(dir), expected);
    process.stdout.write(`${renderPlanComment(results, { commit: process.env.PR_HEAD_SHA, runUrl })}\n`);
  }
}
