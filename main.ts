/**
 * The CDK Terrain app (`cdktn synth` / `cdktn deploy <stack>` run it via cdktf.json, `npm run synth`
 * too): one stack per deployed environment and layer, plus one bootstrap stack per environment
 * (CI roles and the permissions boundary, applied only by `sdp bootstrap --apply`). A bad
 * environment config or a guardrail violation fails synth with a message saying what to fix;
 * after synth, the IAM guardrails and the CI-role simulations run on the synthesized JSON and
 * print their summary (unknown actions, escalation paths, missing CI permissions: all must be 0).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { TfJson } from "./policies/guardrails";
import { formatIamSummary, iamSummaryPassed, summarizeIam } from "./policies/iam-summary";
import { buildApp } from "./stacks/app";

const main = async (): Promise<number> => {
  const started = Date.now();
  const { app, stacks, bootstrapStacks } = buildApp();
  app.synth();
  const count = (stack: (typeof stacks)[number]) => stack.guardrailReport?.suppressed.length ?? 0;
  const suppressed = [...stacks, ...bootstrapStacks].reduce((sum, stack) => sum + count(stack), 0);
  console.log(
    `synthesized ${stacks.length} stacks (+ ${bootstrapStacks.length} bootstrap) into ${app.outdir} in ${((Date.now() - started) / 1000).toFixed(1)} s; guardrails passed (${suppressed} justified suppressions)`,
  );
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson;
  const names = { ci: stacks.map((s) => s.node.id), bootstrap: bootstrapStacks.map((s) => s.node.id) };
  const json = Object.fromEntries([...names.ci, ...names.bootstrap].map((name) => [name, read(name)]));
  const summary = await summarizeIam(json, names.ci, names.bootstrap);
  const text = formatIamSummary(summary);
  if (!iamSummaryPassed(summary)) {
    console.error(`synth failed: IAM guardrails\n${text}`);
    return 1;
  }
  console.log(text);
  return 0;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`synth failed:\n${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
