/**
 * Property-based fuzzing of every door, shared by the jest suite
 * (__tests__/fuzz/doors.test.ts: 2,000+ cases per door in memory, a few hundred through the real
 * `sdp local` HTTP server) and `npm run fuzz` (bench/fuzz.ts: 100,000 per door).
 *
 * Generators: random and huge ids, topics and header values (control characters, unicode, lone
 * surrogates, lengths at every limit), JSON nested up to 100,000 deep, invalid UTF-8, truncated
 * bodies, numbers beyond 2^53 and 1e400, and valid signatures over hostile bodies (the hostile
 * body is signed with the test secret, so it passes the signature check and reaches validation).
 *
 * What every case must hold (checked by `checkAnswer` and the harnesses):
 *   - no 5xx, no crash (a defect is a 500 and counts as a failure);
 *   - nothing not validly signed is accepted (webhook doors);
 *   - what is accepted is stored raw byte for byte under a key within S3's and s3rver's limits;
 *   - processors given what was accepted succeed or dead-letter it (InvalidPayload), never a defect;
 *   - afterwards a valid signed delivery is still accepted and readable.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { Cause, Exit, LogLevel, ManagedRuntime, Option } from "effect";
import { routes as contractRoutes, SHOPIFY_DETAIL_TYPE, shopifyTopics } from "../../contracts/events";
import type { BusEnvelope, HttpRequest, HttpResponse } from "../../functions/kernel/function-shape";
import { parseJson } from "../../functions/kernel/json";
import { s3KeyProblem } from "../../functions/kernel/limits";
import type { TestPlatform } from "../../functions/kernel/memory";
import { program as rechargeIngress } from "../../functions/recharge/ingress";
import { program as shopifyIngress } from "../../functions/shopify/ingress";
import { program as stripeIngress } from "../../functions/stripe/ingress";
import { createEventDoor, partnerDedupeKeys } from "../../local/event-door";
import { matchesPattern } from "../../local/event-pattern";
import { loadEventFunction, type AnyEventProgram } from "../../local/functions";
import { LocalEventRouter } from "../../local/router";
import { envelopeOf, partnerEnvelopeText } from "./envelopes";
import { memoryPlatform } from "./platform";
import { nowSeconds, rechargeHash, rechargeSignature, shopifySignature, stripeSignature } from "./signing";

export type Door = "shopify" | "recharge" | "stripe" | "events";
export const doors: ReadonlyArray<Door> = ["shopify", "recharge", "stripe", "events"];
export const doorPath: Record<Door, string> = { shopify: "/webhooks/shopify", recharge: "/webhooks/recharge", stripe: "/webhooks/stripe", events: "/events" };

export const FUZZ_SECRETS = { shopify: "fuzz-shopify-secret", recharge: "fuzz-recharge-secret", stripe: "whsec_fuzz_stripe_secret" } as const;
/** The secrets as `sdp local` reads them from its environment. */
export const fuzzPlatformEnv = { SHOPIFY_WEBHOOK_SECRET: FUZZ_SECRETS.shopify, RECHARGE_WEBHOOK_SECRET: FUZZ_SECRETS.recharge, STRIPE_WEBHOOK_SECRET: FUZZ_SECRETS.stripe };

const fixturesRoot = path.join(__dirname, "..", "fixtures");
const fixtureText = (provider: string, file: string) => fs.readFileSync(path.join(fixturesRoot, provider, file), "utf8");
const fixtureTexts = {
  shopify: ["order.json", "customer.json", "product.json", "refund.json", "checkout.json"].map((file) => fixtureText("shopify", file)),
  recharge: ["subscription-created.json", "charge-failed-1.json", "subscription-created-large-ids.json"].map((file) => fixtureText("recharge", file)),
  stripe: ["charge-succeeded.json", "invoice-paid.json", "charge-dispute-created.json", "payment_intent-payment_failed.json"].map((file) => fixtureText("stripe", file)),
};
const rechargeTopicOfFixture = ["subscription/created", "charge/failed", "subscription/created"];

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Lengths at and around every limit a value meets (event ids 200, s3rver names 228/233/255, S3 keys 1,024, DynamoDB keys 2,048). */
export const LIMIT_LENGTHS = [0, 1, 36, 64, 65, 99, 100, 101, 199, 200, 201, 227, 228, 229, 233, 234, 254, 255, 256, 300, 1024, 1025, 2048, 2049, 5000];

