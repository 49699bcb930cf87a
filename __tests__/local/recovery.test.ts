/**
 * What a kill leaves in a data dir, and the next start: torn files quarantined (relative paths
 * kept, named in one log line), stale temporary files removed, a torn LevelDB repaired, the
 * platform up and every accepted event still there. local/recovery.ts.
 */
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import type { PlatformLog } from "../../local/log";
import { PlatformStartFailed, startLocalPlatform, type LocalPlatform } from "../../local/platform";
import { readDeadLetters } from "../../local/queues";
import { recoverDataDir } from "../../local/recovery";
import { readAlerts } from "../../local/alerts";
import { orderPayload, postEvent, postShopifyWebhook } from "./support";
import { awsClients, partnerEnvelopeText, tempDataDir } from "../support";

jest.setTimeout(90_000);

interface Line {
  readonly level: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

const capture = () => {
  const lines: Line[] = [];
  const log: PlatformLog = (level, message, fields) => lines.push({ level, message, ...(fields ? { fields } : {}) });
  return { lines, log };
};

const running = new Set<LocalPlatform>();
afterEach(async () => {
  for (const platform of running) await platform.stop().catch(() => undefined);
  running.clear();
});

const start = async (dataDir: string, log: PlatformLog) => {
  const platform = await startLocalPlatform({ dataDir, port: 0, env: {}, log, ttlSweepIntervalMs: 0 });
  running.add(platform);
  return platform;
};

/** Every file under dir, relative, sorted. */
const filesUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[]).filter((file) => fs.statSync(path.join(dir, file)).isFile()).sort() : [];

const rawFileOf = (dataDir: string, bucket: string, webhookId: string) => {
  const found = filesUnder(path.join(dataDir, "s3", bucket)).find((file) => file.endsWith(`/${webhookId}.json._S3rver_object`));
  if (!found) throw new Error(`no raw copy of ${webhookId}`);
  return path.join("s3", bucket, found);
};

