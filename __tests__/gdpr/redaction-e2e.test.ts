/**
 * One `sdp demo --backfill-days 14` serves both GDPR acceptance runs on the embedded platform
 * (they were two suites each running the same demo, ~50 s each under npm test): first the
 * subject index completeness proof and `sdp gdpr export` (read-only on the lake, apart from the
 * export under restricted/ and its alert), then the redaction, whose "before" inventory is taken
 * after the export, so every check of both is as it was when each had a demo of its own.
 *
 * Part 1, completeness:
 * The subject index is complete: `sdp demo` (webhook traffic from Shopify, Recharge and Stripe,
 * the backfill and the analytics ETL) on the embedded platform, then a full scan of every raw
 * object, Parquet file and hot-store item for the demo customers' ids, e-mails and phones
 * (matched by their text, not by the index's extractor): every location the scan finds is one
 * the index gives for that identifier, without following links.
 *
 * Part 2, redaction:
 * Acceptance, end to end on the embedded platform: `sdp demo` (Shopify, Recharge and Stripe
 * webhook traffic, the backfill, the analytics ETL), then `sdp gdpr redact` for one customer by
 * id and another by e-mail only; a full scan of every raw object, Parquet file, hot-store table
 * (idempotency included), dead-letter file and subject-index entry finds nothing of either (ids,
 * e-mails, phones as stored text), every other row of every table and file is as it was (counts
 * and checksums before and after), and the audit log shows each step of each request.
 * s3rver keeps no object versions (ListObjectVersions lists none there), so "every version" is
 * proved on the versioned in-memory bucket in redaction.test.ts; here the current objects are all.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parquetRowsAsJson } from "../support/duckdb";
import { Effect, Option } from "effect";
import { runCli } from "../../cli/main";
import { withLocalGdpr } from "../../local/gdpr-services";
import { tableKeys, tableSpecs } from "../../contracts/tables";
import { gdprRedactionSteps } from "../../contracts/gdpr-workflow";
import { HotStore, ObjectStore } from "../../functions/kernel/services";
import { lookupSubject } from "../../functions/gdpr/subject-index";
import { normalisePhone, type SubjectIdentifier } from "../../functions/gdpr/subject";
import { widenIdentifiers } from "../../functions/gdpr/redaction-program";
import type { SubjectLocation } from "../../contracts/gdpr";
import { MAX_PRESIGN_SECONDS, presignGetUrl } from "../../functions/gdpr/presign";
import { scanAndCompare, type ScanResult } from "./completeness-scan";

const root = path.resolve(__dirname, "..", "..");
const collect = () => {
  let text = "";
  return { stream: { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream, text: () => text };
};

interface Person {
  readonly id: string;
  readonly email?: string;
  readonly phone?: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const matchersOf = (person: Person): RegExp[] => [
  new RegExp(`(?<![\\d])${escape(person.id)}(?![\\d])`),
  ...(person.email ? [new RegExp(escape(person.email.trim()), "i")] : []),
  ...(person.phone && normalisePhone(person.phone)?.startsWith("+") ? [new RegExp(`(\\+|00)${normalisePhone(person.phone)!.slice(1).split("").join("[\\s().-]*")}(?!\\d)`)] : []),
];

/** Every record the platform keeps, as text, by where it is: raw objects, Parquet rows (per file), hot items (per table), dead letters (per file). */
const inventory = (dataDir: string) =>
  withLocalGdpr(dataDir, { ...process.env, CI: "1" }, ({ layer }) =>
    Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          const objects = yield* ObjectStore;
          const hot = yield* HotStore;
          const stores = new Map<string, string[]>();
          const add = (where: string, text: string) => stores.set(where, [...(stores.get(where) ?? []), text]);
          const audit: string[] = [];
          for (const { key } of yield* objects.list("")) {
            if (key.startsWith("raw/")) {
              const text = yield* objects.getText(key);
              if (Option.isSome(text)) add(`raw ${key}`, text.value);
            } else if (key.endsWith(".parquet") && /^(snapshots|processed|curated)\//.test(key)) {
              const body = yield* objects.get(key);
              if (Option.isSome(body)) for (const row of yield* Effect.promise(() => parquetRowsAsJson(body.value))) add(`parquet ${key}`, row);
            } else if (key.startsWith("metadata/gdpr-audit/")) {
              const text = yield* objects.getText(key);
              if (Option.isSome(text)) audit.push(text.value);
            }
          }
          let customers: ReadonlyArray<Record<string, unknown>> = [];
          for (const table of tableKeys) {
            if (table === "gdprRequests" || table === "leases") continue;
            const items = yield* hot.scan(table);
            if (table === "customers") customers = items;
            for (const item of items) add(`hot ${table}`, JSON.stringify(item));
          }
          const dlqDir = path.join(dataDir, "dlq");
          if (fs.existsSync(dlqDir))
            for (const file of fs.readdirSync(dlqDir)) for (const line of fs.readFileSync(path.join(dlqDir, file), "utf8").split("\n").filter(Boolean)) add(`dlq ${file}`, line);
          return { stores, audit, customers, tables: tableSpecs };
        }),
        layer,
      ),
    ),
  );

