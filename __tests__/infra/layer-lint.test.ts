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

/** The cases of one importing file, in the order given. */
const importsOf = (file: string, ...imports: ReadonlyArray<string>): Case[] => imports.map((specifier) => ({ file, imports: specifier }));

const forbidden: ReadonlyArray<Case> = [
  ...importsOf("contracts/tables.ts", "cdktn", "@cdktn/provider-aws/lib/s3-bucket", "@aws-sdk/client-dynamodb", "../functions/kernel/errors", "../config/schema"),
  ...importsOf(
    "functions/shopify/processor.ts",
    "cdktn",
    "constructs",
    "../../stacks/app",
    "../../modules/effect-function",
    "../../policies/iam",
    "../../local/platform",
    "../../cli/command",
    "../../demo/run",
  ),
  ...importsOf("functions/backfill/download-program.ts", "../../etl/runner"),
  ...importsOf("functions/kernel/services.ts", "../shopify/processor"),
  ...importsOf("functions/kernel/live/s3.ts", "../../stripe/process", "../../../functions/shopify/processor", "../../../local/platform"),
  ...importsOf("etl/runner.ts", "../local/platform"),
  ...importsOf("policies/iam.ts", "../stacks/app"),
  ...importsOf("modules/alarms.ts", "../stacks/app", "../functions/kernel/errors"),
  ...importsOf("stacks/ingestion.ts", "../functions/shopify/processor", "../local/platform"),
  ...importsOf("local/platform.ts", "../cli/command", "../demo/run"),
  ...importsOf("local/shopify-standin/server.ts", "../../stacks/app"),
  ...importsOf("demo/run.ts", "../cli/progress"),
  ...importsOf("delivery/deploy.ts", "../cli/command"),
  ...importsOf("cli/commands/demo.ts", "../../__tests__/support/signing"),
  ...importsOf("main.ts", "./functions/shopify/processor"),
];

const allowed: ReadonlyArray<Case> = [
  ...importsOf("contracts/tables.ts", "./naming", "effect"),
  ...importsOf("functions/shopify/processor.ts", "../kernel/errors", "../../contracts/events", "../../functions/kernel/errors", "@aws-sdk/client-s3"),
  ...importsOf("functions/kernel/live/s3.ts", "../errors", "../../../contracts/lake-layout", "@aws-sdk/client-s3"),
  ...importsOf("etl/quality.ts", "../functions/data-quality/facts"),
  ...importsOf("modules/effect-function.ts", "../policies/iam", "cdktn"),
  ...importsOf("stacks/ingestion.ts", "../modules/effect-function"),
  ...importsOf("stacks/analytics.ts", "../etl/athena"),
  ...importsOf("local/platform.ts", "../functions/kernel/live", "../etl/lake"),
  ...importsOf("demo/run.ts", "../local/lake-views"),
  ...importsOf("cli/commands/demo.ts", "../../demo/run"),
  ...importsOf("cli/commands/deploy.ts", "../../delivery/deploy"),
  ...importsOf("main.ts", "./stacks/app"),
  ...importsOf("__tests__/local/platform.test.ts", "../../cli/command"),
  ...importsOf("bench/run.ts", "../__tests__/support/signing"),
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
