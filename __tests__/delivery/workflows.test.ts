/** The GitHub Actions workflows, parsed and checked for the delivery rules they promise. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { planCommentMarker } from "../../delivery/plan-comment";
import { nodeMajor, repoRoot, terraformVersion } from "../../delivery/toolchain";
import { deployedEnvironments } from "../../config/environments";

type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; name?: string; if?: string };
type Job = {
  needs?: string | string[];
  if?: string;
  uses?: string;
  with?: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  environment?: string | { name: string };
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix: unknown };
  steps?: Step[];
};
type Workflow = { name: string; on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> };

const workflowsDir = path.join(repoRoot, ".github", "workflows");
const files = fs.readdirSync(workflowsDir).filter((file) => file.endsWith(".yml") || file.endsWith(".yaml"));
const rawOf = (file: string) => fs.readFileSync(path.join(workflowsDir, file), "utf8");
const load = (file: string) => parse(rawOf(file)) as Workflow;
const steps = (job: Job) => job.steps ?? [];
const usesOf = (job: Job, action: string) => steps(job).filter((step) => step.uses?.startsWith(`${action}@`));

describe("every workflow", () => {
  it("exists: pull-request, deploy and the per-environment deploy", () => {
    expect(files.sort()).toEqual(["deploy-environment.yml", "deploy.yml", "pull-request.yml"]);
  });

  it.each(files)("%s grants nothing at workflow level and least privilege per job", (file) => {
    const workflow = load(file);
    expect(workflow.permissions).toEqual({});
    for (const [name, job] of Object.entries(workflow.jobs)) {
      expect({ job: name, permissions: typeof job.permissions }).toEqual({ job: name, permissions: "object" });
      const permissions = job.permissions as Record<string, string>;
      for (const [scope, level] of Object.entries(permissions)) {
        // Writes only where a job needs them: OIDC tokens and the plan comment.
        if (level === "write") expect({ job: name, scope }).toEqual({ job: name, scope: expect.stringMatching(/^(id-token|pull-requests)$/) });
        expect(["read", "write", "none"]).toContain(level);
      }
      expect(permissions).not.toHaveProperty("contents", "write");
    }
  });

  it.each(files)("%s pins every action to a full commit SHA with a version comment", (file) => {
    const lines = rawOf(file)
      .split("\n")
      .filter((line) => /^\s*(-\s*)?uses:/.test(line));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const ref = line.replace(/^\s*(-\s*)?uses:\s*/, "");
      if (ref.startsWith("./")) continue; // a reusable workflow of this repository
      expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  it.each(files)("%s never uses long-lived AWS keys", (file) => {
    const raw = rawOf(file);
    expect(raw).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/);
    expect(raw).not.toMatch(/secrets\.AWS/);
  });

  it.each(files)("%s uses the Node and Terraform versions of delivery/toolchain.ts", (file) => {
    const workflow = load(file);
    for (const job of Object.values(workflow.jobs)) {
      for (const step of usesOf(job, "actions/setup-node")) expect(step.with?.["node-version"]).toBe(nodeMajor);
      for (const step of usesOf(job, "hashicorp/setup-terraform")) {
        expect(step.with?.terraform_version).toBe(terraformVersion);
        // The wrapper would mangle terraform's exit codes and output.
        expect(step.with?.terraform_wrapper).toBe(false);
      }
    }
  });

  it("node version matches the node@ dev dependency the npm scripts run", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies.node).toMatch(new RegExp(`^\\^?${nodeMajor}\\.`));
  });

  it("OIDC jobs are exactly the ones that configure AWS credentials, by role-to-assume", () => {
    for (const file of files) {
      for (const job of Object.values(load(file).jobs)) {
        if (job.uses) continue;
        const aws = usesOf(job, "aws-actions/configure-aws-credentials");
        const perms = job.permissions as Record<string, string>;
        expect(perms["id-token"] === "write").toBe(aws.length > 0);
        for (const step of aws) {
          expect(step.with?.["role-to-assume"]).toEqual(expect.stringMatching(/^\$\{\{ .*role_arn \}\}$/));
          expect(step.with?.["aws-region"]).toBeDefined();
        }
      }
    }
  });
});