const oddPieces = [
  "é",
  "ü",
  "中",
  "😀",
  "\u202e",
  "\ufeff",
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\ud800",
  "\udfff",
  "%2F",
  "%00",
  "../",
  "/",
  "\\",
  " ",
  ",",
  "=",
  ";",
  '"',
  "'",
  "\t",
  "\r\n",
  "\n",
  "*",
  "?",
  ":",
  "|",
  "<",
  ">",
  ".",
];

const controlChar = fc.integer({ min: 0, max: 31 }).map((code) => String.fromCharCode(code));

/** Any text: random strings of every unit, odd pieces glued together, one character repeated to a limit length, UUIDs. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.array(fc.oneof(fc.constantFrom(...oddPieces), controlChar, fc.string({ maxLength: 6 })), { maxLength: 16 }).map((parts) => parts.join("")),
  fc.tuple(fc.constantFrom(...LIMIT_LENGTHS), fc.constantFrom("a", "0", "-", "é", "%", "/", "😀", ".", "_")).map(([length, piece]) => piece.repeat(length)),
  fc.uuid(),
);

/** Ids as providers send them, and ids no provider sends. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.stringMatching(/^evt_[A-Za-z0-9]{24}$/) },
  { weight: 3, arbitrary: hostileText },
  { weight: 2, arbitrary: fc.constantFrom(...LIMIT_LENGTHS).map((length) => "e".repeat(length)) },
);

/** Topics: real ones (Shopify, Recharge, Stripe), their letter-case and shape variants, and anything. */
export const hostileTopic = (real: ReadonlyArray<string>, realWeight = 3): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: realWeight, arbitrary: fc.constantFrom(...real) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((topic) => topic.toUpperCase()) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...real), fc.constantFrom(...LIMIT_LENGTHS)).map(([topic, length]) => `${topic}${"x".repeat(length)}`) },
    { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[a-z_]{1,300}$/), fc.stringMatching(/^[a-z_]{1,300}$/)).map(([a, b]) => `${a}/${b}`) },
    { weight: 2, arbitrary: hostileText },
  );

export const hostileShopDomain: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant("acme-store.myshopify.com") },
  { weight: 1, arbitrary: fc.constantFrom(...LIMIT_LENGTHS).map((length) => `${"s".repeat(length)}.myshopify.com`) },
  { weight: 2, arbitrary: hostileText },
);

/** A value that may replace any field of a payload. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.constantFrom(null, true, false, 0, -1, 1.5, Number.MAX_SAFE_INTEGER, -0, 1e21, "abc", "", "1e3", "Infinity", "NaN", "garbage", "2026-13-45T99:00:00", "29.95", "1e400"),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Literals JSON.parse turns into Infinity or that exceed 2^53, spliced in as raw text. */
const rawNumberLiterals = ["1e400", "-1e400", "1E+999", "123456789012345678901234567890", "9007199254740993", `1${"0".repeat(400)}.5`, "0.1e-400"];

/** Objects and arrays nested `depth` levels deep, as text (built by concatenation: nothing recurses). */
export const nestedJson = (depth: number, kind: "array" | "object" | "mixed", inner = "1"): string => {
  if (kind === "array") return `${"[".repeat(depth)}${inner}${"]".repeat(depth)}`;
  if (kind === "object") return `${'{"a":'.repeat(depth)}${inner}${"}".repeat(depth)}`;
  const half = Math.floor(depth / 2);
  return `${'{"a":['.repeat(half)}${inner}${"]}".repeat(half)}`;
};

export const deepDepth: fc.Arbitrary<number> = fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(62, 63, 64, 65, 100, 1_000, 10_000, 100_000));

