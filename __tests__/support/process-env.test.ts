/**
 * No test changes process.env: code under test gets its settings as an explicit input instead (a
 * ConfigProvider, ../support withConfig / configLayer / memoryPlatform({ config }), a child
 * process's `env` option, or a parameter). Reading it (`process.env.X ?? default`, a copy with
 * `{ ...process.env }`) is fine. This scan fails on an assignment, a delete, an Object.assign or
 * defineProperty onto it, replacing it, or an alias that could be written through.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const testsRoot = path.join(__dirname, "..");

const sourcesOf = (directory: string): string[] =>
  fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" || entry.name === "node_modules" ? [] : sourcesOf(full);
    return /\.(c|m)?(t|j)sx?$/.test(entry.name) ? [full] : [];
  });

/** Block comments and whole-line comments removed (doc comments may well name process.env). */
const withoutComments = (code: string) =>
  code
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, " "))
    .split("\n")
    .map((line) => (line.trimStart().startsWith("//") ? "" : line));

const ENV = String.raw`process\s*\.\s*env`;
const writes: ReadonlyArray<[string, RegExp]> = [
  ["assigns an entry", new RegExp(String.raw`\b${ENV}\s*(?:\.\s*[A-Za-z_$][\w$]*|\[[^\]]*\])\s*(?:\*\*|<<|>>>?|\?\?|\|\||&&|[-+*/%&|^])?=(?!=)`)],
  ["deletes an entry", new RegExp(String.raw`\bdelete\s+${ENV}\b`)],
  ["writes through Object.*", new RegExp(String.raw`\bObject\s*\.\s*(?:assign|defineProperty|defineProperties)\s*\(\s*${ENV}\b`)],
  ["replaces it", new RegExp(String.raw`\b${ENV}\s*=(?!=)`)],
  // Handing the object itself on (a read of its keys or entries is fine).
  ["aliases it", new RegExp(String.raw`(?:=|(?<!\bObject\s*\.\s*(?:keys|values|entries)\s*)\(|,|:)\s*${ENV}\s*(?:[;,)}]|$)`)],
  ["stubs it", /\b(?:replaceProperty|spyOn)\s*\(\s*process\s*,\s*["'`]env["'`]/],
];

export const envWritesIn = (code: string): string[] =>
  withoutComments(code).flatMap((line, index) => writes.filter(([, pattern]) => pattern.test(line)).map(([what]) => `${index + 1}: ${what}: ${line.trim()}`));

test("no test file assigns, deletes or otherwise writes process.env entries", () => {
  const files = sourcesOf(testsRoot).filter((file) => file !== __filename);
  expect(files.length).toBeGreaterThan(50);
  const found = files.flatMap((file) => envWritesIn(fs.readFileSync(file, "utf8")).map((hit) => `${path.relative(testsRoot, file)}:${hit}`));
  expect(found).toEqual([]);
});

test("the scan catches each way of writing process.env, and lets reads and copies through", () => {
  const env = ["process", "env"].join(".");
  const bad = [
    `${env}.SDP_LOG_LEVEL = "debug";`,
    `${env}["A"] = "1";`,
    `${env}[tableSpecs.orders.envVar] = name;`,
    `${env}.X ??= "1";`,
    `delete ${env}.SDP_LOG_LEVEL;`,
    `delete ${env}[key];`,
    `Object.assign(${env}, { A: "1" });`,
    `${env} = {};`,
    `const env = ${env};`,
    `run({ env: ${env} });`,
    `applyEnvironment(${env});`,
    `jest.replaceProperty(process, "env", {});`,
  ];
  for (const line of bad) expect([line, envWritesIn(line).length > 0]).toEqual([line, true]);
  const fine = [
    `const level = ${env}.SDP_LOG_LEVEL ?? "info";`,
    `if (${env}.DEBUG === "1") log();`,
    `const runs = Number(${env}.SDP_FUZZ_RUNS ?? 2_000);`,
    `spawn(cmd, args, { env: { ...${env}, CI: "1" } });`,
    `const saved = ${env}.X;`,
    `for (const key of Object.keys(${env})) console.log(key);`,
    `// ${env}.X = "in a comment";`,
    `/* delete ${env}.Y */`,
  ];
  for (const line of fine) expect([line, envWritesIn(line)]).toEqual([line, []]);
});
