/**
 * An S3 bucket with everything the guardrails require: versioning, default SSE-KMS, public
 * access block, BucketOwnerEnforced, a TLS-only bucket policy, access logging and lifecycle rules.
 */
import { S3Bucket } from "@cdktn/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktn/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktn/provider-aws/lib/s3-bucket-logging";
import { S3BucketOwnershipControls } from "@cdktn/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktn/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktn/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktn/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktn/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { policyDocument, type PolicyStatement } from "../policies/iam";
import { suppress } from "../policies/guardrails";

export interface LifecycleRuleSpec {
  readonly id: string;
  /** Key prefix the rule applies to ("" for the whole bucket). */
  readonly prefix: string;
  readonly transitions?: ReadonlyArray<{ readonly days: number; readonly storageClass: "STANDARD_IA" | "GLACIER_IR" | "GLACIER" | "INTELLIGENT_TIERING" }>;
  readonly expirationDays?: number;
}

export interface LakeBucketProps {
  readonly bucketName: string;
  /** The CMK for default encryption. Absent only for the access-log bucket (see `accessLogTarget`). */
  readonly kmsKeyArn?: string;
  /** Where server access logs go; absent only for the access-log bucket itself. */
  readonly accessLogs?: { readonly bucket: string; readonly prefix: string };
  readonly lifecycleRules: ReadonlyArray<LifecycleRuleSpec>;
  readonly noncurrentVersionExpirationDays: number;
  /** Statements added to the TLS-only bucket policy. */
  readonly extraPolicyStatements?: (bucketArn: string) => ReadonlyArray<PolicyStatement>;
  readonly forceDestroy?: boolean;
  /** The bucket's `data-classification` tag (contracts/classification.ts `bucketClassifications`); absent: the layer's default tag. */
  readonly dataClassification?: string;
}

export class LakeBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: LakeBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      ...(props.dataClassification ? { tags: { "data-classification": props.dataClassification } } : {}),
    });
    this.bucket = bucket;

    new S3BucketVersioningA(this, "versioning", { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: bucket.id,
      rule: [
        props.kmsKeyArn
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
      ],
    });
    if (!props.kmsKeyArn) {
      suppress(bucket, "S3_BUCKET_KMS", "S3 server access log delivery only writes to buckets encrypted with SSE-S3 (AES256); SSE-KMS targets are not supported.");
    }
    const publicAccess = new S3BucketPublicAccessBlock(this, "public-access", {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });

    const tlsOnly: PolicyStatement = {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [bucket.arn, `${bucket.arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: bucket.id,
      policy: policyDocument([tlsOnly, ...(props.extraPolicyStatements?.(bucket.arn) ?? [])]),
      dependsOn: [publicAccess],
    });

    if (props.accessLogs) {
      new S3BucketLoggingA(this, "logging", { bucket: bucket.id, targetBucket: props.accessLogs.bucket, targetPrefix: props.accessLogs.prefix });
    } else {
      suppress(bucket, "S3_ACCESS_LOGGING", "This is the access-log bucket: logging its own access into itself would create a feedback loop.");
    }

    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: bucket.id,
      rule: [
        ...props.lifecycleRules.map((rule) => ({
          id: rule.id,
          status: "Enabled",
          filter: [{ prefix: rule.prefix }],
          transition: (rule.transitions ?? []).map((t) => ({ days: t.days, storageClass: t.storageClass })),
          ...(rule.expirationDays !== undefined ? { expiration: [{ days: rule.expirationDays }] } : {}),
        })),
        {
          id: "noncurrent-versions-and-uploads",
          status: "Enabled",
          filter: [{ prefix: "" }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }
}
