/**
 * The CDK Terrain app (`cdktn synth` / `cdktn deploy <stack>` run it via cdktf.json, `npm run synth`
 * too): one stack per deployed environment and layer. A bad environment config or a guardrail
 * violation fails synth with a message saying what to fix.
 */
import { buildApp } from "./stacks/app";

const main = () => {
  const started = Date.now();
  const { app, stacks } = buildApp();
  app.synth();
  const count = (stack: (typeof stacks)[number]) => stack.guardrailReport?.suppressed.length ?? 0;
  const suppressed = stacks.reduce((sum, stack) => sum + count(stack), 0);
  console.log(
    `synthesized ${stacks.length} stacks into ${app.outdir} in ${((Date.now() - started) / 1000).toFixed(1)} s; guardrails passed (${suppressed} justified suppressions)`,
  );
};

try {
  main();
} catch (error) {
  console.error(`synth failed:\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
