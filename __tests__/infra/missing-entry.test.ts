/**
 * A spec whose entry file is missing, or does not export the handler Lambda is told to call,
 * fails synth (and `sdp local`, __tests__/local/missing-entry.test.ts) naming the function and the
 * file, instead of leaving the function out.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { functionSpec, functionSpecs, type FunctionSpec } from "../../contracts/functions";
import { checkEntry, EntryInvalid, familyEntryFile, repoRoot } from "../../modules/bundle";
import { specEntry } from "../../stacks/spec-functions";
import { fixtureHandler, synthesize } from "./helpers";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-entry-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const entryFile = (name: string, text: string) => {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, text);
  return file;
};

describe("entry files of the function specs", () => {
  it("every spec's entry exists and exports its handler", () => {
    // A Shopify family processor is built from the entry generated from its spec.
    const expected = (spec: FunctionSpec) => (spec.handlerModule ? familyEntryFile({ ...spec, handlerModule: spec.handlerModule }) : spec.entry);
    for (const spec of functionSpecs) expect({ name: spec.name, entry: specEntry(spec) }).toEqual({ name: spec.name, entry: expected(spec) });
  });

  it("checkEntry fails on a missing file or a missing handler export, and accepts the ways an export is written", () => {
    expect(() => checkEntry("shopify-orders", "functions/shopify/no-such-entry.ts", "handler")).toThrow(EntryInvalid);
    expect(() => checkEntry("shopify-orders", "functions/shopify/no-such-entry.ts", "handler")).toThrow(
      "function shopify-orders: its entry file functions/shopify/no-such-entry.ts does not exist",
    );
    const programOnly = entryFile("program-only.ts", "export const program = () => 1;\nexport const handlerFactory = () => 2;\n");
    expect(() => checkEntry("shopify-orders", programOnly, "handler")).toThrow(
      "function shopify-orders: its entry file does not export `handler`, the handler Lambda calls (index.handler)",
    );
    expect(() => checkEntry("t", entryFile("type-only.ts", "type handler = 1;\nexport { handler as other };\n"), "handler")).toThrow(EntryInvalid);
    for (const text of ["export const handler = 1;", "export async function handler() {}", "const h = 1;\nexport { program, h as handler };", 'export * from "./elsewhere";']) {
      expect(() => checkEntry("t", entryFile("ok.ts", text), "handler")).not.toThrow();
    }
    expect(() => checkEntry("t", fixtureHandler, "handler")).not.toThrow();
  });

  it("the default resolver fails on a spec whose entry is missing", () => {
    const spec = { ...functionSpec("recharge-processor"), entry: "functions/recharge/processor-gone.ts" };
    expect(() => specEntry(spec)).toThrow(/function recharge-processor: its entry file functions\/recharge\/processor-gone\.ts does not exist/);
    const renamed = { ...functionSpec("recharge-processor"), handler: "main" };
    expect(() => specEntry(renamed)).toThrow(/does not export `main`/);
  });

  it("the default resolver fails on a family processor whose handler module, its export or the frame is missing", () => {
    const orders = functionSpec("shopify-orders");
    expect(() => specEntry({ ...orders, handlerModule: { path: "functions/shopify/gone.ts", topicHandlers: "orderHandlers" } })).toThrow(
      "function shopify-orders: its handler module functions/shopify/gone.ts does not exist",
    );
    expect(() => specEntry({ ...orders, handlerModule: { path: "functions/shopify/orders.ts", topicHandlers: "noHandlers" } })).toThrow(
      /its handler module does not export `noHandlers`/,
    );
    expect(() => specEntry({ ...orders, entry: "functions/shopify/frame-gone.ts" })).toThrow(
      /function shopify-orders: its entry file functions\/shopify\/frame-gone\.ts does not exist/,
    );
  });

  it("synth fails, naming the function, when a spec's entry file is missing or lacks its handler", () => {
    const missing = path.join(scratch, "gone.ts");
    const only = (name: string, entry: string) => (spec: { name: string }) => (spec.name === name ? entry : undefined);
    expect(() => synthesize({ environments: ["dev"], functionEntry: only("shopify-orders", missing) })).toThrow(
      `function shopify-orders: its entry file ${path.relative(repoRoot, missing)} does not exist`,
    );
    const noHandler = entryFile("no-handler.ts", "export const program = () => 1;\n");
    expect(() => synthesize({ environments: ["dev"], functionEntry: only("backfill-poll", noHandler) })).toThrow(
      /function backfill-poll: its entry file does not export `handler`/,
    );
  });
});