/** Everyone the redaction will treat as the subject: their identifiers widened through the index's links and the records found (what Lookup stores on the request). */
const widened = (dataDir: string, people: ReadonlyArray<Person>) =>
  withLocalGdpr(dataDir, { ...process.env, CI: "1" }, ({ layer }) =>
    Effect.runPromise(
      Effect.provide(
        Effect.forEach(people, (person) =>
          widenIdentifiers([
            { kind: "customer-id", value: `shopify:${person.id}` },
            ...(person.email ? [{ kind: "email" as const, value: person.email.trim().toLowerCase() }] : []),
          ]),
        ),
        layer,
      ),
    ),
  );

const matchersOfIdentifiers = (identifiers: ReadonlyArray<SubjectIdentifier>): RegExp[] =>
  identifiers.flatMap((identifier) => {
    if (identifier.kind === "email") return [new RegExp(escape(identifier.value), "i")];
    if (identifier.kind === "phone") return identifier.value.startsWith("+") ? [new RegExp(`(\\+|00)${identifier.value.slice(1).split("").join("[\\s().-]*")}(?!\\d)`)] : [];
    const id = identifier.value.replace(/^(shopify|recharge|stripe):/, "");
    return [new RegExp(`(?<![\\w])${escape(id)}(?![\\w])`)];
  });

const checksum = (texts: ReadonlyArray<string>) =>
  createHash("sha256")
    .update([...texts].sort().join("\n"))
    .digest("hex");
const mentions = (text: string, people: ReadonlyArray<Person>) => people.some((person) => matchersOf(person).some((matcher) => matcher.test(text)));