describe("start-up recovery of a data dir left by a kill", () => {
  it("quarantines torn files (named in one log line), removes stale temporary files, repairs LevelDB, and starts with every accepted event", async () => {
    const dataDir = tempDataDir("recovery");
    try {
      // A run that accepted events through both doors, then stopped.
      const first = capture();
      let platform = await start(dataDir, first.log);
      const bucket = platform.ready.bucket;
      const ids = ["7300000000000001", "7300000000000002", "7300000000000003"];
      for (const [index, id] of ids.entries()) {
        const answer = await postShopifyWebhook(platform.ready.ingress, {
          topic: "orders/create",
          webhookId: `rec-${index}`,
          body: orderPayload({ id, updatedAt: "2026-01-31T10:00:00Z" }),
          secret: LOCAL_DEFAULT_WEBHOOK_SECRET,
        });
        expect(answer.body.status).toBe("accepted");
      }
      const partnerId = "7300000000000009";
      const envelopeText = partnerEnvelopeText({
        id: "eb-rec-9",
        topic: "orders/create",
        webhookId: "rec-partner",
        payloadText: orderPayload({ id: partnerId, updatedAt: "2026-01-31T10:00:00Z" }),
      });
      expect((await postEvent(platform.ready.ingress, envelopeText)).body.status).toBe("accepted");
      await platform.drain();
      await platform.stop();
      running.delete(platform);

      // What a SIGKILL at various moments leaves behind (each one seen with s3rver 3.7.1 or our files):
      fs.writeFileSync(path.join(dataDir, "platform.lock"), ""); // killed right after creating the lock
      // 1. a PUT cut off: the raw copy's metadata file empty (HeadBucket answered 500, sdp local
      //    exited), the object itself whole; and another raw copy cut off (not matching its .md5)
      const raw0 = rawFileOf(dataDir, bucket, "rec-0");
      const metadata0 = raw0.replace(/_object$/, "_metadata.json");
      fs.writeFileSync(path.join(dataDir, metadata0), "");
      const raw1 = rawFileOf(dataDir, bucket, "rec-1");
      fs.truncateSync(path.join(dataDir, raw1), 10);
      // 2. the partner event's raw copy cut off while its journal entry was still there (killed
      //    between the raw write and the acknowledgement): it is re-processed and written again
      const rawPartner = rawFileOf(dataDir, bucket, "rec-partner");
      const partnerBytes = fs.readFileSync(path.join(dataDir, rawPartner));
      fs.writeFileSync(path.join(dataDir, rawPartner), partnerBytes.subarray(0, 20));
      const journalDir = path.join(dataDir, "queues", "shopify-partner-orders");
      const journalId = randomUUID();
      fs.writeFileSync(
        path.join(journalDir, `${journalId}.json`),
        JSON.stringify({ id: journalId, body: JSON.parse(envelopeText), sentAt: new Date().toISOString(), receiveCount: 1 }),
      );
      // 3. a journal entry that is not a whole message, and a stale temporary one
      fs.writeFileSync(path.join(journalDir, `${randomUUID()}.json`), '{"id":"torn","bo');
      fs.writeFileSync(path.join(journalDir, `${randomUUID()}.json.tmp`), '{"id":"half');
      // 4. an S3 write's temporary file, and a counters.json write cut off
      fs.writeFileSync(path.join(dataDir, "s3", bucket, "raw", ".sdp-123-abcdef.tmp"), "{");
      fs.writeFileSync(path.join(dataDir, "counters.json"), '{"at":"2026');
      // 5. a dead letter and an alert whose append was cut off
      fs.mkdirSync(path.join(dataDir, "dlq"), { recursive: true });
      const letter = {
        queue: "shopify-https-orders",
        messageId: "m-1",
        sentAt: "2026-01-31T10:00:00Z",
        deadLetteredAt: "2026-01-31T10:00:01Z",
        receiveCount: 1,
        reason: "test",
        body: { id: "x" },
      };
      fs.writeFileSync(path.join(dataDir, "dlq", "shopify-https-orders.jsonl"), `${JSON.stringify(letter)}\n{"queue":"shopify-ht`);
      fs.writeFileSync(
        path.join(dataDir, "alerts.jsonl"),
        `${JSON.stringify({ kind: "test", dedupKey: "k-1", subject: "s", message: "m", publishedAt: "2026-01-31T10:00:00Z" })}\n{"kind":"te`,
      );
      // 6. dynalite's LevelDB with its CURRENT file cut off
      fs.writeFileSync(path.join(dataDir, "dynamodb", "CURRENT"), "");

      const second = capture();
      platform = await start(dataDir, second.log);

      // One line names everything that was set aside and removed.
      const recoveryLines = second.lines.filter((line) => line.message.includes("quarantined"));
      expect(recoveryLines).toHaveLength(1);
      const line = recoveryLines[0]!;
      expect(line.level).toBe("warn");
      const quarantineDir = line.fields!.quarantine as string;
      expect(quarantineDir.startsWith(path.join(dataDir, "quarantine") + path.sep)).toBe(true);
      const named = (line.fields!.quarantined as Array<{ file: string; reason: string }>).map((entry) => entry.file);
      expect(named).toEqual(
        expect.arrayContaining([metadata0, raw1, `${raw1}.md5`, rawPartner, "counters.json", path.join("dlq", "shopify-https-orders.jsonl"), "alerts.jsonl", "dynamodb"]),
      );
      // A whole object whose metadata was torn stays in the lake: only the metadata file goes.
      expect(named).not.toContain(raw0);
      expect(
        (line.fields!.quarantined as Array<{ file: string }>).some(
          (entry) => entry.file.startsWith(path.join("queues", "shopify-partner-orders")) && !entry.file.includes(journalId),
        ),
      ).toBe(true);
      expect(line.fields!.removedTemporaryFiles).toEqual(expect.arrayContaining([path.join("s3", bucket, "raw", ".sdp-123-abcdef.tmp")]));
      expect((line.fields!.removedTemporaryFiles as string[]).some((file) => file.endsWith(".json.tmp"))).toBe(true);
      expect(line.fields!.repaired).toEqual(["dynamodb"]);
      // The raw copies are told apart: the partner one is still journaled, the webhook one is not.
      const copies = line.fields!.rawEventCopies as Array<{ key: string; stillJournaled: boolean; note: string }>;
      expect(copies.map((copy) => path.posix.basename(copy.key)).sort()).toEqual(["rec-1.json", "rec-partner.json"]);
      expect(copies.find((copy) => copy.key.endsWith("/rec-partner.json"))).toMatchObject({
        stillJournaled: true,
        note: expect.stringContaining("still in the journal and will be re-processed"),
      });
      expect(copies.find((copy) => copy.key.endsWith("/rec-1.json"))).toMatchObject({ stillJournaled: false, note: expect.stringContaining("no longer journaled") });

      // Quarantined files keep their relative paths, with their bytes; temporary files are gone.
      expect(fs.readFileSync(path.join(quarantineDir, metadata0), "utf8")).toBe("");
      expect(fs.readFileSync(path.join(quarantineDir, rawPartner)).equals(partnerBytes.subarray(0, 20))).toBe(true);
      expect(fs.readFileSync(path.join(quarantineDir, "counters.json"), "utf8")).toBe('{"at":"2026');
      expect(fs.readFileSync(path.join(quarantineDir, "dlq", "shopify-https-orders.jsonl"), "utf8")).toBe('{"queue":"shopify-ht\n');
      expect(fs.existsSync(path.join(quarantineDir, "dynamodb", "CURRENT"))).toBe(true);
      expect(filesUnder(dataDir).filter((file) => file.endsWith(".tmp") && !file.startsWith("quarantine"))).toEqual([]);

      // The files kept whole what was whole.
      expect(readDeadLetters(path.join(dataDir, "dlq", "shopify-https-orders.jsonl"))).toEqual([letter]);
      expect(readAlerts(path.join(dataDir, "alerts.jsonl")).map((alert) => alert.dedupKey)).toEqual(["k-1"]);

      // The platform serves: HeadBucket, the hot store (repaired LevelDB) and the lake.
      await platform.drain();
      const aws = awsClients(platform.ready);
      try {
        await aws.s3.send(new HeadBucketCommand({ Bucket: bucket }));
        for (const id of [...ids, partnerId]) expect(await aws.getItem("orders", { id: `gid://shopify/Order/${id}` })).toBeDefined();
        const rawKeys = await aws.listKeys("raw/shopify/orders/");
        // The re-processed partner event wrote its raw copy again, whole.
        const partnerKey = rawKeys.find((key) => key.endsWith("/rec-partner.json"))!;
        expect(partnerKey).toBeDefined();
        expect(Buffer.from(await aws.getText(partnerKey)).equals(partnerBytes)).toBe(true);
        // The copy whose metadata was torn is still served; the cut-off one is in quarantine.
        expect(rawKeys.filter((key) => /\/rec-[02]\.json$/.test(key))).toHaveLength(2);
        expect(rawKeys.filter((key) => key.endsWith("/rec-1.json"))).toEqual([]);
        expect(JSON.parse(await aws.getText(rawKeys.find((key) => key.endsWith("/rec-0.json"))!))).toMatchObject({ id: expect.anything() });
      } finally {
        aws.destroy();
      }
      expect(fs.readdirSync(journalDir).filter((file) => file.endsWith(".json"))).toEqual([]);
      await platform.stop();
      running.delete(platform);

      // A clean stop: the next start finds nothing to do and says nothing about it.
      const third = capture();
      platform = await start(dataDir, third.log);
      expect(third.lines.filter((entry) => entry.message.includes("quarantined") || entry.message.includes("temporary"))).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("checks S3 objects only after an unclean stop, and an emulator that cannot start says which data and what to do", async () => {
    const dataDir = tempDataDir("recovery-deep");
    try {
      const bucketDir = path.join(dataDir, "s3", "bucket", "raw", "shopify", "orders", "dt=2026-01-31");
      fs.mkdirSync(bucketDir, { recursive: true });
      fs.writeFileSync(path.join(bucketDir, "w-1.json._S3rver_object"), "{}");
      fs.writeFileSync(path.join(bucketDir, "w-1.json._S3rver_metadata.json"), "");
      const shallow = await recoverDataDir(dataDir, { deep: false });
      expect(shallow.quarantined).toEqual([]);
      const deep = await recoverDataDir(dataDir, { deep: true, now: new Date("2026-12-01T10:00:00Z") });
      expect(deep.quarantineDir).toBe(path.join("quarantine", "2026-12-01T10-00-00-000Z"));
      expect(deep.quarantined.map((entry) => entry.file)).toEqual([path.join("s3", "bucket", "raw", "shopify", "orders", "dt=2026-01-31", "w-1.json._S3rver_metadata.json")]);
      expect(deep.quarantined[0]!.reason).toContain("its metadata file is empty");
      expect(deep.quarantined[0]!.reason).toContain("stays in the lake");
      // A raw copy cut off mid-write (not JSON): the object and its side files go.
      fs.writeFileSync(path.join(bucketDir, "w-2.json._S3rver_object"), '{"id":');
      const cut = await recoverDataDir(dataDir, { deep: true });
      expect(cut.quarantined.map((entry) => path.basename(entry.file))).toEqual(["w-2.json._S3rver_object"]);
      expect(cut.quarantined[0]!.rawEvent).toMatchObject({ key: "raw/shopify/orders/dt=2026-01-31/w-2.json", journaled: [] });

      // A data dir the emulators cannot use (here: s3 is a file): the error names the data,
      // says what to do, and nothing is left running or locked.
      fs.rmSync(path.join(dataDir, "s3"), { recursive: true, force: true });
      fs.writeFileSync(path.join(dataDir, "s3"), "not a directory");
      const failure = await startLocalPlatform({ dataDir, port: 0, env: {}, ttlSweepIntervalMs: 0 }).then(
        async (platform) => {
          await platform.stop();
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(PlatformStartFailed);
      expect((failure as Error).message).toContain(path.join(dataDir, "s3"));
      expect((failure as Error).message).toContain("move the directory named above aside");
      expect(fs.existsSync(path.join(dataDir, "platform.lock"))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
