/**
 * Lake: the data-lake bucket and its access-log bucket, lifecycle per prefix, request metrics,
 * the Glue database and tables (partition projection) and the Athena workgroup.
 */
import { bucketClassifications, classificationOf, holdsDirectPii, tableClassification } from "../contracts/classification";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy";
import { AthenaWorkgroup } from "@cdktn/provider-aws/lib/athena-workgroup";
import { GlueCatalogDatabase } from "@cdktn/provider-aws/lib/glue-catalog-database";
import { GlueCatalogTable } from "@cdktn/provider-aws/lib/glue-catalog-table";
import { S3BucketMetric } from "@cdktn/provider-aws/lib/s3-bucket-metric";
import { TerraformOutput } from "cdktn";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { lakePrefixes } from "../contracts/lake-layout";
import { accessLogBucketName, lakeBucketName } from "../contracts/naming";
import { LakeBucket, type LifecycleRuleSpec } from "../modules/lake-bucket";
import type { FoundationStack } from "./foundation";
import { glueDatabaseName, lakeTables, type LakeTableSpec } from "./lake-catalog";
import { PlatformStack, type PlatformStackOptions } from "./platform-stack";

/** A column's Glue parameters from contracts/classification.ts (an unclassified column is restricted, direct PII). */
export const classificationParameters = (column: string): Record<string, string> => {
  const classification = classificationOf(column) ?? { pii: "direct", sensitivity: "restricted" };
  return { pii: classification.pii, sensitivity: classification.sensitivity };
};

/** What the analyst role reads (views and marts without direct PII), and where its Athena results go. */
export const ANALYST_PREFIXES = [lakePrefixes.processed, lakePrefixes.curated] as const;
export const ANALYST_RESULTS_PREFIX = `${lakePrefixes.athenaResults}analyst/`;

/** The Glue tables the analyst may query: under processed/ or curated/, no direct-PII column (contracts/classification.ts). */
export const analystTables = (): LakeTableSpec[] =>
  lakeTables.filter(
    (spec) => ANALYST_PREFIXES.some((prefix) => spec.prefix.startsWith(prefix)) && !holdsDirectPii([...spec.columns, ...spec.partitionKeys].map((column) => column.name)),
  );

export interface LakeStackProps {
  readonly foundation: FoundationStack;
}

/** Days after which noncurrent object versions (overwrites, deletes) are removed. */
export const NONCURRENT_VERSION_DAYS = 30;
export const ATHENA_RESULTS_DAYS = 30;
/** Athena bytes-scanned cutoff per query: a runaway query costs at most a few dollars outside prod. */
export const bytesScannedCutoff = (env: EnvironmentConfig) => (env.name === "prod" ? 200 : 20) * 1024 ** 3;

/** An Athena workgroup's enforced settings: metrics, the bytes-scanned cutoff, engine 3, results SSE-KMS under outputLocation. */
const workgroupConfiguration = (env: EnvironmentConfig, outputLocation: string, kmsKeyArn: string) => ({
  enforceWorkgroupConfiguration: true,
  publishCloudwatchMetricsEnabled: true,
  bytesScannedCutoffPerQuery: bytesScannedCutoff(env),
  engineVersion: { selectedEngineVersion: "Athena engine version 3" },
  resultConfiguration: { outputLocation, encryptionConfiguration: { encryptionOption: "SSE_KMS", kmsKeyArn } },
});

/** Raw and snapshot data: Infrequent Access at 30 days, Glacier Instant Retrieval at 90, expiry at the retention. */
export const lakeLifecycleRules = (env: EnvironmentConfig): LifecycleRuleSpec[] => {
  const tiered = (id: string, prefix: string): LifecycleRuleSpec => ({
    id,
    prefix,
    transitions: [
      { days: 30, storageClass: "STANDARD_IA" as const },
      { days: 90, storageClass: "GLACIER_IR" as const },
    ].filter((transition) => transition.days < env.dataRetentionDays),
    expirationDays: env.dataRetentionDays,
  });
  return [
    tiered("raw-tiering-and-retention", lakePrefixes.raw),
    tiered("snapshots-tiering-and-retention", lakePrefixes.snapshots),
    { id: "athena-results-expiry", prefix: lakePrefixes.athenaResults, expirationDays: ATHENA_RESULTS_DAYS },
  ];
};

