import { lakePrefixes } from "../../contracts/lake-layout";
import { accessLogBucketName, lakeBucketName, tableName } from "../../contracts/naming";
import { tableKeys, tableSpecs, type TableSpec } from "../../contracts/tables";
import { keyAttributes } from "../../modules/hot-table";
import { lakeTables } from "../../stacks/lake-catalog";
import { resourcesOf, synthesize, type Synthesized } from "./helpers";

/** The contract shape of a synthesized table, for comparison with contracts/tables.ts. */
const contractOf = (table: any): Omit<TableSpec, "description" | "envVar" | "logicalName"> => {
  const typeOf = (name: string) => table.attribute.find((a: any) => a.name === name).type;
  const key = (name: string | undefined) => (name ? { name, type: typeOf(name) } : undefined);
  return JSON.parse(
    JSON.stringify({
      partitionKey: key(table.hash_key),
      sortKey: key(table.range_key),
      globalSecondaryIndexes: (table.global_secondary_index ?? []).map((gsi: any) => ({ name: gsi.name, partitionKey: key(gsi.hash_key), sortKey: key(gsi.range_key) })),
      ttlAttribute: table.ttl?.enabled ? table.ttl.attribute_name : undefined,
    }),
  );
};

describe("hot stores and lake", () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize({ functionEntry: () => undefined });
  });
  afterAll(() => synth.cleanup());

  describe.each(["dev", "staging", "prod"] as const)("hot stores in %s", (env) => {
    const tables = () => resourcesOf(synth.stack(`acme-${env}-hot-stores`), "aws_dynamodb_table");

    it("deploys exactly the tables of contracts/tables.ts, with their keys, GSIs and TTL", () => {
      const byName = new Map(tables().map((table) => [table.name, table]));
      expect([...byName.keys()].sort()).toEqual(tableKeys.map((key) => tableName("acme", env, tableSpecs[key].logicalName)).sort());
      for (const key of tableKeys) {
        const spec: TableSpec = tableSpecs[key];
        const table = byName.get(tableName("acme", env, spec.logicalName));
        // The family declared on a table is routing, not table shape (contracts/events.ts).
        const { description, envVar, logicalName, shopifyFamily, ...shape } = spec;
        expect(contractOf(table)).toEqual(JSON.parse(JSON.stringify(shape)));
        expect(table.attribute).toHaveLength(keyAttributes(spec).length);
      }
    });

    it("makes every table on-demand, PITR, CMK-encrypted; deletion protection outside dev", () => {
      for (const table of tables()) {
        expect(table).toMatchObject({ billing_mode: "PAY_PER_REQUEST", point_in_time_recovery: { enabled: true }, server_side_encryption: { enabled: true } });
        expect(table.server_side_encryption.kms_key_arn).toContain("terraform_remote_state");
        expect(table.deletion_protection_enabled).toBe(env !== "dev");
      }
    });

    it("alarms on throttles and system errors for every table, to the alerts topic", () => {
      const alarms = resourcesOf(synth.stack(`acme-${env}-hot-stores`), "aws_cloudwatch_metric_alarm");
      for (const key of tableKeys) {
        const logical = tableSpecs[key].logicalName;
        const names = alarms.map((alarm) => alarm.alarm_name);
        expect(names).toEqual(expect.arrayContaining([`acme-${env}-${logical}-read-throttles`, `acme-${env}-${logical}-write-throttles`, `acme-${env}-${logical}-system-errors`]));
      }
      for (const alarm of alarms) expect(alarm.alarm_actions[0]).toContain("aws_sns_topicalertsarn");
    });
  });

  describe("lake in prod", () => {
    const lake = () => synth.stack("acme-prod-lake");

    it("names the buckets from contracts/naming.ts", () => {
      expect(
        resourcesOf(lake(), "aws_s3_bucket")
          .map((b) => b.bucket)
          .sort(),
      ).toEqual([lakeBucketName("acme", "333333333333", "prod"), accessLogBucketName("acme", "333333333333", "prod")].sort());
    });

    it("tiers raw/ to IA at 30 d and Glacier IR at 90, expires at the retention, and expires noncurrent versions", () => {
      const configs = resourcesOf(lake(), "aws_s3_bucket_lifecycle_configuration");
      const rules = configs.flatMap((config) => config.rule);
      const raw = rules.find((rule: any) => rule.filter[0].prefix === lakePrefixes.raw);
      expect(raw.transition).toEqual([
        { days: 30, storage_class: "STANDARD_IA" },
        { days: 90, storage_class: "GLACIER_IR" },
      ]);
      expect(raw.expiration).toEqual([{ days: 2555 }]);
      expect(rules.find((rule: any) => rule.filter[0].prefix === lakePrefixes.athenaResults).expiration).toEqual([{ days: 30 }]);
      for (const config of configs) expect(config.rule.some((rule: any) => rule.noncurrent_version_expiration?.[0]?.noncurrent_days === 30)).toBe(true);
    });

    it("denies non-TLS access and logs access to the access-log bucket", () => {
      for (const policy of resourcesOf(lake(), "aws_s3_bucket_policy")) {
        const deny = JSON.parse(policy.policy).Statement.find((s: any) => s.Sid === "DenyInsecureTransport");
        expect(deny).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
      }
      expect(resourcesOf(lake(), "aws_s3_bucket_logging")).toEqual([expect.objectContaining({ target_prefix: "lake/" })]);
    });

    it("catalogues raw events, bulk snapshots and orders_enriched with partition projection", () => {
      const tables = resourcesOf(lake(), "aws_glue_catalog_table");
      expect(tables.map((t) => t.name).sort()).toEqual(lakeTables.map((t) => t.name).sort());
      for (const table of tables) {
        expect(table.parameters["projection.enabled"]).toBe("true");
        expect(table.parameters["storage.location.template"]).toMatch(/^s3:\/\/acme-data-lake-333333333333-prod\//);
      }
      const orders = tables.find((t) => t.name === "orders_enriched");
      expect(orders.parameters["storage.location.template"]).toBe("s3://acme-data-lake-333333333333-prod/processed/shopify/orders_enriched/dt=${dt}/");
      expect(orders.storage_descriptor.columns.find((c: any) => c.name === "order_number").type).toBe("string");
      // Money as the bulk converter and etl/transforms.ts type it.
      expect(orders.storage_descriptor.columns.find((c: any) => c.name === "net_amount").type).toBe("decimal(20,4)");
    });

    it("has an Athena workgroup with enforced, KMS-encrypted results under athena-results/ and a cutoff", () => {
      const workgroups = resourcesOf(lake(), "aws_athena_workgroup");
      const workgroup = workgroups.find((candidate) => candidate.name === "acme-prod-analytics");
      expect(workgroup.configuration).toMatchObject({
        enforce_workgroup_configuration: true,
        bytes_scanned_cutoff_per_query: 200 * 1024 ** 3,
        result_configuration: { output_location: "s3://acme-data-lake-333333333333-prod/athena-results/", encryption_configuration: { encryption_option: "SSE_KMS" } },
      });
      // The analysts' workgroup keeps its results apart (docs/data-classification.md).
      expect(workgroups.find((candidate) => candidate.name === "acme-prod-analyst").configuration).toMatchObject({
        enforce_workgroup_configuration: true,
        result_configuration: { output_location: "s3://acme-data-lake-333333333333-prod/athena-results/analyst/", encryption_configuration: { encryption_option: "SSE_KMS" } },
      });
    });
  });
});
