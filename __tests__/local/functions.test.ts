import * as fs from "node:fs";
import * as path from "node:path";
import { Cause, Exit } from "effect";
import { functionSpecs, type FunctionSpec } from "../../contracts/functions";
import { InvalidPayload, StaleUpdate, Throttled, Transient } from "../../functions/kernel/errors";
import { metadataValue, parseEnvelope, partnerDedupeKeys } from "../../local/event-door";
import { consumerResultOf, loadEventFunction, loadHttpFunction, webhookRouteKeys } from "../../local/functions";
import { tempDataDir } from "../support";

describe("consumerResultOf (how a local queue settles a processor's exit)", () => {
  it("deletes on success and on a leaked StaleUpdate", () => {
    expect(consumerResultOf(Exit.void)).toEqual({ kind: "ok" });
    expect(consumerResultOf(Exit.fail(new StaleUpdate({ table: "orders", key: "k" })))).toEqual({ kind: "ok" });
  });

  it("dead-letters InvalidPayload without retry, naming the reason", () => {
    const result = consumerResultOf(Exit.fail(new InvalidPayload({ reason: "id is missing", field: "id" })));
    expect(result.kind).toBe("invalid");
    expect(result.kind === "invalid" && result.reason).toContain("id is missing");
  });

  it("retries Transient, Throttled (after retryAfterMs), other failures and defects", () => {
    expect(consumerResultOf(Exit.fail(new Transient({ service: "dynamodb", reason: "timeout" }))).kind).toBe("retry");
    expect(consumerResultOf(Exit.fail(new Throttled({ service: "s3", retryAfterMs: 250 })))).toMatchObject({ kind: "retry", retryAfterMs: 250 });
    expect(consumerResultOf(Exit.fail({ _tag: "SecretUnavailable", secret: "x", reason: "unset" })).kind).toBe("retry");
    expect(consumerResultOf(Exit.die(new Error("bug")))).toMatchObject({ kind: "retry", reason: expect.stringContaining("defect") });
    expect(consumerResultOf(Exit.failCause(Cause.interrupt(Cause.empty as never))).kind).toBe("retry");
  });
});

describe("loading function programs from contracts/functions.ts", () => {
  it("finds the HTTP program of each webhook route, and every processor a route names", () => {
    for (const route of ["POST /webhooks/shopify", "POST /webhooks/recharge", "POST /webhooks/stripe"]) {
      const loaded = loadHttpFunction(route);
      expect(loaded).toMatchObject({ ok: true });
    }
    expect(loadHttpFunction("POST /webhooks/nobody")).toBeUndefined();
    for (const spec of functionSpecs.filter((candidate) => candidate.trigger === "sqs")) {
      expect({ name: spec.name, ok: loadEventFunction(spec.name)?.ok }).toEqual({ name: spec.name, ok: true });
    }
  });

  it("fails on a missing entry file or one without a `program` (or `handler`) export, naming the function and the file", () => {
    const root = tempDataDir("functions");
    try {
      const spec: FunctionSpec = functionSpecs.find((candidate) => candidate.name === "recharge-processor")!;
      expect(() => loadEventFunction(spec.name, root)).toThrow(
        expect.objectContaining({ _tag: "FunctionEntryInvalid", message: expect.stringContaining(`${spec.entry} does not exist`) }),
      );
      fs.mkdirSync(path.join(root, path.dirname(spec.entry)), { recursive: true });
      fs.writeFileSync(path.join(root, spec.entry), "module.exports = { handler: () => undefined };");
      expect(() => loadEventFunction(spec.name, root)).toThrow(expect.objectContaining({ message: expect.stringContaining("does not export a `program`") }));
      const door = functionSpecs.find((candidate) => candidate.route === "POST /webhooks/shopify")!;
      fs.mkdirSync(path.join(root, path.dirname(door.entry)), { recursive: true });
      fs.writeFileSync(path.join(root, door.entry), "module.exports = { program: () => undefined };");
      expect(() => loadHttpFunction("POST /webhooks/shopify", root)).toThrow(/function shopify-ingress .*does not export a `handler` function/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("the webhook doors of sdp local", () => {
  it('are the routes of the specs with trigger "http", in contract order', () => {
    expect(webhookRouteKeys()).toEqual(functionSpecs.filter((spec) => spec.trigger === "http").map((spec) => spec.route));
    expect(webhookRouteKeys()).toEqual(["POST /webhooks/shopify", "POST /webhooks/recharge", "POST /webhooks/stripe"]);
    const door = functionSpecs.find((spec) => spec.trigger === "http")!;
    expect(() => webhookRouteKeys([{ ...door, route: undefined }])).toThrow(`function ${door.name} (contracts/functions.ts) has trigger "http" but no \`route\``);
  });
});

describe("POST /events envelope parsing", () => {
  const body = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));

  it("keeps ids beyond 2^53 exact and fills a missing id and time", () => {
    const parsed = parseEnvelope(
      body(
        '{"source":"aws.partner/shopify.com/1/x","detail-type":"shopifyWebhook","detail":{"metadata":{"x-shopify-topic":"orders/create"},"payload":{"id":9007199254740993123}}}',
      ),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect((parsed.envelope.detail as { payload: { id: unknown } }).payload.id).toBe("9007199254740993123");
    expect(parsed.envelope.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(parsed.envelope.time)).not.toBeNaN();
    expect(parsed.topic).toBe("orders/create");
  });

  it("accepts a payload carried as a JSON string, as the processors do", () => {
    const parsed = parseEnvelope(body({ source: "s", "detail-type": "shopifyWebhook", detail: { metadata: { "X-Shopify-Topic": "orders/create" }, payload: '{"id":1}' } }));
    expect(parsed.ok).toBe(true);
    expect(parseEnvelope(body({ source: "s", "detail-type": "shopifyWebhook", detail: { metadata: { "X-Shopify-Topic": "orders/create" }, payload: "[1]" } })).ok).toBe(false);
  });

  it("reads metadata headers in any letter case and keys duplicates like the Shopify processors", () => {
    expect(metadataValue({ metadata: { "X-SHOPIFY-TOPIC": " orders/paid " } }, "x-shopify-topic")).toBe("orders/paid");
    const envelope = { id: "env-1", source: "s", "detail-type": "shopifyWebhook", time: "2026-01-01T00:00:00Z", detail: { metadata: { "x-shopify-webhook-id": "w-9" } } };
    expect(partnerDedupeKeys(envelope)).toEqual(["shopify:w-9"]);
    expect(partnerDedupeKeys({ ...envelope, detail: { metadata: {} } })).toEqual(["shopify:env-1"]);
  });
});
