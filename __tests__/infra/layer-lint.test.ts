/**
 * The layer arrows in eslint.config.mjs: an import against an arrow fails the lint, one along it
 * passes. ESLint loads its (ESM) config by dynamic import, which jest's module system does not
 * run, so the cases are linted in one child process through ESLint's Node API, as virtual files
 * at the paths given (nothing is written).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");

interface Case {
  readonly file: string;
  readonly imports: string;
}

/** `file` importing `imports`: the messages no-restricted-imports reports (empty when allowed). */
const lintImports = (cases: ReadonlyArray<Case>): string[][] => {
  const script = `
    const { ESLint } = require("eslint");
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const c of cases) {
        const [result] = await eslint.lintText(\`import { x } from \${JSON.stringify(c.imports)};\\nexport const y = x;\\n\`, { filePath: c.file });
        out.push(result.messages.map((m) => \`\${m.ruleId}: \${m.message}\`));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((error) => { console.error(error); process.exit(1); });
  `;
  const run = spawnSync(process.execPath, ["-e", script, JSON.stringify(cases)], { cwd: root, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[][];
};

const forbidden: ReadonlyArray<Case> = [
  { file: "contracts/tables.ts", imports: "cdktn" },
  { file: "contracts/tables.ts", imports: "@cdktn/provider-aws/lib/s3-bucket" },
  { file: "contracts/tables.ts", imports: "@aws-sdk/client-dynamodb" },
  { file: "contracts/tables.ts", imports: "../functions/kernel/errors" },
  { file: "contracts/tables.ts", imports: "../config/schema" },
  { file: "functions/shopify/processor.ts", imports: "cdktn" },
  { file: "functions/shopify/processor.ts", imports: "constructs" },
  { file: "functions/shopify/processor.ts", imports: "../../stacks/app" },
  { file: "functions/shopify/processor.ts", imports: "../../modules/effect-function" },
  { file: "functions/shopify/processor.ts", imports: "../../policies/iam" },
  { file: "functions/shopify/processor.ts", imports: "../../local/platform" },
  { file: "functions/shopify/processor.ts", imports: "../../cli/command" },
  { file: "functions/shopify/processor.ts", imports: "../../demo/run" },
  { file: "functions/backfill/download-program.ts", imports: "../../etl/runner" },
  { file: "functions/kernel/services.ts", imports: "../shopify/processor" },
  { file: "functions/kernel/live/s3.ts", imports: "../../stripe/process" },
  { file: "functions/kernel/live/s3.ts", imports: "../../../functions/shopify/processor" },
  { file: "functions/kernel/live/s3.ts", imports: "../../../local/platform" },
  { file: "etl/runner.ts", imports: "../local/platform" },
  { file: "policies/iam.ts", imports: "../stacks/app" },
  { file: "modules/alarms.ts", imports: "../stacks/app" },
  { file: "modules/alarms.ts", imports: "../functions/kernel/errors" },
  { file: "stacks/ingestion.ts", imports: "../functions/shopify/processor" },
  { file: "stacks/ingestion.ts", imports: "../local/platform" },
  { file: "local/platform.ts", imports: "../cli/command" },
  { file: "local/platform.ts", imports: "../demo/run" },
  { file: "local/shopify-standin/server.ts", imports: "../../stacks/app" },
  { file: "demo/run.ts", imports: "../cli/progress" },
  { file: "delivery/deploy.ts", imports: "../cli/command" },
  { file: "cli/commands/demo.ts", imports: "../../__tests__/support/signing" },
  { file: "main.ts", imports: "./functions/shopify/processor" },
];

const allowed: ReadonlyArray<Case> = [
  { file: "contracts/tables.ts", imports: "./naming" },
  { file: "contracts/tables.ts", imports: "effect" },
  { file: "functions/shopify/processor.ts", imports: "../kernel/errors" },
  { file: "functions/shopify/processor.ts", imports: "../../contracts/events" },
  { file: "functions/shopify/processor.ts", imports: "../../functions/kernel/errors" },
  { file: "functions/shopify/processor.ts", imports: "@aws-sdk/client-s3" },
  { file: "functions/kernel/live/s3.ts", imports: "../errors" },
  { file: "functions/kernel/live/s3.ts", imports: "../../../contracts/lake-layout" },
  { file: "functions/kernel/live/s3.ts", imports: "@aws-sdk/client-s3" },
  { file: "etl/quality.ts", imports: "../functions/data-quality/facts" },
  { file: "modules/effect-function.ts", imports: "../policies/iam" },
  { file: "modules/effect-function.ts", imports: "cdktn" },
  { file: "stacks/ingestion.ts", imports: "../modules/effect-function" },
  { file: "stacks/analytics.ts", imports: "../etl/athena" },
  { file: "local/platform.ts", imports: "../functions/kernel/live" },
  { file: "local/platform.ts", imports: "../etl/lake" },
  { file: "demo/run.ts", imports: "../local/lake-views" },
  { file: "cli/commands/demo.ts", imports: "../../demo/run" },
  { file: "cli/commands/deploy.ts", imports: "../../delivery/deploy" },
  { file: "main.ts", imports: "./stacks/app" },
  { file: "__tests__/local/platform.test.ts", imports: "../../cli/command" },
  { file: "bench/run.ts", imports: "../__tests__/support/signing" },
];

describe("layer arrows (eslint.config.mjs)", () => {
  const results = lintImports([...forbidden, ...allowed]);

  it.each(forbidden.map((c, index) => [c.file, c.imports, index] as const))("%s may not import %s", (_file, _imports, index) => {
    const messages = results[index]!;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^no-restricted-imports: /);
  });

  it.each(allowed.map((c, index) => [c.file, c.imports, forbidden.length + index] as const))("%s may import %s", (_file, _imports, index) => {
    expect(results[index]).toEqual([]);
  });
});