/** Replaces one field (chosen by `pick`) anywhere in a parsed fixture; returns the new text. */
const mutateFixture = (text: string, pick: number, replacement: string): string => {
  // Field positions in the text: `"name": ` followed by a value up to the next comma / bracket on that line.
  const matches = [...text.matchAll(/"[A-Za-z_]+": ([^\n]*?)(,?)\n/g)];
  if (matches.length === 0) return text;
  const match = matches[pick % matches.length]!;
  const start = match.index! + match[0].indexOf(": ") + 2;
  const end = start + match[1]!.length;
  // Values that open an object or array on this line are left alone (the text stays well-formed).
  if (/^[[{]\s*$/.test(match[1]!)) return text;
  return `${text.slice(0, start)}${replacement}${text.slice(end)}`;
};

/** A JSON body for a door: a real fixture with hostile fields, deep nesting, raw huge numbers, or random JSON. */
const hostileJsonBody = (fixtures: ReadonlyArray<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...fixtures) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...fixtures),
          fc.array(
            fc.tuple(
              fc.nat(),
              fc.oneof(
                hostileValue.map((value) => JSON.stringify(value) ?? "null"),
                fc.constantFrom(...rawNumberLiterals),
              ),
            ),
            { minLength: 1, maxLength: 4 },
          ),
        )
        .map(([text, edits]) => edits.reduce((body, [pick, replacement]) => mutateFixture(body, pick, replacement), text)),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...fixtures), fc.nat(), deepDepth, fc.constantFrom("array" as const, "object" as const, "mixed" as const))
        .map(([text, pick, depth, kind]) => mutateFixture(text, pick, nestedJson(depth, kind))),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(deepDepth, fc.constantFrom("array" as const, "object" as const, "mixed" as const)).map(([depth, kind]) => `{"a":${nestedJson(depth, kind)}}`),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  );

/** Bytes: the JSON body, or the same made invalid UTF-8, truncated, empty, random bytes, or over 1 MiB. */
const hostileBytes = (json: fc.Arbitrary<string>): fc.Arbitrary<{ readonly body: Buffer; readonly truncated: boolean }> =>
  fc.oneof(
    { weight: 12, arbitrary: json.map((text) => ({ body: Buffer.from(text, "utf8"), truncated: false })) },
    {
      weight: 2,
      arbitrary: fc.tuple(json, fc.nat(), fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80], [0xc0, 0xaf], [0x00])).map(([text, at, bytes]) => {
        const body = Buffer.from(text, "utf8");
        const cut = at % (body.length + 1);
        return { body: Buffer.concat([body.subarray(0, cut), Buffer.from(bytes), body.subarray(cut)]), truncated: false };
      }),
    },
    { weight: 2, arbitrary: fc.tuple(json, fc.nat()).map(([text, at]) => ({ body: Buffer.from(text, "utf8").subarray(0, at % (text.length + 1)), truncated: true })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ body: Buffer.from(bytes), truncated: false })) },
    { weight: 1, arbitrary: fc.constant({ body: Buffer.alloc(0), truncated: false }) },
    { weight: 1, arbitrary: fc.constantFrom(1024 * 1024, 1024 * 1024 + 1).map((size) => ({ body: Buffer.alloc(size, 0x20), truncated: false })) },
  );

/** How a case is signed: validly over its (hostile) body, not at all, with a wrong secret, or with a garbage header. */
export type Signing = "valid" | "none" | "wrong-secret" | "garbage";
const signing: fc.Arbitrary<Signing> = fc.oneof(
  { weight: 7, arbitrary: fc.constant("valid" as const) },
  { weight: 1, arbitrary: fc.constantFrom("none" as const, "wrong-secret" as const, "garbage" as const) },
);

export interface DoorCase {
  readonly door: Door;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** True when the signature headers are a valid signature of the body with the door's secret (never for /events). */
  readonly signed: boolean;
  /** The body was cut short (the HTTP client may also declare the full length and hang up). */
  readonly truncated: boolean;
}

/** A few more headers, any names and values (names stay HTTP tokens only sometimes). */
const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.oneof(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), fc.constantFrom("content-type", "x-shopify-api-version", "x-shopify-triggered-at")),
  hostileText,
  { maxKeys: 3 },
);

const shopifyCase: fc.Arbitrary<DoorCase> = fc
  .record({
    bytes: hostileBytes(hostileJsonBody(fixtureTexts.shopify)),
    topic: fc.option(hostileTopic(shopifyTopics), { nil: undefined, freq: 10 }),
    webhookId: fc.option(hostileId, { nil: undefined, freq: 8 }),
    eventId: fc.option(hostileId, { nil: undefined, freq: 3 }),
    shop: fc.option(hostileShopDomain, { nil: undefined, freq: 8 }),
    extra: extraHeaders,
    signing,
    garbage: hostileText,
  })
  .map(({ bytes, topic, webhookId, eventId, shop, extra, signing: how, garbage }) => {
    const headers: Record<string, string> = { ...extra, "content-type": "application/json" };
    if (topic !== undefined) headers["x-shopify-topic"] = topic;
    if (webhookId !== undefined) headers["x-shopify-webhook-id"] = webhookId;
    if (eventId !== undefined) headers["x-shopify-event-id"] = eventId;
    if (shop !== undefined) headers["x-shopify-shop-domain"] = shop;
    if (how === "valid") headers["x-shopify-hmac-sha256"] = shopifySignature(FUZZ_SECRETS.shopify, bytes.body);
    if (how === "wrong-secret") headers["x-shopify-hmac-sha256"] = shopifySignature("not-the-secret", bytes.body);
    if (how === "garbage") headers["x-shopify-hmac-sha256"] = garbage;
    return { door: "shopify" as const, headers, body: bytes.body, signed: how === "valid", truncated: bytes.truncated };
  });

