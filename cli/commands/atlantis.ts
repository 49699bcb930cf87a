/**
 * `sdp atlantis [--check]`: writes atlantis.yaml from the stack catalogue, or checks that the
 * committed file is current.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { atlantisFile, lineDiff, renderAtlantisYaml } from "../../delivery/atlantis";
import { repoRoot } from "../../delivery/toolchain";
import { parseOptions, type Command } from "../command";

export const createAtlantisCommand = (root: string = repoRoot): Command => ({
  summary: "Generate atlantis.yaml (one project per stack); --check fails when the committed file is stale",
  help: `Usage: sdp atlantis [--check]

Writes ${atlantisFile} at the repository root: one Atlantis project per (environment x layer)
stack with dir cdktf.out/stacks/<stack>, a workflow that synthesizes before plan, autoplan on
the stack's sources and apply requirements approved + mergeable.

Options:
  --check   write nothing; exit 1 with a diff hint when ${atlantisFile} is not what would be generated

Examples:
  npx sdp atlantis
  npx sdp atlantis --check`,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, { check: { type: "boolean", default: false } });
    const file = path.join(root, atlantisFile);
    const expected = renderAtlantisYaml();
    if (values.check) {
      const actual = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
      if (actual === expected) {
        io.stdout.write(`${atlantisFile} is up to date.\n`);
        return 0;
      }
      const diff = actual === "" ? [`${atlantisFile} does not exist`] : lineDiff(expected, actual);
      io.stderr.write(`${atlantisFile} is stale (- committed, + generated):\n${diff.map((line) => `  ${line}`).join("\n")}\nRun \`npx sdp atlantis\` and commit the result.\n`);
      return 1;
    }
    const changed = !fs.existsSync(file) || fs.readFileSync(file, "utf8") !== expected;
    if (changed) fs.writeFileSync(file, expected);
    io.stdout.write(`${changed ? "Wrote" : "Unchanged:"} ${path.relative(io.cwd, file) || atlantisFile}\n`);
    return 0;
  },
});

export default createAtlantisCommand();
