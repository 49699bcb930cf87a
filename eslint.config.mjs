/**
 * Lint: the layer arrows of the architecture guide (../shared/ARCHITECTURE.md; README.md, Layout):
 * stacks -> modules -> contracts, functions -> kernel -> contracts, local -> functions + contracts
 * + etl, cli -> everything, as `no-restricted-imports`; plus a few rules the tree already keeps.
 * `npm run lint` runs it with prettier and tsc; `npm test` runs lint first.
 *
 * Imports are relative paths, so a folder is named by how many `../` reach the repository root:
 * each layer gets one block per directory depth, whose patterns match exactly the top-level
 * folders it may not import (a same-named subfolder deeper down is never mistaken for one).
 */
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** The repository's top-level code folders (and main.ts). */
const folders = ["bench", "cli", "config", "contracts", "delivery", "demo", "etl", "functions", "local", "main", "modules", "policies", "stacks", "__tests__"];

/** Infrastructure code: only stacks/, modules/, policies/ (and main.ts) may import it. */
const cdk = {
  group: ["cdktn", "cdktn/**", "cdktf", "cdktf/**", "@cdktn/**", "@cdktf/**", "constructs", "constructs/**"],
  message: "Terraform constructs belong in stacks/ and modules/ (the architecture guide: nothing in functions/ knows about Terraform).",
};
const awsSdk = { group: ["@aws-sdk/**", "@smithy/**"], message: "contracts/ is plain data: it imports neither cdktn nor the AWS SDK." };

/**
 * What each layer may import besides itself. Anything else among `folders` is forbidden; test
 * code and benches may import anything, and nothing outside them may import them.
 */
const layers = {
  contracts: { allowed: [], packages: [cdk, awsSdk] },
  config: { allowed: ["contracts"], packages: [cdk] },
  functions: { allowed: ["contracts"], packages: [cdk] },
  // After functions/: for a kernel file, the later block's patterns are the ones that apply.
  "functions/kernel": { allowed: ["contracts"], packages: [cdk] },
  etl: { allowed: ["contracts", "functions"], packages: [cdk] },
  policies: { allowed: ["config", "contracts"], packages: [] },
  modules: { allowed: ["contracts", "policies"], packages: [] },
  stacks: { allowed: ["config", "contracts", "modules", "policies", "etl"], packages: [] },
  local: { allowed: ["config", "contracts", "functions", "etl"], packages: [cdk] },
  demo: { allowed: ["config", "contracts", "functions", "etl", "local"], packages: [cdk] },
  delivery: { allowed: ["config", "contracts", "functions", "policies", "stacks"], packages: [] },
  cli: { allowed: ["config", "contracts", "delivery", "demo", "etl", "functions", "local", "modules", "policies", "stacks"], packages: [] },
  main: { allowed: ["config", "contracts", "modules", "policies", "stacks"], packages: [] },
};

const MAX_DEPTH = 6;
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The relative prefix that climbs from a file `depth` directories down to the repository root. */
const up = (depth) => (depth === 0 ? "\\./" : `(?:\\.\\./){${depth}}`);

const layerBlocks = Object.entries(layers).flatMap(([layer, { allowed, packages }]) => {
  const forbidden = folders.filter((folder) => folder !== layer && !allowed.includes(folder) && !(layer === "functions/kernel" && folder === "functions"));
  const from = layer === "functions/kernel" ? "functions/kernel/" : `${layer}/`;
  const message = `${layer}/ may import ${allowed.length > 0 ? allowed.map((name) => `${name}/`).join(", ") : "no other layer"} (the architecture guide: layers and their arrows).`;
  const base = layer === "main" ? 0 : layer.split("/").length;
  return Array.from({ length: layer === "main" ? 1 : MAX_DEPTH - base + 1 }, (_, extra) => {
    const depth = base + extra;
    const patterns = [{ regex: `^${up(depth)}(?:${forbidden.map(escape).join("|")})(?:\\.ts)?(?:/|$)`, message }, ...packages];
    if (layer === "functions/kernel") {
      // The kernel sits under every function family: it reaches none of them, by either path.
      patterns.push(
        {
          regex: `^${up(depth - 1)}(?!kernel(?:/|$))(?!\\.\\.(?:/|$))[^/]+`,
          message: "functions/kernel/ may import contracts/ only, never a function family (the architecture guide).",
        },
        { regex: `^${up(depth)}functions/(?!kernel(?:/|$))`, message: "functions/kernel/ may import contracts/ only, never a function family (the architecture guide)." },
      );
    }
    const files = layer === "main" ? ["main.ts"] : [`${from}${"*/".repeat(extra)}*.ts`];
    return { name: `layers/${layer}/depth-${depth}`, files, rules: { "no-restricted-imports": ["error", { patterns }] } };
  });
});

export default defineConfig(
  { ignores: ["node_modules/", "cdktf.out/", ".sdp/", "bench/.data/", "coverage/", "**/*.d.ts"] },
  {
    name: "typescript",
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser, sourceType: "module" },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-control-regex": "error",
      "no-debugger": "error",
      "no-var": "error",
      eqeqeq: ["error", "smart"],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-require-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
    },
  },
  // Tests and benches poke at SDK and construct internals; `any` is theirs to use.
  { name: "tests", files: ["__tests__/**/*.ts", "bench/**/*.ts"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
  ...layerBlocks,
);
