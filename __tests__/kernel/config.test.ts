/**
 * Function code reads its settings through Effect `Config` (functions/kernel/config.ts), never
 * through a raw `process.env`: a program can then run under any ConfigProvider (a test's map, the
 * CLI's table names) and a missing setting is a typed failure, not an undefined.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigProvider, Effect } from "effect";
import { envVars } from "../../contracts/env-vars";
import { optionalConfig } from "../../functions/kernel/config";
import { abandonedCartTtlSeconds } from "../../functions/shopify/checkouts";

const FUNCTIONS = path.join(__dirname, "..", "..", "functions");

const sourceFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });

/** The code of a file with its comments blanked out (line numbers kept). */
const withoutComments = (source: string): string => source.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, " ")).replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

/** A raw read is allowed only where the Lambda runtime contract forces it, said in a comment on the line or the one above. */
const EXCUSE = /Lambda runtime contract/;

test("no raw process.env in functions/ (settings come through Config)", () => {
  const offences: string[] = [];
  for (const file of sourceFiles(FUNCTIONS)) {
    const source = fs.readFileSync(file, "utf8");
    const lines = source.split("\n");
    withoutComments(source)
      .split("\n")
      .forEach((line, index) => {
        if (/\bprocess\s*\.\s*env\b|\bprocess\s*\[\s*["']env["']\s*\]/.test(line) && !EXCUSE.test(`${lines[index - 1] ?? ""}\n${lines[index]}`)) {
          offences.push(`${path.relative(FUNCTIONS, file)}:${index + 1}: ${lines[index]!.trim()}`);
        }
      });
  }
  expect(offences).toEqual([]);
});

test("the scan sees a raw read in code and ignores one in a comment", () => {
  const code = withoutComments('const a = 1; // process.env.X in a comment\n/* process.env.Y */\nconst b = process.env.Z;\nconst url = "http://x"; const c = process.env.W;');
  const hits = code.split("\n").filter((line) => /\bprocess\s*\.\s*env\b/.test(line));
  expect(hits).toEqual(["const b = process.env.Z;", 'const url = "http://x"; const c = process.env.W;']);
});

test("a setting read through Config follows the provider the program runs with", async () => {
  const withDays = (days: string | undefined) =>
    Effect.runPromise(abandonedCartTtlSeconds.pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(days === undefined ? [] : [[envVars.abandonedCartTtlDays, days]])))));
  expect(await withDays(undefined)).toBe(30 * 86400);
  expect(await withDays("7")).toBe(7 * 86400);
  expect(await withDays("not a number")).toBe(30 * 86400);
  // A value with commas is one string (webhook secrets during rotation hold two, comma-separated).
  const secret = await Effect.runPromise(optionalConfig("SECRET").pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["SECRET", "new-one,old-one"]])))));
  expect(secret).toBe("new-one,old-one");
});