export class LakeStack extends PlatformStack {
  readonly lake: LakeBucket;
  readonly accessLogs: LakeBucket;
  readonly glueDatabase: GlueCatalogDatabase;
  /** Analysts' role: Athena over processed/ and curated/, no raw/, no direct PII. */
  readonly analystRole: IamRole;
  readonly glueTables: Record<string, GlueCatalogTable>;
  readonly workgroup: AthenaWorkgroup;

  constructor(scope: Construct, env: EnvironmentConfig, props: LakeStackProps, options: PlatformStackOptions = {}) {
    super(scope, env, "lake", options);
    const lakeName = lakeBucketName(env.brand, env.accountId, env.name);
    const logsName = accessLogBucketName(env.brand, env.accountId, env.name);

    this.accessLogs = new LakeBucket(this, "access-logs", {
      bucketName: logsName,
      dataClassification: bucketClassifications.accessLogs,
      lifecycleRules: [{ id: "access-log-retention", prefix: "", expirationDays: Math.max(365, env.logRetentionDays) }],
      noncurrentVersionExpirationDays: NONCURRENT_VERSION_DAYS,
      extraPolicyStatements: (arn) => [
        {
          Sid: "S3ServerAccessLogDelivery",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: `${arn}/lake/*`,
          Condition: { ArnLike: { "aws:SourceArn": `arn:aws:s3:::${lakeName}` }, StringEquals: { "aws:SourceAccount": env.accountId } },
        },
      ],
    });
    this.lake = new LakeBucket(this, "lake", {
      bucketName: lakeName,
      dataClassification: bucketClassifications.lake,
      kmsKeyArn: props.foundation.keys.lake.arn,
      accessLogs: { bucket: this.accessLogs.bucket.id, prefix: "lake/" },
      lifecycleRules: lakeLifecycleRules(env),
      noncurrentVersionExpirationDays: NONCURRENT_VERSION_DAYS,
    });
    // Request metrics (4xx/5xx, latency) for the monitoring dashboard.
    new S3BucketMetric(this, "lake-request-metrics", { bucket: this.lake.bucket.id, name: "EntireBucket" });

    this.glueDatabase = new GlueCatalogDatabase(this, "glue-database", {
      name: glueDatabaseName(env.brand, env.name),
      description: `Data lake of ${env.brand} (${env.name}); tables use partition projection over s3://${lakeName}/.`,
    });
    this.glueTables = Object.fromEntries(lakeTables.map((spec) => [spec.name, this.glueTable(spec, lakeName)]));

    this.workgroup = new AthenaWorkgroup(this, "athena-workgroup", {
      name: `${this.prefix}-analytics`,
      description: "Queries over the lake: enforced settings, KMS-encrypted results, bytes-scanned cutoff.",
      state: "ENABLED",
      forceDestroy: env.name === "dev",
      configuration: workgroupConfiguration(env, `s3://${lakeName}/${lakePrefixes.athenaResults}`, props.foundation.keys.lake.arn),
    });

    this.analystRole = this.analystAccess(env, lakeName, props.foundation.keys.lake.arn);

    new TerraformOutput(this, "lake-bucket-name", { value: this.lake.bucket.bucket });
    new TerraformOutput(this, "athena-workgroup-name", { value: this.workgroup.name });
  }

