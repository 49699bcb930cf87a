/**
 * npm-test size: 600 cases per door in memory and 100 per door over HTTP (SDP_FUZZ_RUNS /
 * SDP_FUZZ_HTTP_RUNS override; `npm run fuzz`, bench/fuzz.ts, is the long form: 100,000 per door
 * in memory and 500 over HTTP, same generators). 600 is enough: each door's run still reaches
 * every answer class (200, 400 and, on the signed doors, 401 and 413: asserted below) and the
 * processors both ways (ok and dead-lettered, asserted), and a single 5xx or unsigned acceptance
 * fails it; 2,000 per door cost ~40 s of npm test for cases of the same kinds.
 *
 * Fuzzing every door with the generators of __tests__/support/door-fuzz.ts:
 *   - 600 cases per door (SDP_FUZZ_RUNS overrides) against the real door code on the kernel's
 *     in-memory layers, processors included;
 *   - a slice through the real `sdp local` HTTP server with its emulators (s3rver writes files,
 *     so an id too long for a file name would show here), as raw bytes on a socket.
 * Every case: no 5xx, no crash, nothing not validly signed accepted, what is accepted stored raw
 * byte for byte under keys within S3's and s3rver's limits, processors never hit a defect; after
 * all of it a valid signed delivery is accepted and readable.
 */
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Either } from "effect";
import { describeRechargeDelivery } from "../../functions/recharge/describe";
import {
  doors,
  fuzzDoorInMemory,
  fuzzDoorOverHttp,
  fuzzPlatformEnv,
  makeMemoryDoors,
  newCounters,
  sendRaw,
  summary,
  validDelivery,
  type Door,
  type MemoryDoors,
} from "../support/door-fuzz";
import { localPlatformForTests } from "../support";

jest.setTimeout(180_000);

const RUNS = Number(process.env.SDP_FUZZ_RUNS ?? 600);
const HTTP_RUNS = Number(process.env.SDP_FUZZ_HTTP_RUNS ?? 100);
const SEED = Number(process.env.SDP_FUZZ_SEED ?? 20261201);

describe("fuzzing the doors in memory (real door code, in-memory kernel layers)", () => {
  test.each(doors.map((door, index) => [door, index] as const))(`%s: ${RUNS} cases`, async (door: Door, index: number) => {
    const memory: MemoryDoors = makeMemoryDoors();
    try {
      const counters = await fuzzDoorInMemory(memory, door, RUNS, SEED + index);
      // Printed for the closing note: cases run and 5xx seen.
      console.log(`fuzz in memory ${door}: ${summary(counters)}`);
      expect(counters.cases).toBeGreaterThanOrEqual(RUNS);
      expect(counters.fiveXX).toBe(0);
      expect(counters.unsignedAccepted).toBe(0);
      expect(counters.processed.problems).toBe(0);
      // The generators reach validation and the processors, not just the signature check.
      expect(counters.byStatus["200"] ?? 0).toBeGreaterThan(RUNS / 20);
      expect(counters.byStatus["400"] ?? 0).toBeGreaterThan(RUNS / 20);
      // The signed doors also see bad signatures (401) and oversized bodies (413).
      if (door !== "events") for (const status of ["401", "413"]) expect({ door, status, seen: (counters.byStatus[status] ?? 0) > 0 }).toEqual({ door, status, seen: true });
      expect(counters.processed.deadLettered).toBeGreaterThan(0);
      expect(counters.processed.ok).toBeGreaterThan(0);
    } finally {
      await memory.close();
    }
  });
});

describe("fuzzing the doors through sdp local (real HTTP server, s3rver, dynalite)", () => {
  const local = localPlatformForTests("fuzz-http", { env: fuzzPlatformEnv, maxReceiveCount: 2, backoffBaseMs: 5, backoffMaxMs: 20 });

  /** The raw object of a valid delivery, found by its event id under today's (or yesterday's) partition. */
  const readRaw = async (prefix: string, eventId: string): Promise<string | undefined> => {
    for (const offset of [0, -1]) {
      const day = new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      const listed = await local.aws.s3.send(new ListObjectsV2Command({ Bucket: local.platform.ready.bucket, Prefix: `${prefix}dt=${day}/${eventId}.json` }));
      const key = listed.Contents?.[0]?.Key;
      if (key) return (await local.aws.s3.send(new GetObjectCommand({ Bucket: local.platform.ready.bucket, Key: key }))).Body!.transformToString();
    }
    return undefined;
  };

  test(`${HTTP_RUNS} cases per door over raw HTTP; the platform keeps serving and a valid delivery still lands`, async () => {
    const port = Number(new URL(local.platform.ready.ingress).port);
    const counters = newCounters();
    for (const [index, door] of doors.entries()) {
      await fuzzDoorOverHttp(port, door, HTTP_RUNS, SEED + 100 + index, counters);
    }
    console.log(`fuzz over HTTP: ${summary(counters)}`);
    expect(counters.cases).toBeGreaterThanOrEqual(HTTP_RUNS * doors.length);
    expect(counters.fiveXX).toBe(0);
    expect(counters.unsignedAccepted).toBe(0);

    // Still up, and every door still takes a valid delivery that lands raw in s3rver.
    expect((await fetch(`${local.platform.ready.ingress}/health`)).status).toBe(200);
    const checks: Array<[Door, string, string]> = [];
    for (const door of doors) {
      const delivery = validDelivery(door);
      const answer = await sendRaw(port, delivery);
      expect({ door, status: answer.status, body: answer.body }).toEqual({ door, status: 200, body: JSON.stringify({ status: "accepted" }) });
      const text = delivery.body.toString("utf8");
      if (door === "shopify") checks.push([door, "raw/shopify/orders/", delivery.headers["x-shopify-webhook-id"]!]);
      if (door === "stripe") checks.push([door, "raw/stripe/charge/", (JSON.parse(text) as { id: string }).id]);
      if (door === "recharge") checks.push([door, "raw/recharge/subscription/", Either.getOrThrow(describeRechargeDelivery(delivery.headers, delivery.body)).eventId]);
      if (door === "events") checks.push([door, "raw/shopify/orders/", (JSON.parse(text) as { id: string }).id]);
    }
    // Processors may retry or dead-letter hostile events; bounded, they settle.
    await Promise.race([local.platform.drain(), new Promise((resolve) => setTimeout(resolve, 30_000))]);
    for (const [door, prefix, eventId] of checks) expect({ door, stored: (await readRaw(prefix, eventId)) !== undefined }).toEqual({ door, stored: true });
    const stillQueued = Object.values(local.platform.counters().events.routes).reduce((sum, route) => sum + route.depth, 0);
    expect(stillQueued).toBe(0);
  });
});
