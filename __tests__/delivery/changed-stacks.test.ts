import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJson, changedStacks, summarize } from "../../delivery/changed-stacks";
import { repoRoot } from "../../delivery/toolchain";
import { tempDir } from "./support";

const writeStack = (outDir: string, stack: string, json: unknown) => {
  fs.mkdirSync(path.join(outDir, "stacks", stack), { recursive: true });
  fs.writeFileSync(path.join(outDir, "stacks", stack, "cdk.tf.json"), JSON.stringify(json, null, 2));
};

const stackJson = (bucket: string, comment = "0.21.0") => ({
  "//": { metadata: { version: comment, stackName: "x" } },
  terraform: { backend: { s3: { bucket: "acme-terraform-state-111111111111", key: "dev/lake.tfstate" } } },
  resource: { aws_s3_bucket: { lake: { bucket, "//": { metadata: { path: `x/${comment}` } } } } },
});

describe("changed-stacks", () => {
  let base: string;
  let head: string;
  beforeEach(() => {
    base = tempDir("sdp-base-");
    head = tempDir("sdp-head-");
    writeStack(base, "acme-dev-foundation", stackJson("a"));
    writeStack(head, "acme-dev-foundation", stackJson("a", "0.21.1")); // only cdktf comments differ
    writeStack(base, "acme-dev-lake", stackJson("lake"));
    writeStack(head, "acme-dev-lake", stackJson("lake-renamed"));
    writeStack(head, "acme-prod-monitoring", stackJson("m")); // new
    writeStack(base, "acme-staging-backfill", stackJson("b")); // removed
    writeStack(head, "acme-qa-lake", stackJson("q")); // not in the catalogue
  });

  it("canonical JSON ignores key order and cdktf's // comments", () => {
    expect(JSON.stringify(canonicalJson({ b: 1, a: { "//": "x", d: [{ z: 1, y: 2 }] } }))).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it("plans changed and added stacks, in promotion then dependency order, with the plan role", () => {
    const result = changedStacks(base, head);
    expect(result.comparisons).toEqual([
      { stack: "acme-dev-foundation", change: "unchanged" },
      { stack: "acme-dev-lake", change: "changed" },
      { stack: "acme-prod-monitoring", change: "added" },
      { stack: "acme-qa-lake", change: "added" },
      { stack: "acme-staging-backfill", change: "removed" },
    ]);
    expect(result.matrix.include).toEqual([
      {
        stack: "acme-dev-lake",
        env: "dev",
        layer: "lake",
        dir: "cdktf.out/stacks/acme-dev-lake",
        region: "eu-west-1",
        role_arn: "arn:aws:iam::111111111111:role/acme-dev-github-plan",
      },
      expect.objectContaining({ stack: "acme-prod-monitoring", env: "prod", role_arn: "arn:aws:iam::333333333333:role/acme-prod-github-plan" }),
    ]);
    expect(result.unknown).toEqual(["acme-qa-lake"]);
    expect(summarize(result)).toContain("removed  acme-staging-backfill");
  });

  it("never plans a changed bootstrap stack, and says who applies it", () => {
    writeStack(base, "acme-dev-bootstrap", stackJson("roles"));
    writeStack(head, "acme-dev-bootstrap", stackJson("roles-changed"));
    const result = changedStacks(base, head);
    expect(result.matrix.include.map((entry) => entry.stack)).not.toContain("acme-dev-bootstrap");
    expect(result.unknown).toContain("acme-dev-bootstrap");
    expect(summarize(result)).toContain(
      "Bootstrap stacks (CI roles, permissions boundary; an administrator applies them with `npx sdp bootstrap --env <env> --apply`, CI never plans them): acme-dev-bootstrap",
    );
  });

  it("treats a missing base synth as every stack added", () => {
    const result = changedStacks(path.join(base, "does-not-exist"), head);
    expect(result.matrix.include.map((entry) => entry.stack)).toEqual(["acme-dev-foundation", "acme-dev-lake", "acme-prod-monitoring"]);
  });

  it("reports identical trees as nothing to plan", () => {
    const result = changedStacks(base, base);
    expect(result.matrix.include).toEqual([]);
    expect(summarize(result)).toBe("No stack changed.");
  });

  it("names the file when a synthesized stack is not valid JSON", () => {
    fs.writeFileSync(path.join(head, "stacks", "acme-dev-lake", "cdk.tf.json"), "{ nope");
    expect(() => changedStacks(base, head)).toThrow(/acme-dev-lake.*cdk\.tf\.json is not valid JSON/);
  });

  it("as a script: prints the matrix and writes GitHub outputs", () => {
    const outputFile = path.join(tempDir("sdp-gh-"), "output");
    fs.writeFileSync(outputFile, "");
    const stdout = execFileSync(
      process.execPath,
      [require.resolve("tsx/cli"), path.join(repoRoot, "delivery/changed-stacks.ts"), "--base", base, "--head", head, "--github-output"],
      {
        env: { ...process.env, GITHUB_OUTPUT: outputFile },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const matrix = JSON.parse(stdout) as { include: Array<{ stack: string }> };
    expect(matrix.include.map((entry) => entry.stack)).toEqual(["acme-dev-lake", "acme-prod-monitoring"]);
    const outputs = fs.readFileSync(outputFile, "utf8");
    expect(outputs).toContain(`matrix=${JSON.stringify(matrix)}\n`);
    expect(outputs).toContain("any=true\n");
  });
});
