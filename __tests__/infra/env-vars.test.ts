/**
 * Every environment variable the code reads is listed in contracts/env-vars.ts (`envVars`,
 * `externalEnvVars`, the tables' `envVar`, `alertKindTopicEnvVar`): the test scans the sources of
 * functions/, local/, etl/, cli/ and demo/ for `process.env.X`, `env.X`, `env[...]` and
 * `Config.<type>(...)` reads (and reads through helpers that pass their parameter on, such as
 * functions/kernel/config.ts `optionalConfig(name)`), resolves each name and fails on one the
 * contract does not list, or one it cannot resolve.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { envVars, externalEnvVars, knownEnvVarNames, secretEnvVars } from "../../contracts/env-vars";
import { tableKeys, tableSpecs } from "../../contracts/tables";
import type { Emulators } from "../../local/emulators";
import { localEnvironment } from "../../local/environment";
import { fixtureHandler, resourcesOf, synthesize } from "./helpers";

const root = path.resolve(__dirname, "..", "..");
const SCANNED = ["functions", "local", "etl", "cli", "demo"];

const sourceFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
  });

/** The text inside the bracket that opens at `open` (`(` or `[`), or undefined if it never closes. */
const bracketed = (text: string, open: number): string | undefined => {
  const close = text[open] === "(" ? ")" : "]";
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    const ch = text[index]!;
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth--;
      if (depth === 0) return ch === close ? text.slice(open + 1, index) : undefined;
    }
  }
  return undefined;
};

/** The first argument of an argument list (up to a top-level comma). */
const firstArgument = (args: string): string => {
  let depth = 0;
  for (let index = 0; index < args.length; index++) {
    const ch = args[index]!;
    if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (ch === "," && depth === 0) return args.slice(0, index).trim();
  }
  return args.trim();
};