const rechargeCase: fc.Arbitrary<DoorCase> = fc
  .record({
    bytes: hostileBytes(hostileJsonBody(fixtureTexts.recharge)),
    topic: fc.option(hostileTopic([...rechargeTopicOfFixture, "charge/paid", "order/created", "customer/payment_method_updated"]), { nil: undefined, freq: 10 }),
    scheme: fc.constantFrom("legacy" as const, "timestamped" as const, "both" as const),
    signing,
    garbage: hostileText,
    extra: extraHeaders,
  })
  .map(({ bytes, topic, scheme, signing: how, garbage, extra }) => {
    const headers: Record<string, string> = { ...extra, "content-type": "application/json" };
    if (topic !== undefined) headers["x-recharge-topic"] = topic;
    const secret = how === "wrong-secret" ? "not-the-secret" : FUZZ_SECRETS.recharge;
    if (how === "valid" || how === "wrong-secret") {
      if (scheme !== "timestamped") headers["x-recharge-hmac-sha256"] = rechargeHash(secret, bytes.body);
      if (scheme !== "legacy") headers["x-recharge-webhook-signature"] = rechargeSignature(secret, bytes.body);
    }
    if (how === "garbage") headers[scheme === "legacy" ? "x-recharge-hmac-sha256" : "x-recharge-webhook-signature"] = garbage;
    return { door: "recharge" as const, headers, body: bytes.body, signed: how === "valid", truncated: bytes.truncated };
  });

const stripeCase: fc.Arbitrary<DoorCase> = fc
  .record({
    bytes: hostileBytes(
      fc.oneof(
        { weight: 4, arbitrary: hostileJsonBody(fixtureTexts.stripe) },
        // The event's own id and type: what becomes the key.
        {
          weight: 2,
          arbitrary: fc
            .tuple(
              fc.constantFrom(...fixtureTexts.stripe),
              hostileId,
              hostileTopic(["charge.succeeded", "invoice.paid", "charge.dispute.created", "payment_intent.payment_failed", "customer.created"]),
            )
            .map(([text, id, type]) => {
              const event = JSON.parse(text) as Record<string, unknown>;
              return JSON.stringify({ ...event, id, type });
            }),
        },
      ),
    ),
    signing,
    garbage: hostileText,
    extra: extraHeaders,
  })
  .map(({ bytes, signing: how, garbage, extra }) => {
    const headers: Record<string, string> = { ...extra, "content-type": "application/json" };
    if (how === "valid") headers["stripe-signature"] = stripeSignature(FUZZ_SECRETS.stripe, bytes.body);
    if (how === "wrong-secret") headers["stripe-signature"] = stripeSignature("whsec_not_the_secret", bytes.body);
    if (how === "garbage") headers["stripe-signature"] = garbage;
    return { door: "stripe" as const, headers, body: bytes.body, signed: how === "valid", truncated: bytes.truncated };
  });

