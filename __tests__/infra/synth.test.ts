import { deployedEnvironments } from "../../config/environments";
import * as fs from "node:fs";
import * as path from "node:path";
import { layerDependencies, layers, stackName, stateKey } from "../../contracts/naming";
import { evaluateGuardrails } from "../../policies/guardrails";
import { requiredTags, rulePack } from "../../policies/rules";
import { synthesize, type Synthesized } from "./helpers";

describe("the CDK Terrain app", () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize();
  });
  afterAll(() => synth.cleanup());

  it("has one stack per deployed environment and layer, named <brand>-<env>-<layer>", () => {
    const expected = deployedEnvironments.flatMap((env) => layers.map((layer) => stackName("acme", env, layer)));
    expect(synth.stacks.map((stack) => stack.node.id).sort()).toEqual(expected.sort());
    expect(synth.stacks).toHaveLength(21);
  });

  it.each(deployedEnvironments.flatMap((env) => layers.map((layer) => [env, layer] as const)))("%s/%s has an encrypted, locked S3 backend and the required tags", (env, layer) => {
    const json = synth.stack(stackName("acme", env, layer));
    const backend = json.terraform?.backend?.s3 as Record<string, unknown>;
    expect(backend).toMatchObject({ key: stateKey(env, layer), encrypt: true, dynamodb_table: "acme-terraform-locks", region: "eu-west-1" });
    expect(backend.bucket).toMatch(/^acme-terraform-state-\d{12}$/);
    const tags = (json.provider?.aws?.[0]?.default_tags as Array<{ tags: Record<string, string> }>)[0]!.tags;
    for (const tag of requiredTags) expect(tags[tag]).toEqual(expect.any(String));
    expect(tags.environment).toBe(env);
  });

  it("passes every guardrail on every stack (re-checked on the written JSON)", () => {
    for (const stack of synth.stacks) {
      expect(stack.guardrailReport?.violations).toEqual([]);
      const report = evaluateGuardrails(stack.node.id, synth.stack(stack.node.id), rulePack);
      expect(report.violations).toEqual([]);
      for (const suppressed of report.suppressed) expect(suppressed.justification.length).toBeGreaterThanOrEqual(20);
    }
  });

  it("passes values between stacks through remote state (cross-stack references)", () => {
    const lake = synth.stack("acme-prod-lake");
    const remote = (lake.data?.terraform_remote_state ?? {}) as Record<string, { backend: string; config: Record<string, unknown> }>;
    const foundationState = Object.values(remote).find((state) => state.config.key === "prod/foundation.tfstate");
    expect(foundationState).toMatchObject({ backend: "s3", config: { bucket: "acme-terraform-state-333333333333", encrypt: true } });
    const sse = Object.values(lake.resource!.aws_s3_bucket_server_side_encryption_configuration!);
    expect(JSON.stringify(sse)).toContain("data.terraform_remote_state.");
  });

  it("only references the layers contracts/naming.ts layerDependencies lists (deploy order follows it)", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(synth.outdir, "manifest.json"), "utf8")) as { stacks: Record<string, { dependencies: string[] }> };
    for (const env of deployedEnvironments) {
      for (const layer of layers) {
        const allowed = layerDependencies[layer].map((dependency) => stackName("acme", env, dependency));
        for (const dependency of manifest.stacks[stackName("acme", env, layer)]!.dependencies) expect(allowed).toContain(dependency);
      }
    }
  });

  it("keeps environments apart: each stack points at its own account", () => {
    for (const env of deployedEnvironments) {
      const provider = synth.stack(stackName("acme", env, "foundation")).provider!.aws![0]!;
      expect(provider.allowed_account_ids).toEqual([{ dev: "111111111111", staging: "222222222222", prod: "333333333333" }[env]]);
    }
  });
});
