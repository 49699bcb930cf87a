import { layerDependencies, layers, stackName } from "../../contracts/naming";
import { deployedEnvironments } from "../../config/environments";
import { allStacks, layersInDeployOrder, missingDependencies, selectStacks, stacksOf, UnknownStacks } from "../../delivery/stacks";

describe("stack catalogue", () => {
  it("lists every (environment x layer) stack with its synth directory", () => {
    expect(allStacks()).toHaveLength(deployedEnvironments.length * layers.length);
    expect(stacksOf("staging")[0]).toEqual({ env: "staging", layer: "foundation", stack: "acme-staging-foundation", dir: "cdktf.out/stacks/acme-staging-foundation" });
    for (const target of allStacks()) expect(target.stack).toBe(stackName("acme", target.env, target.layer));
  });

  it("deploy order puts every layer after the layers it depends on", () => {
    const order = layersInDeployOrder();
    expect(order).toHaveLength(layers.length);
    for (const layer of layers) for (const dep of layerDependencies[layer]) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(layer));
  });

  it("detects a dependency cycle", () => {
    const cyclic = { ...layerDependencies, foundation: ["monitoring" as const] };
    expect(() => layersInDeployOrder(layers, cyclic)).toThrow(/cycle/);
  });

  it("--stacks accepts layer names and full stack names, returned in dependency order", () => {
    const chosen = selectStacks("dev", ["monitoring", "acme-dev-lake", "foundation"]);
    expect(chosen.map((t) => t.stack)).toEqual(["acme-dev-foundation", "acme-dev-lake", "acme-dev-monitoring"]);
    expect(missingDependencies(chosen)).toEqual(expect.arrayContaining(["hot-stores", "ingestion", "analytics"]));
    expect(missingDependencies(selectStacks("dev", undefined))).toEqual([]);
  });

  it("unknown names (or another environment's stacks) list the valid ones", () => {
    expect(() => selectStacks("dev", ["lake", "warehouse", "acme-prod-lake"])).toThrow(UnknownStacks);
    try {
      selectStacks("dev", ["warehouse"]);
    } catch (error) {
      expect((error as Error).message).toContain("unknown stack warehouse for dev");
      expect((error as Error).message).toContain("foundation, lake, hot-stores");
      expect((error as Error).message).toContain("acme-dev-monitoring");
    }
  });
});