  /**
   * The analyst role (docs/data-classification.md): Athena in its own workgroup (results under
   * athena-results/analyst/, apart from the ETL's results over raw/), the Glue tables under
   * processed/ and curated/ without direct PII (contracts/classification.ts), their S3 prefixes
   * and the lake key; raw/, snapshots/ and restricted/ explicitly denied. Views without PII plus
   * S3 prefix limits, not Lake Formation: Athena reads S3 with the caller's credentials, so the
   * prefix limits are what keeps raw/ out, and the tables behind processed/ and curated/ are built
   * without direct PII columns (a test holds them to it).
   */
  private analystAccess(env: EnvironmentConfig, lakeName: string, lakeKeyArn: string): IamRole {
    const bucketArn = `arn:aws:s3:::${lakeName}`;
    const workgroup = new AthenaWorkgroup(this, "athena-analyst-workgroup", {
      name: `${this.prefix}-analyst`,
      description: "Analysts' queries over processed/ and curated/ (no raw/, no direct PII); results under athena-results/analyst/.",
      state: "ENABLED",
      forceDestroy: env.name === "dev",
      configuration: workgroupConfiguration(env, `s3://${lakeName}/${ANALYST_RESULTS_PREFIX}`, lakeKeyArn),
    });
    const glue = (resource: string) => `arn:aws:glue:${env.region}:${env.accountId}:${resource}`;
    const database = this.glueDatabase.name;
    const role = new IamRole(this, "analyst-role", {
      name: `${this.prefix}-analyst`,
      description: "Analysts: Athena over processed/ and curated/ without direct PII; never raw/.",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${env.accountId}:root` }, Action: "sts:AssumeRole", Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } } },
        ],
      }),
    });
    new IamRolePolicy(this, "analyst-policy", {
      name: "analyst-queries",
      role: role.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AthenaAnalystWorkgroup",
            Effect: "Allow",
            Action: ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"],
            Resource: [workgroup.arn],
          },
          {
            Sid: "GlueAnalystTables",
            Effect: "Allow",
            Action: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"],
            Resource: [
              glue("catalog"),
              glue(`database/${database}`),
              ...analystTables().map((table) => glue(`table/${database}/${table.name}`)),
              glue(`table/${database}/curated_*`),
            ],
          },
          { Sid: "ReadAnalystPrefixes", Effect: "Allow", Action: ["s3:GetObject"], Resource: ANALYST_PREFIXES.map((prefix) => `${bucketArn}/${prefix}*`) },
          {
            Sid: "ListAnalystPrefixes",
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: [bucketArn],
            Condition: { StringLike: { "s3:prefix": [...ANALYST_PREFIXES, ANALYST_RESULTS_PREFIX].map((prefix) => `${prefix}*`) } },
          },
          { Sid: "AnalystResults", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], Resource: [`${bucketArn}/${ANALYST_RESULTS_PREFIX}*`] },
          { Sid: "LakeKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: [lakeKeyArn] },
          {
            Sid: "NeverRawOrRestricted",
            Effect: "Deny",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: [lakePrefixes.raw, lakePrefixes.snapshots, "restricted/", lakePrefixes.gdprAudit].map((prefix) => `${bucketArn}/${prefix}*`),
          },
        ],
      }),
    });
    return role;
  }

  private glueTable(spec: LakeTableSpec, bucket: string): GlueCatalogTable {
    const json = spec.format === "json";
    const text = spec.format === "text";
    return new GlueCatalogTable(this, `glue-table-${spec.name}`, {
      databaseName: this.glueDatabase.name,
      name: spec.name,
      description: spec.description,
      tableType: "EXTERNAL_TABLE",
      parameters: {
        classification: spec.format,
        EXTERNAL: "TRUE",
        "projection.enabled": "true",
        ...spec.projection,
        "storage.location.template": `s3://${bucket}/${spec.locationTemplate}`,
        ...(json || text ? {} : { "parquet.compression": "ZSTD" }),
        // contracts/classification.ts: the table's highest sensitivity.
        "data-classification": tableClassification([...spec.columns, ...spec.partitionKeys].map((column) => column.name)),
      },
      partitionKeys: spec.partitionKeys.map((column) => ({ name: column.name, type: column.type, comment: column.comment })),
      storageDescriptor: {
        location: `s3://${bucket}/${spec.prefix}`,
        inputFormat: json || text ? "org.apache.hadoop.mapred.TextInputFormat" : "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        outputFormat: json || text ? "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat" : "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        serDeInfo: json
          ? { serializationLibrary: "org.openx.data.jsonserde.JsonSerDe", parameters: { "ignore.malformed.json": "true", "case.insensitive": "true" } }
          : text
            ? // \u0001 never appears unescaped in JSON, so each line is one column.
              { serializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", parameters: { "field.delim": "\u0001", "serialization.format": "\u0001" } }
            : { serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
        columns: spec.columns.map((column) => ({ name: column.name, type: column.type, comment: column.comment, parameters: classificationParameters(column.name) })),
      },
    });
  }
}