/** Partner-bus envelopes as `POST /events` takes them, with hostile metadata, ids and payloads. */
const envelopeText: fc.Arbitrary<string> = fc
  .record({
    id: fc.option(hostileId, { nil: undefined, freq: 6 }),
    detailType: fc.oneof({ weight: 8, arbitrary: fc.constant(SHOPIFY_DETAIL_TYPE) }, { weight: 1, arbitrary: hostileText }),
    source: fc.oneof({ weight: 8, arbitrary: fc.constant("aws.partner/shopify.com/123456/acme-dev") }, { weight: 1, arbitrary: hostileText }),
    time: fc.oneof(fc.constant("2026-01-31T10:00:00Z"), hostileText),
    topic: fc.option(hostileTopic(shopifyTopics, 10), { nil: undefined, freq: 10 }),
    topicHeader: fc.constantFrom("X-Shopify-Topic", "x-shopify-topic", "X-SHOPIFY-TOPIC"),
    webhookId: fc.option(fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 2, arbitrary: hostileId }), { nil: undefined, freq: 6 }),
    eventId: fc.option(hostileId, { nil: undefined, freq: 2 }),
    shop: fc.option(fc.oneof({ weight: 3, arbitrary: fc.constant("acme-store.myshopify.com") }, { weight: 1, arbitrary: hostileShopDomain }), { nil: undefined, freq: 6 }),
    triggeredAt: fc.option(hostileText, { nil: undefined }),
    payload: hostileJsonBody(fixtureTexts.shopify),
    payloadAsString: fc.boolean(),
  })
  .map((e) => {
    const metadata: Record<string, string> = { "Content-Type": "application/json" };
    if (e.topic !== undefined) metadata[e.topicHeader] = e.topic;
    if (e.webhookId !== undefined) metadata["X-Shopify-Webhook-Id"] = e.webhookId;
    if (e.eventId !== undefined) metadata["X-Shopify-Event-Id"] = e.eventId;
    if (e.shop !== undefined) metadata["X-Shopify-Shop-Domain"] = e.shop;
    if (e.triggeredAt !== undefined) metadata["X-Shopify-Triggered-At"] = e.triggeredAt;
    const head = JSON.stringify({
      version: "0",
      ...(e.id !== undefined ? { id: e.id } : {}),
      "detail-type": e.detailType,
      source: e.source,
      account: "000000000000",
      time: e.time,
      region: "us-east-1",
      resources: [],
    });
    // The payload is spliced in as text, as the real bus carries it (ids beyond 2^53 keep their digits).
    const payload = e.payloadAsString ? JSON.stringify(e.payload) : e.payload;
    return `${head.slice(0, -1)},"detail":{"metadata":${JSON.stringify(metadata)},"payload":${payload}}}`;
  });

const eventsCase: fc.Arbitrary<DoorCase> = hostileBytes(envelopeText).map((bytes) => ({
  door: "events" as const,
  headers: { "content-type": "application/json" },
  body: bytes.body,
  signed: false,
  truncated: bytes.truncated,
}));

export const doorCase: Record<Door, fc.Arbitrary<DoorCase>> = { shopify: shopifyCase, recharge: rechargeCase, stripe: stripeCase, events: eventsCase };

/** Header values node's HTTP parser takes (no control characters but tab, one byte per character), so the case reaches the door. */
const parserFriendly = (testCase: DoorCase): DoorCase => ({
  ...testCase,
  // eslint-disable-next-line no-control-regex
  headers: Object.fromEntries(Object.entries(testCase.headers).map(([name, value]) => [name, value.replace(/[\u0000-\u0008\u000a-\u001f\u007f]|[^\u0000-\u00ff]/g, "?")])),
});

/**
 * Cases for the raw-HTTP slice: four in five with header values the parser takes (so they reach
 * the doors, latin1 and all), the rest as generated (control characters, CR/LF, characters that
 * latin1 folds into other bytes), which the server must refuse without falling over.
 */
export const httpDoorCase = (door: Door): fc.Arbitrary<DoorCase> =>
  fc.tuple(doorCase[door], fc.nat(4)).map(([testCase, pick]) => (pick === 0 ? testCase : parserFriendly(testCase)));

// ---------------------------------------------------------------------------------------------
// Valid deliveries (the "still works afterwards" check)
// ---------------------------------------------------------------------------------------------

/** A valid, signed delivery with a fresh id: the door must accept it after any amount of fuzzing. */
export const validDelivery = (door: Door): DoorCase => {
  const unique = randomUUID();
  if (door === "shopify") {
    const order = JSON.parse(fixtureTexts.shopify[0]!) as Record<string, unknown>;
    const body = Buffer.from(JSON.stringify({ ...order, updated_at: new Date().toISOString() }));
    return {
      door,
      body,
      signed: true,
      truncated: false,
      headers: {
        "content-type": "application/json",
        "x-shopify-topic": "orders/updated",
        "x-shopify-webhook-id": unique,
        "x-shopify-shop-domain": "acme-store.myshopify.com",
        "x-shopify-hmac-sha256": shopifySignature(FUZZ_SECRETS.shopify, body),
      },
    };
  }
  if (door === "recharge") {
    const value = JSON.parse(fixtureTexts.recharge[0]!) as { subscription: Record<string, unknown> };
    const body = Buffer.from(JSON.stringify({ subscription: { ...value.subscription, updated_at: new Date().toISOString(), product_title: unique } }));
    return {
      door,
      body,
      signed: true,
      truncated: false,
      headers: {
        "content-type": "application/json",
        "x-recharge-topic": "subscription/updated",
        "x-recharge-hmac-sha256": rechargeHash(FUZZ_SECRETS.recharge, body),
        "x-recharge-webhook-signature": rechargeSignature(FUZZ_SECRETS.recharge, body),
      },
    };
  }
  if (door === "stripe") {
    const event = JSON.parse(fixtureTexts.stripe[0]!) as Record<string, unknown>;
    const body = Buffer.from(JSON.stringify({ ...event, id: `evt_${unique.replace(/-/g, "")}`, created: nowSeconds() }));
    return { door, body, signed: true, truncated: false, headers: { "content-type": "application/json", "stripe-signature": stripeSignature(FUZZ_SECRETS.stripe, body) } };
  }
  const envelope = partnerEnvelopeText({ id: unique, topic: "orders/updated", webhookId: unique, time: new Date().toISOString(), payloadText: fixtureTexts.shopify[0]! });
  return { door, body: Buffer.from(envelope), signed: false, truncated: false, headers: { "content-type": "application/json" } };
};