describe("pull-request workflow", () => {
  const workflow = load("pull-request.yml");
  const { verify, "changed-stacks": changed, plan, comment } = workflow.jobs;

  it("runs on pull requests to main only", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.on.pull_request).toEqual({ branches: ["main"] });
  });

  it("runs npm ci, npm test and npm run synth, and checks atlantis.yaml", () => {
    const runs = steps(verify!)
      .map((step) => step.run)
      .filter(Boolean);
    expect(runs).toEqual(expect.arrayContaining(["npm ci", "npm test", "npm run synth", "npx sdp atlantis --check"]));
    expect(runs.indexOf("npm test")).toBeLessThan(runs.indexOf("npm run synth"));
  });

  it("computes the matrix with the changed-stacks script against a synth of the base branch", () => {
    expect(changed!.needs).toBe("verify");
    const script = steps(changed!)
      .map((step) => step.run ?? "")
      .join("\n");
    expect(script).toContain("git worktree add");
    const baseStep = steps(changed!).find((step) => step.run?.includes("git worktree add"));
    expect(baseStep?.env).toEqual({ BASE_SHA: "${{ github.event.pull_request.base.sha }}" });
    // The base branch synthesizes with its own `npm run synth`, whichever toolchain it has.
    expect(script).toContain("npm run synth");
    expect(script).toMatch(/delivery\/changed-stacks\.ts --base .* --head cdktf\.out --github-output/);
    expect(changed!).toMatchObject({ outputs: { matrix: "${{ steps.diff.outputs.matrix }}", any: "${{ steps.diff.outputs.any }}" } });
  });

  it("plans each changed stack from the matrix with OIDC credentials, terraform init and plan", () => {
    expect(plan!.needs).toBe("changed-stacks");
    expect(plan!.if).toContain("needs.changed-stacks.outputs.any == 'true'");
    expect(plan!.strategy?.matrix).toBe("${{ fromJSON(needs.changed-stacks.outputs.matrix) }}");
    expect(plan!.permissions).toEqual({ contents: "read", "id-token": "write" });
    const names = steps(plan!).map((step) => step.uses?.split("@")[0] ?? step.name);
    expect(names.indexOf("aws-actions/configure-aws-credentials")).toBeLessThan(names.indexOf("terraform init and plan"));
    const planStep = steps(plan!).find((step) => step.name === "terraform init and plan")!;
    expect(planStep).toMatchObject({ "working-directory": "${{ matrix.dir }}" });
    expect(planStep.run).toContain("terraform init -input=false");
    expect(planStep.run).toContain("terraform plan -input=false -no-color -lock=false -detailed-exitcode");
    // Matrix values reach the shell through env, never spliced into the script.
    expect(planStep.run).not.toContain("${{");
  });

  it("posts all plans as one comment, updated by its marker", () => {
    expect(comment!.needs).toEqual(["changed-stacks", "plan"]);
    expect(comment!.if).toContain("always()");
    expect(comment!.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const script = usesOf(comment!, "actions/github-script")[0]!.with!.script as string;
    expect(script).toContain(planCommentMarker);
    expect(script).toContain("updateComment");
    expect(script).toContain("createComment");
    const render = steps(comment!).find((step) => step.run?.includes("delivery/plan-comment.ts"));
    expect(render?.env?.EXPECTED_STACKS).toBe("${{ needs.changed-stacks.outputs.matrix }}");
  });

  it("cancels superseded runs of the same pull request", () => {
    expect((workflow as unknown as { concurrency: unknown }).concurrency).toEqual({
      group: "pull-request-${{ github.event.pull_request.number }}",
      "cancel-in-progress": true,
    });
  });
});

describe("deploy workflow", () => {
  const workflow = load("deploy.yml");
  const called = load("deploy-environment.yml");

  it("runs on pushes to main (and by hand)", () => {
    expect(workflow.on).toEqual({ push: { branches: ["main"] }, workflow_dispatch: {} });
  });

  it("tests first, then deploys dev, staging and prod in that order", () => {
    expect(
      steps(workflow.jobs.verify!)
        .map((step) => step.run)
        .filter(Boolean),
    ).toEqual(expect.arrayContaining(["npm ci", "npm test", "npm run synth"]));
    expect(deployedEnvironments).toEqual(["dev", "staging", "prod"]);
    const previous: Record<string, string> = { dev: "verify", staging: "dev", prod: "staging" };
    for (const env of deployedEnvironments) {
      const job = workflow.jobs[env]!;
      expect(job).toMatchObject({ needs: previous[env], uses: "./.github/workflows/deploy-environment.yml", with: { environment: env } });
      expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    }
  });

  it("each deploy runs in its GitHub environment, one at a time, never cancelled midway", () => {
    expect(Object.keys(called.on)).toEqual(["workflow_call"]);
    const job = called.jobs.deploy!;
    expect(job.environment).toEqual({ name: "${{ inputs.environment }}" });
    expect(job.concurrency).toEqual({ group: "deploy-${{ inputs.environment }}", "cancel-in-progress": false });
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
  });

  it("assumes the deploy role through OIDC and runs sdp deploy for the environment", () => {
    const job = called.jobs.deploy!;
    const names = steps(job).map((step) => step.uses?.split("@")[0] ?? step.run ?? step.name);
    const target = steps(job).find((step) => step.id === "target");
    expect(target?.run).toBe('npx tsx delivery/github-target.ts --env "$TARGET_ENV" >> "$GITHUB_OUTPUT"');
    const aws = usesOf(job, "aws-actions/configure-aws-credentials")[0]!;
    expect(aws.with).toMatchObject({ "role-to-assume": "${{ steps.target.outputs.role_arn }}", "aws-region": "${{ steps.target.outputs.region }}" });
    const deploy = steps(job).find((step) => step.run?.startsWith("npx sdp deploy"))!;
    expect(deploy.run).toBe('npx sdp deploy --env "$TARGET_ENV" --auto-approve');
    expect(names.indexOf("aws-actions/configure-aws-credentials")).toBeLessThan(names.indexOf(deploy.run!));
  });
});
