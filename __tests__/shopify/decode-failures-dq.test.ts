/** A payload that still fails decoding: to the DLQ with its reason, counted per topic and version, and reported by the data-quality run. */
import * as fs from "node:fs";
import * as path from "node:path";
import { Exit } from "effect";
import { dataQualityProgram } from "../../functions/data-quality/handler-program";
import { parseJson } from "../../functions/kernel/json";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { familyProcessor } from "../../functions/shopify/family-processor";
import { orderHandlers } from "../../functions/shopify/orders";
import { productHandlers } from "../../functions/shopify/products";
import { fixturesDir, run, runExit } from "./support";
import { partnerEnvelope } from "../support";

const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;
const productsProgram = familyProcessor("shopify-products", productHandlers).program;

// The kernel parser: ids beyond 2^53 stay exact (as strings), as the processors see them.
const sample = (version: string, file: string) => parseJson(fs.readFileSync(path.join(fixturesDir, "versions", version, file), "utf8")) as Record<string, unknown>;

const withVersion = (envelope: ReturnType<typeof partnerEnvelope>, version: string) => {
  (envelope.detail as { metadata: Record<string, string> }).metadata["X-Shopify-API-Version"] = version;
  return envelope;
};

test("the data-quality run reports decode failures per topic and API version", async () => {
  const platform = makeTestPlatform();
  const when = { time: "2026-11-02T09:00:00Z" };
  for (const webhookId of ["wh-a", "wh-b"]) {
    const exit = await runExit(
      platform.layer,
      ordersProgram(withVersion(partnerEnvelope("orders/updated", { ...sample("2026-07", "orders__updated.json"), updated_at: 42 }, { ...when, webhookId }), "2026-07")),
    );
    expect(Exit.isFailure(exit)).toBe(true);
  }
  await runExit(
    platform.layer,
    productsProgram(withVersion(partnerEnvelope("products/update", { ...sample("2026-10", "products__update.json"), id: "not-an-id" }, { ...when, webhookId: "wh-c" }), "2026-10")),
  );
  // A good event the same day is not counted.
  await run(platform.layer, ordersProgram(withVersion(partnerEnvelope("orders/create", sample("2026-10", "orders__create.json"), { ...when, webhookId: "wh-d" }), "2026-10")));

  const report = await run(platform.layer, dataQualityProgram({ date: "2026-11-02", runId: "dq-1", checkedAt: "2026-11-03T06:00:00Z", hotStore: "none", requestBackfill: false }));
  const decode = report.results.filter((result) => result.check === "decode-failures");
  expect(decode.map((result) => [result.subject, result.status, result.details?.count])).toEqual([
    ["orders/updated@2026-07", "fail", 2],
    ["products/update@2026-10", "fail", 1],
  ]);
  expect(decode[0]!.message).toContain("sdp redrive");
  expect(platform.state.metrics.find((metric) => metric.name === "PayloadDecodeFailures")?.value).toBe(3);

  // A clean day passes.
  const clean = await run(
    makeTestPlatform().layer,
    dataQualityProgram({ date: "2026-11-02", runId: "dq-2", checkedAt: "2026-11-03T06:00:00Z", hotStore: "none", requestBackfill: false }),
  );
  expect(clean.results.filter((result) => result.check === "decode-failures").map((result) => result.status)).toEqual(["pass"]);
});