// ---------------------------------------------------------------------------------------------
// Checks and counters
// ---------------------------------------------------------------------------------------------

export interface FuzzCounters {
  cases: number;
  byStatus: Record<string, number>;
  fiveXX: number;
  /** Cases not validly signed that were answered 200 (must stay 0). */
  unsignedAccepted: number;
  processed: { ok: number; deadLettered: number; problems: number };
  /** The first few problems, for the failure message (no payload values). */
  problems: string[];
}

export const newCounters = (): FuzzCounters => ({ cases: 0, byStatus: {}, fiveXX: 0, unsignedAccepted: 0, processed: { ok: 0, deadLettered: 0, problems: 0 }, problems: [] });

const noteProblem = (counters: FuzzCounters, problem: string) => {
  if (counters.problems.length < 20) counters.problems.push(problem);
};

/** Counts an answer and says what is wrong with it (undefined: fine). */
export const checkAnswer = (counters: FuzzCounters, testCase: DoorCase, status: number | undefined): string | undefined => {
  counters.cases += 1;
  const key = status === undefined ? "no answer" : String(status);
  counters.byStatus[key] = (counters.byStatus[key] ?? 0) + 1;
  if (status === undefined) return testCase.truncated ? undefined : "no answer to a complete request";
  if (status >= 500) {
    counters.fiveXX += 1;
    return `${testCase.door}: answered ${status}`;
  }
  if (status === 200 && testCase.door !== "events" && !testCase.signed) {
    counters.unsignedAccepted += 1;
    return `${testCase.door}: a delivery not validly signed was accepted`;
  }
  return undefined;
};

/** How a processor's exit counts: success or a dead-letter (InvalidPayload) is fine; anything else is a problem. */
export const noteProcessorExit = (counters: FuzzCounters, processor: string, exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) {
    counters.processed.ok += 1;
    return;
  }
  const failure = Cause.failureOption(exit.cause);
  const tag = Option.isSome(failure) ? (failure.value as { _tag?: string })?._tag : undefined;
  if (tag === "InvalidPayload") counters.processed.deadLettered += 1;
  else if (tag === "StaleUpdate") counters.processed.ok += 1;
  else {
    counters.processed.problems += 1;
    const defect = Cause.dieOption(exit.cause);
    noteProblem(counters, `${processor}: ${tag ?? (Option.isSome(defect) ? `defect ${String((defect.value as Error)?.message ?? defect.value).slice(0, 200)}` : "interrupted")}`);
  }
};

export const summary = (counters: FuzzCounters) =>
  `${counters.cases} cases, 5xx ${counters.fiveXX}, unsigned accepted ${counters.unsignedAccepted}, statuses ${JSON.stringify(counters.byStatus)}, processed ${JSON.stringify(counters.processed)}${counters.problems.length > 0 ? `, problems: ${counters.problems.join(" | ")}` : ""}`;

// ---------------------------------------------------------------------------------------------
// In-memory harness: the real door code on the kernel's in-memory layers
// ---------------------------------------------------------------------------------------------

const platformEventPrograms = new Map<string, AnyEventProgram>();
const processorProgram = (name: string): AnyEventProgram => {
  let program = platformEventPrograms.get(name);
  if (!program) {
    const loaded = loadEventFunction(name);
    if (!loaded || !loaded.ok) throw new Error(`processor ${name} cannot be loaded: ${loaded ? loaded.reason : "unknown"}`);
    program = loaded.program;
    platformEventPrograms.set(name, program);
  }
  return program;
};