/** The sdp CLI, run in this process (CI mode; no subject-index key from the shell). */
const env = { ...process.env, CI: "1", SDP_SUBJECT_INDEX_KEY: "" };
const run = async (args: string[]) => {
  const out = collect();
  const err = collect();
  const code = await runCli(args, { stdout: out.stream, stderr: err.stream, env, cwd: root });
  return { code, stdout: out.text(), stderr: err.text() };
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sdp-gdpr-demo-e2e-"));
let demo: SpawnSyncReturns<string>;

beforeAll(() => {
  demo = spawnSync(process.execPath, [path.join(root, "bin", "sdp"), "demo", "--json", "--backfill-days", "14", "--data-dir", dataDir], {
    cwd: root,
    encoding: "utf8",
    timeout: 500_000,
    env: { ...process.env, CI: "1", SDP_RECORD_LAST_RUN: "0", SHOPIFY_WEBHOOK_SECRET: "", RECHARGE_WEBHOOK_SECRET: "", STRIPE_WEBHOOK_SECRET: "", SDP_SUBJECT_INDEX_KEY: "" },
    maxBuffer: 64 * 1024 * 1024,
  });
}, 520_000);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe("subject index completeness on the demo", () => {
  let result: ScanResult;

  beforeAll(async () => {
    // The stages that fill the lake must have run; others' checks (data quality ...) are not this test's subject.
    let stages: Array<{ name: string; status: string }> = [];
    try {
      stages = (JSON.parse(demo.stdout) as { stages: Array<{ name: string; status: string }> }).stages;
    } catch {
      throw new Error(`sdp demo printed no JSON summary (exit ${demo.status}):\n${demo.stderr.slice(-3000)}`);
    }
    for (const name of ["traffic", "processing", "backfill", "analytics"]) {
      if (stages.find((stage) => stage.name === name)?.status !== "ok") throw new Error(`sdp demo stage ${name} did not pass:\n${demo.stderr.slice(-3000)}`);
    }
    result = await scanAndCompare(dataDir, 40);
  }, 300_000);

  it("scans a lake with raw objects, Parquet files and hot items holding the demo customers", () => {
    expect(result.customers).toBeGreaterThan(10);
    expect(result.scanned.raw).toBeGreaterThan(100);
    expect(result.scanned.parquet).toBeGreaterThan(0);
    expect(result.scanned.hot).toBeGreaterThan(50);
    expect(result.found).toBeGreaterThan(result.customers);
  });

  it("every location the full scan finds for a customer's id, e-mail or phone is in the subject index", () => {
    expect(result.missing).toEqual([]);
  });

  it("the index key was generated in the data dir, and the index holds no identifier's value", () => {
    expect(fs.readFileSync(path.join(dataDir, "subject-index.key"), "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(result.indexItems).toBeGreaterThan(result.found / 3);
    expect(result.leaked).toBe(0);
  });

  it("sdp gdpr export: a demo customer by e-mail, exported under restricted/, alerted with a presigned link that the lake serves", async () => {
    expect(result.sample?.email).toBeDefined();
    const usage = await run(["gdpr", "export", "--data-dir", dataDir]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--customer");
    const help = await run(["gdpr", "export", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Example");

    const dry = await run(["gdpr", "export", "--customer", result.sample!.email!.toUpperCase(), "--dry-run", "--json", "--data-dir", dataDir]);
    expect(dry.code).toBe(0);
    const dryReport = JSON.parse(dry.stdout);
    expect(dryReport.dryRun).toBe(true);
    expect(dryReport.locations.length).toBeGreaterThan(0);

    const done = await run(["gdpr", "export", "--customer", result.sample!.email!, "--request-id", "e2e-export-1", "--json", "--data-dir", dataDir]);
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    const report = JSON.parse(done.stdout);
    expect(report).toMatchObject({ requestId: "e2e-export-1", exportKey: "restricted/gdpr-exports/e2e-export-1/subject.json", alerted: true });
    expect(report.records).toBeGreaterThan(0);
    const alerts = fs
      .readFileSync(path.join(dataDir, "alerts.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const alert = alerts.find((each) => each.dedupKey === "gdpr-export:e2e-export-1");
    expect(alert.kind).toBe("gdpr-export-ready");
    expect(alert.message).toContain(report.link);
    // The link is a SigV4 presigned GET (here for the emulators the command ran, now stopped): the same
    // presigner against the emulators started now, serves the export (the signature itself is checked against AWS's published example in export.test.ts).
    expect(new URL(report.link).searchParams.get("X-Amz-Expires")).toBe(String(MAX_PRESIGN_SECONDS));
    const body = await withLocalGdpr(dataDir, env, async (context) => {
      const link = presignGetUrl({
        bucket: context.bucket,
        key: report.exportKey,
        region: context.region,
        credentials: context.credentials,
        expiresInSeconds: 600,
        endpoint: context.s3Endpoint,
      });
      const response = await fetch(link);
      expect(response.status).toBe(200);
      return (await response.json()) as { requestId: string; records: unknown[] };
    });
    expect(body.requestId).toBe("e2e-export-1");
    expect(body.records.length).toBe(report.records);
    expect(JSON.stringify(body).toLowerCase()).toContain(result.sample!.email!.toLowerCase());
  }, 120_000);
});

describe("GDPR redaction on the embedded platform (acceptance)", () => {
  let before: Awaited<ReturnType<typeof inventory>>;
  let byId: Person;
  let byEmail: Person;

  beforeAll(async () => {
    // A stage that checks (hot-store state, data quality) may fail without harm here; the lake must have been filled.
    if (demo.status === null || !/\[ok\] backfill/.test(demo.stderr) || !/\[ok\] analytics/.test(demo.stderr))
      throw new Error(`sdp demo did not fill the lake (exit ${demo.status}):\n${demo.stderr.slice(-3000)}`);
    before = await inventory(dataDir);
    const people = before.customers.flatMap((item): Person[] => {
      const id = /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(String(item.id ?? ""))?.[1];
      return id && typeof item.email === "string" ? [{ id, email: item.email, ...(typeof item.phone === "string" ? { phone: item.phone } : {}) }] : [];
    });
    // Two people with data in more than one store; the e-mail of the second is all the request names.
    const rich = people.filter((person) => [...before.stores.entries()].filter(([, texts]) => texts.some((text) => mentions(text, [person]))).length >= 3);
    byId = rich[0]!;
    byEmail = rich[1]!;
  }, 300_000);

  it("help, usage errors and a dry run that changes nothing", async () => {
    expect(byId).toBeDefined();
    expect(byEmail).toBeDefined();
    const help = await run(["gdpr", "redact", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Example");
    expect((await run(["gdpr", "redact", "--data-dir", dataDir])).code).toBe(2);
    expect((await run(["gdpr", "redact", "--customer", "@@", "--data-dir", dataDir])).code).toBe(2);
    expect((await run(["gdpr", "redact", "--customer", byId.id, "--vendors", "paypal", "--data-dir", dataDir])).code).toBe(2);

    const dry = await run(["gdpr", "redact", "--customer", byId.id, "--dry-run", "--json", "--data-dir", dataDir]);
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout).plan;
    expect(plan.counts.locations).toBeGreaterThan(0);
    expect(plan.rawObjects.length).toBeGreaterThan(0);
    const after = await inventory(dataDir);
    expect([...after.stores.keys()].sort()).toEqual([...before.stores.keys()].sort());
    for (const [where, texts] of before.stores) expect(checksum(after.stores.get(where)!)).toBe(checksum(texts));

    const unknown = await run(["gdpr", "redact", "--customer", "nobody-at-all@example.invalid", "--dry-run", "--data-dir", dataDir]);
    expect(unknown.code).toBe(0);
    expect(unknown.stdout).toContain("holds nothing for this customer");
  }, 300_000);

  it("redacts one customer by id and another by e-mail only: nothing of them anywhere, every other row intact, each step audited", async () => {
    const plans = await widened(dataDir, [byId, byEmail]);
    const matchers = plans.flatMap((plan) => matchersOfIdentifiers(plan.identifiers));
    const located = plans.flatMap((plan) => plan.locations as SubjectLocation[]);
    const isSubjects = (text: string) => matchers.some((matcher) => matcher.test(text));
    const atLocation = (where: string, text: string) =>
      located.some((location) =>
        location.store === "raw"
          ? where === `raw ${location.key}`
          : location.store === "hot"
            ? where === `hot ${location.table}` && Object.entries(location.key).every(([name, value]) => (JSON.parse(text) as Record<string, unknown>)[name] === value)
            : false,
      );
    const first = await run(["gdpr", "redact", "--customer", byId.id, "--request-id", "e2e-redact-id", "--json", "--data-dir", dataDir]);
    if (first.code !== 0) throw new Error(first.stdout + first.stderr);
    const second = await run(["gdpr", "redact", "--customer", byEmail.email!.toUpperCase(), "--request-id", "e2e-redact-email", "--json", "--data-dir", dataDir]);
    if (second.code !== 0) throw new Error(second.stdout + second.stderr);
    expect(JSON.parse(second.stdout).run.status).toBe("SUCCEEDED");

    const after = await inventory(dataDir);
    const subjects = [byId, byEmail];
    const left = [...after.stores.entries()].flatMap(([where, texts]) => texts.filter((text) => mentions(text, subjects) || isSubjects(text)).map(() => where));
    expect(left).toEqual([]);
    // Every other record, store by store: the same count and checksum.
    for (const [where, texts] of before.stores) {
      const others = texts.filter((text) => !mentions(text, subjects) && !isSubjects(text) && !atLocation(where, text));
      const now = (after.stores.get(where) ?? []).filter((text) => !mentions(text, subjects) && !isSubjects(text));
      if (where.startsWith("hot subjectIndex") || where.startsWith("hot idempotency")) continue;
      expect({ where, count: now.length, sum: checksum(now) }).toEqual({ where, count: others.length, sum: checksum(others) });
    }
    // The index answers nothing for them any more.
    const indexed = await withLocalGdpr(dataDir, env, ({ layer }) =>
      Effect.runPromise(
        Effect.provide(
          lookupSubject([
            { kind: "customer-id", value: `shopify:${byId.id}` },
            { kind: "email", value: byEmail.email!.toLowerCase() },
          ]),
          layer,
        ),
      ),
    );
    expect(indexed).toEqual([]);
    // The audit log: each step of each request, counts and times, no personal data.
    for (const requestId of ["e2e-redact-id", "e2e-redact-email"]) {
      const entries = after.audit.map((text) => JSON.parse(text)).filter((entry) => entry.requestId === requestId);
      expect(entries.filter((entry) => !entry.skipped).map((entry) => entry.step)).toEqual(gdprRedactionSteps.filter((step) => step !== "vendors"));
      for (const entry of entries) expect(entry.startedAt <= entry.finishedAt).toBe(true);
    }
    expect(after.audit.some((text) => mentions(text, subjects))).toBe(false);

    // A repeated request finishes without harm: every step already done.
    const repeat = await run(["gdpr", "redact", "--request-id", "e2e-redact-id", "--json", "--data-dir", dataDir]);
    expect(repeat.code).toBe(0);
    expect(JSON.parse(repeat.stdout).run.steps.every((step: { skipped: boolean }) => step.skipped)).toBe(true);
  }, 600_000);
});
