import * as fs from "node:fs";
import * as path from "node:path";
import {
  maxCommentLength,
  planCommentMarker,
  readPlanResults,
  relevantPlanText,
  renderPlanComment,
  summaryLine,
  withMissingStacks,
  type PlanResult,
} from "../../delivery/plan-comment";
import { tempDir } from "./support";

const changes = `aws_s3_bucket.lake: Refreshing state... [id=acme]

Terraform used the selected providers to generate the following execution plan.
  ~ update in-place

Plan: 0 to add, 1 to change, 0 to destroy.`;

const result = (stack: string, exitCode: number, planText: string): PlanResult => ({ stack, env: "dev", layer: stack.split("-").slice(2).join("-"), exitCode, planText });

describe("plan comment", () => {
  it("summarizes changes, no changes and failures", () => {
    expect(summaryLine(result("acme-dev-lake", 2, changes))).toBe("Plan: 0 to add, 1 to change, 0 to destroy.");
    expect(summaryLine(result("acme-dev-lake", 0, "No changes. Your infrastructure matches the configuration."))).toBe("No changes.");
    expect(summaryLine(result("acme-dev-lake", 1, "╷\n│ Error: No valid credential sources found\n╵"))).toBe("Error: No valid credential sources found");
    expect(relevantPlanText(changes)).toMatch(/^Terraform used the selected providers/);
  });

  it("renders one comment with the marker, a table and a section per stack", () => {
    const body = renderPlanComment([result("acme-dev-lake", 2, changes), result("acme-dev-foundation", 0, "No changes.")], { commit: "0123456789abcdef" });
    expect(body.startsWith(planCommentMarker)).toBe(true);
    expect(body).toContain("| `acme-dev-lake` | dev | 🟡 Plan: 0 to add, 1 to change, 0 to destroy. |");
    expect(body).toContain("<summary><code>acme-dev-foundation</code>: No changes.</summary>");
    expect(body).toContain("Commit `0123456789ab`");
    expect(body).not.toContain("Refreshing state");
  });

  it("says so when nothing changed", () => {
    expect(renderPlanComment([])).toContain("nothing to plan");
  });

  it("stays under GitHub's comment limit however large the plans", () => {
    const huge = `Terraform will perform the following actions:\n${"  + resource\n".repeat(50_000)}Plan: 9 to add, 0 to change, 0 to destroy.`;
    const body = renderPlanComment(Array.from({ length: 21 }, (_, i) => result(`acme-dev-s${i}`, 2, huge)));
    expect(body.length).toBeLessThanOrEqual(maxCommentLength);
    expect(body).toContain("truncated");
    expect(body.match(/<details/g)).toHaveLength(21);
  });

  it("reads the downloaded artifacts and reports planned stacks without a result as failed", () => {
    const dir = tempDir("sdp-plans-");
    const artifact = path.join(dir, "plan-acme-dev-lake");
    fs.mkdirSync(artifact);
    fs.writeFileSync(path.join(artifact, "meta.json"), JSON.stringify({ stack: "acme-dev-lake", env: "dev", layer: "lake", exitCode: 2 }));
    fs.writeFileSync(path.join(artifact, "plan.txt"), changes);
    const results = withMissingStacks(readPlanResults(dir), [
      { stack: "acme-dev-lake", env: "dev", layer: "lake" },
      { stack: "acme-dev-foundation", env: "dev", layer: "foundation" },
    ]);
    expect(results.map((r) => [r.stack, r.exitCode])).toEqual([
      ["acme-dev-foundation", 1],
      ["acme-dev-lake", 2],
    ]);
    expect(renderPlanComment(results)).toContain("🔴 Error: no plan was produced");
  });
});