export interface MemoryDoors {
  readonly kernel: TestPlatform;
  readonly counters: FuzzCounters;
  /** Sends one case to its door, processes what it published, and returns the status. */
  readonly send: (testCase: DoorCase) => Promise<HttpResponse>;
  /** Waits until every envelope the /events door queued was processed. */
  readonly drain: () => Promise<void>;
  /** Problems with what is stored: keys beyond S3's, s3rver's or DynamoDB's limits. */
  readonly storageProblems: () => string[];
  readonly close: () => Promise<void>;
}

const toRequest = (testCase: DoorCase): HttpRequest => ({
  method: "POST",
  path: doorPath[testCase.door],
  headers: Object.fromEntries(Object.entries(testCase.headers).map(([name, value]) => [name.toLowerCase(), value])),
  rawBody: testCase.body,
  requestId: randomUUID(),
  receivedAt: new Date().toISOString(),
});

/** The in-memory platform: ingress programs and processors on one runtime, the local /events door and router over a temp dir. */
export const makeMemoryDoors = (): MemoryDoors => {
  const kernel = memoryPlatform({
    secrets: { shopifyWebhook: FUZZ_SECRETS.shopify, rechargeWebhook: FUZZ_SECRETS.recharge, stripeWebhook: FUZZ_SECRETS.stripe },
    logLevel: LogLevel.Error,
  });
  const runtime = ManagedRuntime.make(kernel.layer);
  const counters = newCounters();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-fuzz-"));
  const ingress = { shopify: shopifyIngress, recharge: rechargeIngress, stripe: stripeIngress } as const;

  const router = new LocalEventRouter({
    routes: contractRoutes,
    dataDir,
    account: "000000000000",
    region: "us-east-1",
    maxReceiveCount: 2,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
    deliver: async (route, envelope) => {
      const exit = await runtime.runPromiseExit(processorProgram(route.processor)(envelope));
      noteProcessorExit(counters, route.processor, exit);
      return Exit.isSuccess(exit) ? { kind: "ok" } : { kind: "invalid", reason: "fuzz: settled" };
    },
    onSettled: (_route, envelope) => eventDoor.settled(envelope),
  });
  const eventDoor = createEventDoor({ router, runtime, dedupeKeys: partnerDedupeKeys, log: () => undefined });

  /** Processes what a webhook door published, as the platform bus would deliver it (JSON on the wire). */
  const processPublished = async (from: number) => {
    for (const event of kernel.state.events.slice(from)) {
      const envelope = parseJson(JSON.stringify(envelopeOf(event, randomUUID(), new Date().toISOString(), { account: "000000000000", region: "us-east-1" }))) as BusEnvelope;
      for (const route of contractRoutes) {
        if (route.bus !== "platform" || !matchesPattern(route.pattern, envelope)) continue;
        noteProcessorExit(counters, route.processor, await runtime.runPromiseExit(processorProgram(route.processor)(envelope)));
      }
    }
  };

  const send = async (testCase: DoorCase): Promise<HttpResponse> => {
    const request = toRequest(testCase);
    if (testCase.door === "events") return eventDoor.handle(request);
    const published = kernel.state.events.length;
    const response = await runtime.runPromise(ingress[testCase.door](request));
    await processPublished(published);
    return response;
  };

  const storageProblems = () => {
    const problems: string[] = [];
    for (const key of kernel.state.objects.keys()) {
      const problem = s3KeyProblem(key, "stored key");
      if (problem) problems.push(problem.reason);
    }
    for (const [table, items] of Object.entries(kernel.state.tables)) {
      for (const key of items.keys())
        if (Buffer.byteLength(key) > 2048) problems.push(`${table} key of ${Buffer.byteLength(key)} bytes (${key.slice(0, 60).replace(/[^\x20-\x7e]/g, "?")}...)`);
    }
    return problems;
  };

  return {
    kernel,
    counters,
    send,
    drain: () => router.drain(),
    storageProblems,
    close: async () => {
      await router.close();
      await runtime.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

/** Sends a valid delivery and checks it was accepted and stored raw, byte for byte (webhook doors) or processed (events). */
export const checkValidDeliveryInMemory = async (doors: MemoryDoors, door: Door): Promise<string | undefined> => {
  const delivery = validDelivery(door);
  const answer = await doors.send(delivery);
  if (answer.statusCode !== 200 || !answer.body.includes('"accepted"')) return `${door}: a valid delivery was answered ${answer.statusCode} ${answer.body.slice(0, 200)}`;
  if (door === "events") {
    await doors.drain();
    const id = (JSON.parse(delivery.body.toString()) as { id: string }).id;
    const stored = [...doors.kernel.state.objects.keys()].find((key) => key.endsWith(`/${id}.json`));
    return stored ? undefined : `events: the valid envelope ${id} was accepted but its raw object is not in the lake`;
  }
  const event = doors.kernel.state.events.at(-1);
  const rawKey = (event?.detail as { rawKey?: string } | undefined)?.rawKey;
  const text = rawKey ? doors.kernel.objectText(rawKey) : undefined;
  return text === delivery.body.toString("utf8") ? undefined : `${door}: a valid delivery was accepted but is not readable from the lake`;
};

/**
 * Runs `runs` fuzz cases against one door in memory (fast-check picks them from `seed`), then a
 * valid delivery. Returns the counters; throws (with fast-check's counterexample) on the first
 * case that breaks a rule.
 */
export const fuzzDoorInMemory = async (doors: MemoryDoors, door: Door, runs: number, seed: number): Promise<FuzzCounters> => {
  await fc.assert(
    fc.asyncProperty(doorCase[door], async (testCase) => {
      const answer = await doors.send(testCase);
      const problem = checkAnswer(doors.counters, testCase, answer.statusCode);
      if (problem) throw new Error(`${problem}: ${answer.body.slice(0, 300)}`);
      if (answer.statusCode === 200 && testCase.door !== "events" && answer.body.includes('"accepted"')) {
        const event = doors.kernel.state.events.at(-1);
        const rawKey = (event?.detail as { rawKey?: string } | undefined)?.rawKey;
        const stored = rawKey ? doors.kernel.state.objects.get(rawKey) : undefined;
        if (!stored || !Buffer.from(stored.body).equals(testCase.body)) throw new Error(`${door}: an accepted delivery is not stored raw byte for byte`);
      }
      if (doors.counters.processed.problems > 0) throw new Error(`${door}: ${doors.counters.problems.join(" | ")}`);
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  await doors.drain();
  if (doors.counters.processed.problems > 0) throw new Error(`${door}: ${doors.counters.problems.join(" | ")}`);
  const storage = doors.storageProblems();
  if (storage.length > 0) throw new Error(`${door}: stored keys beyond the limits: ${storage.slice(0, 5).join(" | ")}`);
  const afterwards = await checkValidDeliveryInMemory(doors, door);
  if (afterwards) throw new Error(afterwards);
  return doors.counters;
};

// ---------------------------------------------------------------------------------------------
// Raw HTTP: hostile bytes straight onto a socket (fetch and http.request refuse to send them)
// ---------------------------------------------------------------------------------------------

export interface RawAnswer {
  readonly status: number | undefined;
  readonly body: string;
}

/**
 * Sends one request as raw bytes: header names and values are written as latin1 (control
 * characters and all), Content-Length is the full body's unless the case is truncated, in which
 * case the client declares more than it sends and hangs up.
 */
export const sendRaw = (port: number, testCase: DoorCase, timeoutMs = 15_000): Promise<RawAnswer> =>
  new Promise((resolve) => {
    const declared = testCase.truncated ? testCase.body.length + 10 : testCase.body.length;
    const headerLines = Object.entries({ ...testCase.headers, host: `127.0.0.1:${port}`, connection: "close", "content-length": String(declared) })
      .map(([name, value]) => `${name}: ${value}`)
      .join("\r\n");
    const head = Buffer.from(`POST ${doorPath[testCase.door]} HTTP/1.1\r\n${headerLines}\r\n\r\n`, "latin1");
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : undefined, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    };
    const socket = net.connect(port, "127.0.0.1");
    const timer = setTimeout(() => {
      socket.destroy();
      finish();
    }, timeoutMs);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", finish);
    socket.on("close", finish);
    socket.on("connect", () => {
      socket.write(head);
      socket.write(testCase.body);
      if (testCase.truncated) socket.end();
    });
  });

/** Fuzzes one door of a running `sdp local` over raw HTTP; `counters` collects what was answered. */
export const fuzzDoorOverHttp = (port: number, door: Door, runs: number, seed: number, counters: FuzzCounters) =>
  fc.assert(
    fc.asyncProperty(httpDoorCase(door), async (testCase) => {
      const answer = await sendRaw(port, testCase);
      const problem = checkAnswer(counters, testCase, answer.status);
      if (problem) throw new Error(`${problem}: ${answer.body.slice(0, 300)}`);
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
