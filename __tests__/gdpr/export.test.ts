/**
 * Data requests on in-memory layers: the export of what the subject index points at, the stores
 * searched, the alert with its link (once per request), dry run, unknown subject, and a recorded
 * request carried out and completed. The presigned link is checked against s3rver in
 * redaction-e2e.test.ts (the demo's lake, completeness part).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Effect, Layer, Option } from "effect";
import { makeTestPlatform } from "../../functions/kernel/memory";
import { SubjectIndexFromHotStore } from "../../functions/kernel/subject-index";
import { familyProcessor } from "../../functions/shopify/family-processor";
import { orderHandlers } from "../../functions/shopify/orders";
import { processStripeDelivery } from "../../functions/stripe/processor-program";
import { exportKeysOf, exportSubject, runDataRequest } from "../../functions/gdpr/export";
import { presignGetUrl } from "../../functions/gdpr/presign";
import { createRequest, getRequest } from "../../functions/gdpr/requests";
import { identifierOf } from "../../functions/gdpr/subject";
import { partnerEnvelope } from "../support";

const fixture = (file: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", file), "utf8"));
const ordersProgram = familyProcessor("shopify-orders", orderHandlers).program;

const setup = async () => {
  const platform = makeTestPlatform({ secrets: { subjectIndexKey: "export-test-key" } });
  const layer = Layer.provideMerge(SubjectIndexFromHotStore, platform.layer);
  const run = <A, E>(effect: Effect.Effect<A, E, any>) => Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E, never>);
  await run(ordersProgram(partnerEnvelope("orders/create", fixture("shopify/order.json"), { webhookId: "wh-1" })));
  // A Stripe charge paid with the same e-mail.
  const charge = fixture("stripe/charge-succeeded.json");
  charge.data.object.receipt_email = "jane.doe@example.com";
  await run(
    processStripeDelivery({
      source: "stripe",
      topic: "charge.succeeded",
      eventId: charge.id,
      receivedAt: "2026-11-01T10:00:00Z",
      payload: charge,
      rawKey: "raw/stripe/charge/dt=2026-11-01/s-1.json",
    }),
  );
  platform.state.objects.set("raw/stripe/charge/dt=2026-11-01/s-1.json", { body: Buffer.from(JSON.stringify(charge)), contentType: "application/json", metadata: undefined });
  return { platform, run, charge };
};

const presign = (key: string) =>
  presignGetUrl({
    bucket: "acme-lake",
    key,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    expiresInSeconds: 3600,
    now: new Date("2026-12-01T00:00:00Z"),
  });

describe("GDPR data request export", () => {
  test("exports the raw events and hot items of the subject, lists every store searched, alerts once with the link", async () => {
    const { platform, run, charge } = await setup();
    const report = await run(exportSubject({ requestId: "req-1", identifiers: [identifierOf("Jane.Doe@example.com")!], presign }));
    const { exportKey, storesKey } = exportKeysOf("req-1");
    expect(report).toMatchObject({ requestId: "req-1", dryRun: false, exportKey, storesKey, alerted: true });
    expect(exportKey).toBe("restricted/gdpr-exports/req-1/subject.json");
    const exported = JSON.parse(platform.objectText(exportKey)!);
    const stores = exported.records.map((record: { location: { store: string; table?: string } }) => `${record.location.store}:${record.location.table ?? ""}`).sort();
    expect(stores).toEqual(["hot:orders", "hot:payments", "raw:", "raw:"]);
    const order = exported.records.find((record: { location: { table?: string } }) => record.location.table === "orders");
    expect(order.data.id).toBe("gid://shopify/Order/5432109876543");
    expect(exported.records.find((record: { location: { key: string } }) => record.location.key === "raw/stripe/charge/dt=2026-11-01/s-1.json").data.id).toBe(charge.id);
    const searched = JSON.parse(platform.objectText(storesKey)!).stores as Array<{ store: string; records: number }>;
    expect(searched.map((store) => store.store)).toEqual(
      expect.arrayContaining(["raw/", "snapshots/", "processed/", "curated/", "hot:orders", "hot:customers", "hot:payments", "idempotency", "dlq"]),
    );
    expect(searched.find((store) => store.store === "raw/")!.records).toBe(2);
    expect(platform.state.alerts).toHaveLength(1);
    expect(platform.state.alerts[0]).toMatchObject({ kind: "gdpr-export-ready", dedupKey: "gdpr-export:req-1" });
    expect(platform.state.alerts[0]!.message).toContain(presign(exportKey));
    // The alert carries no identifier.
    expect(platform.state.alerts[0]!.message).not.toContain("jane.doe");

    // A repeat writes the same export and does not alert again.
    const again = await run(exportSubject({ requestId: "req-1", identifiers: [identifierOf("jane.doe@example.com")!], presign }));
    expect(again).toMatchObject({ records: report.records, alerted: false });
    expect(platform.state.alerts).toHaveLength(1);
  });

  test("a dry run lists the locations and writes nothing", async () => {
    const { platform, run } = await setup();
    const before = platform.state.objects.size;
    const report = await run(exportSubject({ requestId: "req-2", identifiers: [identifierOf("7012345678901")!], dryRun: true }));
    expect(report.dryRun).toBe(true);
    expect(report.locations.length).toBeGreaterThanOrEqual(2);
    expect(platform.state.objects.size).toBe(before);
    expect(platform.state.alerts).toHaveLength(0);
  });

  test("an unknown customer exports an empty record set and says every store was searched", async () => {
    const { platform, run } = await setup();
    const report = await run(exportSubject({ requestId: "req-3", identifiers: [identifierOf("nobody@example.com")!] }));
    expect(report.records).toBe(0);
    expect(report.stores.every((store) => store.records === 0)).toBe(true);
    expect(JSON.parse(platform.objectText(exportKeysOf("req-3").exportKey)!).records).toEqual([]);
  });

  test("a recorded data request is exported, its step recorded and the request completed without its identifiers", async () => {
    const { run } = await setup();
    await run(
      createRequest({
        requestId: "shopify-wh-dr",
        kind: "customer-export",
        origin: "shopify-webhook",
        receivedAt: "2026-12-01T00:00:00Z",
        identifiers: [identifierOf("jane.doe@example.com")!],
      }),
    );
    const report = await run(runDataRequest("shopify-wh-dr"));
    expect(report).toMatchObject({ requestId: "shopify-wh-dr", records: 4 });
    const record = Option.getOrThrow(await run(getRequest("shopify-wh-dr")));
    expect(record.status).toBe("complete");
    expect(record.stepsDone).toContain("export");
    expect(record.identifiers).toBeUndefined();
    expect(record.subjectKeys.length).toBe(1);
    // Repeated after completion: nothing to export again (the identifiers are erased).
    expect(await run(runDataRequest("shopify-wh-dr"))).toEqual({ requestId: "shopify-wh-dr", alreadyComplete: true });
  });

  test("the presigner reproduces AWS's published SigV4 query-string example (examplebucket/test.txt, 2013-05-24)", () => {
    // docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
    const url = presignGetUrl({
      bucket: "examplebucket",
      key: "test.txt",
      region: "us-east-1",
      credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
      expiresInSeconds: 86400,
      now: new Date("2013-05-24T00:00:00Z"),
    });
    expect(new URL(url).searchParams.get("X-Amz-Signature")).toBe("aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  });

  test("a presigned link is SigV4 query authentication for a GET of the key, at most 7 days", () => {
    const url = new URL(presign("restricted/gdpr-exports/req-1/subject.json"));
    expect(url.host).toBe("acme-lake.s3.eu-west-1.amazonaws.com");
    expect(url.pathname).toBe("/restricted/gdpr-exports/req-1/subject.json");
    expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(url.searchParams.get("X-Amz-Credential")).toBe("AKIDEXAMPLE/20261201/eu-west-1/s3/aws4_request");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("3600");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(() => presignGetUrl({ bucket: "b", key: "k", region: "eu-west-1", credentials: { accessKeyId: "a", secretAccessKey: "s" }, expiresInSeconds: 8 * 24 * 3600 })).toThrow(
      /7 days/,
    );
  });
});
