import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { createAtlantisCommand } from "../../cli/commands/atlantis";
import { atlantisConfig, atlantisFile, layerSources, renderAtlantisYaml } from "../../delivery/atlantis";
import { allStacks } from "../../delivery/stacks";
import { repoRoot, terraformVersion } from "../../delivery/toolchain";
import { layerDependencies, layers } from "../../contracts/naming";
import { runCommand, tempDir } from "./support";

type Project = ReturnType<typeof atlantisConfig>["projects"][number];

describe("atlantis.yaml", () => {
  it("the committed file is exactly what `sdp atlantis` generates (run `npx sdp atlantis` to fix)", () => {
    const committed = fs.readFileSync(path.join(repoRoot, atlantisFile), "utf8");
    expect(committed).toBe(renderAtlantisYaml());
  });

  it("has one project per deployed stack, each in its synthesized directory", () => {
    const config = parse(fs.readFileSync(path.join(repoRoot, atlantisFile), "utf8")) as { version: number; projects: Project[] };
    expect(config.version).toBe(3);
    expect(config.projects.map((project) => project.name)).toEqual(allStacks().map((target) => target.stack));
    expect(config.projects).toHaveLength(21);
    for (const project of config.projects) {
      expect(project.dir).toBe(`cdktf.out/stacks/${project.name}`);
      expect(project.workspace).toBe("default");
      expect(project.apply_requirements).toEqual(["approved", "mergeable"]);
      expect(project.workflow).toBe("cdktn");
      expect(project.terraform_version).toBe(`v${terraformVersion}`);
      expect(project.autoplan.enabled).toBe(true);
    }
  });

  it("synthesizes before planning, once per commit", () => {
    const workflow = atlantisConfig().workflows.cdktn;
    const [synth, init, plan] = workflow.plan.steps as [{ run: string }, unknown, string];
    expect(synth.run).toContain("npm ci");
    expect(synth.run).toContain("npx cdktn synth");
    expect(synth.run).toContain("$HEAD_COMMIT");
    expect(init).toEqual({ init: { extra_args: ["-input=false"] } });
    expect(plan).toBe("plan");
  });

  it("autoplans each layer on its own sources, its dependencies' stacks, and functions only where it bundles them", () => {
    expect(layerSources("lake")).toEqual(expect.arrayContaining(["config/**/*.ts", "contracts/**/*.ts", "modules/**/*.ts", "policies/**/*.ts", "stacks/**/*.ts"]));
    expect(layerSources("lake")).not.toContain("functions/**/*.ts");
    expect(layerSources("ingestion")).toContain("functions/**/*.ts");
    expect(layerSources("analytics")).toContain("functions/**/*.ts");
    // lake depends only on foundation: other layers' stack files are excluded, its deps' are not.
    expect(layerSources("lake")).toContain("!stacks/ingestion.ts");
    expect(layerSources("lake")).not.toContain("!stacks/foundation.ts");
    expect(layerSources("lake")).not.toContain("!stacks/lake.ts");
    expect(layerSources("monitoring").filter((source) => source.startsWith("!"))).toEqual([]);
    // Exclusions come last (.dockerignore semantics: later patterns win).
    const sources = layerSources("hot-stores");
    expect(sources.findIndex((source) => source.startsWith("!"))).toBeGreaterThan(sources.indexOf("stacks/**/*.ts"));
    const project = atlantisConfig().projects.find((p) => p.name === "acme-prod-lake")!;
    // Atlantis reads when_modified relative to the project dir, three levels below the root.
    expect(project.autoplan.when_modified).toContain("../../../contracts/**/*.ts");
    expect(project.autoplan.when_modified).toContain("!../../../stacks/ingestion.ts");
    for (const layer of layers) expect(layerSources(layer)).toContain("main.ts");
  });

  it("orders applies by dependency depth: every layer after all it depends on", () => {
    const group = (layer: string) => atlantisConfig().projects.find((p) => p.name === `acme-dev-${layer}`)!.execution_order_group;
    expect(group("foundation")).toBe(0);
    for (const layer of layers) for (const dep of layerDependencies[layer]) expect(group(layer)).toBeGreaterThan(group(dep));
  });

  it("`sdp atlantis --check` exits 1 with a diff hint when the file is stale, 0 once regenerated", async () => {
    const root = tempDir("sdp-atlantis-");
    fs.writeFileSync(path.join(root, atlantisFile), renderAtlantisYaml().replace("acme-dev-lake", "acme-dev-lakehouse"));
    const command = createAtlantisCommand(root);
    const stale = await runCommand(command, ["--check"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("atlantis.yaml is stale");
    expect(stale.stderr).toMatch(/line \d+: - {3}- name: acme-dev-lakehouse/);
    expect(stale.stderr).toMatch(/line \d+: \+ {3}- name: acme-dev-lake$/m);
    expect(stale.stderr).toContain("npx sdp atlantis");

    const written = await runCommand(command, []);
    expect(written.code).toBe(0);
    expect((await runCommand(command, ["--check"])).code).toBe(0);
    expect(fs.readFileSync(path.join(root, atlantisFile), "utf8")).toBe(renderAtlantisYaml());
  });

  it("`--check` on a repository without the file fails; unknown flags are usage errors", async () => {
    const command = createAtlantisCommand(tempDir("sdp-atlantis-"));
    const missing = await runCommand(command, ["--check"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("atlantis.yaml does not exist");
    expect((await runCommand(command, ["--chek"])).code).toBe(2);
  });
});
