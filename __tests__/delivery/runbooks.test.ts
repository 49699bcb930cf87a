/** The runbooks exist and name what contracts/ defines, so a rename breaks this test, not an incident. */
import * as fs from "node:fs";
import * as path from "node:path";
import { secretNames } from "../../contracts/env-vars";
import { routes } from "../../contracts/events";
import { functionSpecs } from "../../contracts/functions";
import { tableSpecs } from "../../contracts/tables";
import { repoRoot } from "../../delivery/toolchain";

const dir = path.join(repoRoot, "docs", "runbooks");
const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
const runbooks = [
  "deploying-and-promoting.md",
  "rolling-back.md",
  "replaying-events.md",
  "shopify-partner-source.md",
  "rotating-secrets.md",
  "failed-backfill.md",
  "dynamodb-throttling.md",
];

describe("runbooks", () => {
  it.each(runbooks)("%s exists, is linked from the index, and its relative links resolve", (file) => {
    expect(read("README.md")).toContain(`(${file})`);
    for (const [, target] of read(file).matchAll(/\]\(([\w.-]+\.md)\)/g)) expect(fs.existsSync(path.join(dir, target!))).toBe(true);
  });

  it("every sdp sub-command they use exists", () => {
    const commands = new Set(fs.readdirSync(path.join(repoRoot, "cli", "commands")).map((file) => file.replace(/\.ts$/, "")));
    const used = new Set(runbooks.flatMap((file) => [...read(file).matchAll(/sdp ([a-z-]+)/g)].map((m) => m[1]!)));
    for (const command of used) expect({ command, exists: commands.has(command) }).toEqual({ command, exists: true });
  });

  it("rotating-secrets covers every secret", () => {
    const text = read("rotating-secrets.md");
    for (const name of Object.values(secretNames("acme", "<env>"))) expect(text).toContain(`\`${name}\``);
  });

  it("replaying-events names every queue-fed processor and the archives", () => {
    const text = read("replaying-events.md");
    for (const processor of new Set(routes.map((route) => route.processor))) expect(text).toContain(`\`${processor}\``);
    expect(text).toContain("acme-<env>-partner-archive");
    expect(text).toContain("acme-<env>-platform-archive");
  });

  it("dynamodb-throttling names every hot-store table", () => {
    const text = read("dynamodb-throttling.md");
    for (const spec of Object.values(tableSpecs)) expect(text).toContain(spec.logicalName);
  });

  it("commands in the runbooks use function names that exist", () => {
    const names = new Set(functionSpecs.map((spec) => spec.name));
    for (const file of runbooks) {
      for (const [, fn] of read(file).matchAll(/\/aws\/lambda\/acme-(?:prod|staging|dev)-([a-z-]+)/g))
        expect({ file, fn, exists: names.has(fn!) }).toEqual({ file, fn, exists: true });
    }
  });
});