export interface EnvRead {
  readonly file: string;
  readonly line: number;
  /** The expression naming the variable, as written. */
  readonly expression: string;
  /** The offset of the read in its file (to find the function around it). */
  readonly offset: number;
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split("\n").length;

const CONFIG_READ = /\bConfig\.(?:string|number|integer|boolean|redacted|secret|url|date|duration|nonEmptyString|logLevel|port|bigint)\(/g;

/** Direct reads: process.env.X / env.X, env[expr], Config.<type>(expr). */
export const directReads = (file: string, text: string): EnvRead[] => {
  const reads: EnvRead[] = [];
  for (const match of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g))
    reads.push({ file, line: lineOf(text, match.index), expression: JSON.stringify(match[1]), offset: match.index });
  for (const match of text.matchAll(/\benv\[/g)) {
    // `delete env[name]` takes a variable away; it reads nothing.
    if (/\bdelete\s+[\w.]*$/.test(text.slice(Math.max(0, match.index - 40), match.index + 3))) continue;
    const inner = bracketed(text, match.index + match[0].length - 1);
    if (inner !== undefined) reads.push({ file, line: lineOf(text, match.index), expression: inner.trim(), offset: match.index });
  }
  for (const match of text.matchAll(CONFIG_READ)) {
    const args = bracketed(text, match.index + match[0].length - 1);
    if (args !== undefined) reads.push({ file, line: lineOf(text, match.index), expression: firstArgument(args), offset: match.index });
  }
  return reads;
};

/** Calls of helpers that read the variable their first parameter names (`optionalConfig(name)`). */
const helperReads = (file: string, text: string, helpers: ReadonlySet<string>): EnvRead[] =>
  [...helpers].flatMap((helper) =>
    [...text.matchAll(new RegExp(`(?<![\\w.])${helper}\\(`, "g"))].flatMap((match) => {
      const args = bracketed(text, match.index + match[0].length - 1);
      return args === undefined ? [] : [{ file, line: lineOf(text, match.index), expression: firstArgument(args), offset: match.index }];
    }),
  );

/** The function whose first parameter is `parameter`, nearest before `offset`: `const f = (p` / `function f(p`. */
const enclosingHelper = (text: string, offset: number, parameter: string): string | undefined => {
  const before = text.slice(0, offset);
  const pattern = new RegExp(`(?:const\\s+(\\w+)\\s*=\\s*(?:async\\s*)?(?:<[^>]*>)?\\s*\\(\\s*${parameter}\\b|function\\s+(\\w+)\\s*(?:<[^>]*>)?\\(\\s*${parameter}\\b)`, "g");
  let found: string | undefined;
  for (const match of before.matchAll(pattern)) found = match[1] ?? match[2];
  return found;
};

const STRING = /^(["'`])([A-Z][A-Z0-9_]*)\1$/;

/** Names of `const NAME = "VALUE"` / `const NAME = envVars.key` declarations (the variable-name constants). */
const nameConstants = (texts: ReadonlyArray<string>): Map<string, string> => {
  const constants = new Map<string, string>();
  for (const text of texts) {
    for (const match of text.matchAll(/\bconst\s+([A-Z][A-Z0-9_]*)\s*=\s*("[A-Z][A-Z0-9_]*"|envVars\.\w+|externalEnvVars\.\w+)\s*;/g)) {
      const value = match[2]!;
      const resolved = value.startsWith('"')
        ? value.slice(1, -1)
        : value.startsWith("envVars.")
          ? (envVars as Record<string, string>)[value.slice(8)]
          : (externalEnvVars as Record<string, string>)[value.slice(16)];
      if (resolved !== undefined) constants.set(match[1]!, resolved);
    }
  }
  return constants;
};

export type Resolution =
  { readonly kind: "name"; readonly name: string } | { readonly kind: "contract" } | { readonly kind: "parameter"; readonly parameter: string } | { readonly kind: "unknown" };

/** What an expression naming a variable stands for. */
export const resolve = (expression: string, constants: ReadonlyMap<string, string>): Resolution => {
  const literal = STRING.exec(expression);
  if (literal) return { kind: "name", name: literal[2]! };
  const member = /^(envVars|externalEnvVars)\.(\w+)$/.exec(expression);
  if (member) {
    const name = ((member[1] === "envVars" ? envVars : externalEnvVars) as Record<string, string>)[member[2]!];
    return name === undefined ? { kind: "unknown" } : { kind: "name", name };
  }
  // Names computed from the contracts themselves: listed by construction.
  if (/^tableSpecs\[[^\]]+\]\.envVar$/.test(expression)) return { kind: "contract" };
  if (/^alertKindTopicEnvVar\(.+\)$/.test(expression)) return { kind: "contract" };
  if (/^(secretVariables|secretEnvVars)\[\w+\]\.(arn|value)$/.test(expression)) return { kind: "contract" };
  if (/^[A-Z][A-Z0-9_]*$/.test(expression)) {
    const name = constants.get(expression);
    return name === undefined ? { kind: "unknown" } : { kind: "name", name };
  }
  if (/^[a-z]\w*$/.test(expression)) return { kind: "parameter", parameter: expression };
  return { kind: "unknown" };
};

export interface ScanResult {
  readonly reads: ReadonlyArray<EnvRead & { readonly resolution: Resolution }>;
  /** Reads whose variable is not in the contract, or cannot be told. */
  readonly problems: ReadonlyArray<string>;
  readonly helpers: ReadonlySet<string>;
}

export const scanSources = (sources: ReadonlyArray<{ readonly file: string; readonly text: string }>, known: ReadonlySet<string>): ScanResult => {
  const constants = nameConstants(sources.map((source) => source.text));
  const helpers = new Set<string>();
  const problems: string[] = [];
  let reads: Array<EnvRead & { resolution: Resolution }> = [];
  // Helpers found in one pass make their calls reads in the next, until nothing new turns up.
  for (let pass = 0; pass < 10; pass++) {
    const before = helpers.size;
    reads = sources.flatMap(({ file, text }) =>
      [...directReads(file, text), ...helperReads(file, text, helpers)].map((read) => ({ ...read, resolution: resolve(read.expression, constants) })),
    );
    for (const read of reads) {
      if (read.resolution.kind !== "parameter") continue;
      const text = sources.find((source) => source.file === read.file)!.text;
      const helper = enclosingHelper(text, read.offset, read.resolution.parameter);
      if (helper !== undefined) helpers.add(helper);
    }
    if (helpers.size === before) break;
  }
  for (const read of reads) {
    const where = `${read.file}:${read.line} (${read.expression})`;
    if (read.resolution.kind === "name" && !known.has(read.resolution.name)) problems.push(`${where}: ${read.resolution.name} is not listed in contracts/env-vars.ts`);
    if (read.resolution.kind === "unknown") problems.push(`${where}: cannot tell which variable this reads; name it with envVars.<key> (contracts/env-vars.ts)`);
    if (read.resolution.kind === "parameter") {
      const text = sources.find((source) => source.file === read.file)!.text;
      if (enclosingHelper(text, read.offset, read.resolution.parameter) === undefined)
        problems.push(`${where}: reads a variable named at run time; name it with envVars.<key> (contracts/env-vars.ts)`);
    }
  }
  return { reads, problems, helpers };
};

const treeSources = () => SCANNED.flatMap((dir) => sourceFiles(path.join(root, dir))).map((file) => ({ file: path.relative(root, file), text: fs.readFileSync(file, "utf8") }));

describe("environment variables (contracts/env-vars.ts)", () => {
  it("lists every variable the sources read", () => {
    const { reads, problems } = scanSources(treeSources(), knownEnvVarNames());
    expect(problems).toEqual([]);
    // The scan sees the reads (a pattern that matched nothing would pass vacuously).
    expect(reads.length).toBeGreaterThan(15);
  });

  it("fails on an unlisted variable, one it cannot resolve, and follows helpers and name constants", () => {
    const sources = [
      {
        file: "functions/example.ts",
        text: [
          "const ttl = process.env.SDP_NOT_IN_THE_CONTRACT;",
          'const known = Config.integer("SDP_ENV");',
          "export const readSetting = (name: string) => Config.option(Config.string(name));",
          'const viaHelper = readSetting("SDP_ALSO_NOT_LISTED");',
          'const ALSO_VAR = "SDP_UNLISTED_CONSTANT";',
          "const viaConstant = process.env[ALSO_VAR];",
          "const table = Config.string(tableSpecs[key].envVar);",
          "const computed = process.env[`SDP_${kind}`];",
        ].join("\n"),
      },
    ];
    const { problems, helpers } = scanSources(sources, knownEnvVarNames());
    expect([...helpers]).toEqual(["readSetting"]);
    expect(problems).toEqual([
      expect.stringContaining('functions/example.ts:1 ("SDP_NOT_IN_THE_CONTRACT"): SDP_NOT_IN_THE_CONTRACT is not listed'),
      expect.stringContaining("functions/example.ts:6 (ALSO_VAR): SDP_UNLISTED_CONSTANT is not listed"),
      expect.stringContaining("functions/example.ts:8 (`SDP_${kind}`): cannot tell which variable"),
      expect.stringContaining('functions/example.ts:4 ("SDP_ALSO_NOT_LISTED"): SDP_ALSO_NOT_LISTED is not listed'),
    ]);
  });

  it("lists every variable sdp local sets for the functions", () => {
    const emulators = {
      environment: { name: "local", brand: "acme", accountId: "000000000000", shopDomain: "acme.myshopify.com", shopifyApiVersion: "2026-01" },
      region: "us-east-1",
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      endpoints: { s3: "http://127.0.0.1:1", dynamodb: "http://127.0.0.1:2" },
      bucket: "lake",
      tables: Object.fromEntries(tableKeys.map((key) => [key, `local-${key}`])),
    } as unknown as Emulators;
    const known = knownEnvVarNames();
    expect(Object.keys(localEnvironment(emulators, {})).filter((name) => !known.has(name))).toEqual([]);
  });

  it("lists every variable the stacks set on a function", () => {
    const synth = synthesize({ environments: ["staging"], functionEntry: () => fixtureHandler });
    try {
      const known = knownEnvVarNames();
      const set = new Set(
        synth.stacks.flatMap((stack) => resourcesOf(synth.stack(stack.node.id), "aws_lambda_function").flatMap((fn) => Object.keys(fn.environment?.variables ?? {}))),
      );
      expect(set.size).toBeGreaterThan(10);
      expect([...set].filter((name) => !known.has(name))).toEqual([]);
    } finally {
      synth.cleanup();
    }
  });

  it("keeps the secret and table variables inside the contract", () => {
    const known = knownEnvVarNames();
    for (const { arn, value } of Object.values(secretEnvVars)) expect([arn, value].filter((name) => !known.has(name))).toEqual([]);
    for (const key of tableKeys) expect(known.has(tableSpecs[key].envVar)).toBe(true);
    const names = [...Object.values(envVars), ...Object.values(externalEnvVars)];
    expect(names.length).toBe(new Set(names).size);
  });
});
