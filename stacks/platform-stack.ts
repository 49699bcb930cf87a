/**
 * The base of every stack: one per (environment x layer), named `<brand>-<env>-<layer>`, with its
 * own S3 backend key `<env>/<layer>.tfstate`, the aws provider pinned to the environment's
 * account and region with the required default tags, and the guardrail rule pack evaluated on
 * the synthesized JSON (a violation fails `cdktn synth`).
 */
import { IamRole } from "@cdktn/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktn/provider-aws/lib/provider";
import { Aspects, S3Backend, TerraformStack } from "cdktn";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { bootstrapStackName, bootstrapStateKey, permissionsBoundaryArn, resourcePrefix, stackName, stateKey, type Layer } from "../contracts/naming";
import { evaluateGuardrails, formatViolations, type GuardrailReport, type GuardrailRule, type TfJson } from "../policies/guardrails";
import { rulePack } from "../policies/rules";

/** The stack applied only with administrator credentials (`sdp bootstrap`), never by CI. */
export type StackKind = Layer | "bootstrap";

/** What the data in a layer is, for the data-classification tag. */
export const dataClassification: Record<StackKind, string> = {
  bootstrap: "internal",
  foundation: "confidential",
  lake: "confidential-pii",
  "hot-stores": "confidential-pii",
  ingestion: "confidential-pii",
  backfill: "confidential-pii",
  analytics: "confidential-pii",
  monitoring: "internal",
};

export interface PlatformStackOptions {
  /** The rule pack to enforce (default: policies/rules/index.ts). */
  readonly rules?: ReadonlyArray<GuardrailRule>;
}

export class PlatformStack extends TerraformStack {
  readonly prefix: string;
  /** The last guardrail report, filled when the stack is synthesized. */
  guardrailReport: GuardrailReport | undefined;

  constructor(
    scope: Construct,
    readonly env: EnvironmentConfig,
    readonly layer: StackKind,
    options: PlatformStackOptions = {},
  ) {
    super(scope, layer === "bootstrap" ? bootstrapStackName(env.brand, env.name) : stackName(env.brand, env.name, layer));
    this.prefix = resourcePrefix(env.brand, env.name);
    new S3Backend(this, {
      bucket: env.stateBucket,
      key: layer === "bootstrap" ? bootstrapStateKey(env.name) : stateKey(env.name, layer),
      region: env.region,
      encrypt: true,
      dynamodbTable: env.stateLockTable,
    });
    new AwsProvider(this, "aws", {
      region: env.region,
      allowedAccountIds: [env.accountId],
      defaultTags: [
        {
          tags: {
            brand: env.brand,
            environment: env.name,
            owner: env.owner,
            "cost-center": env.costCenter,
            "data-classification": dataClassification[layer],
            layer,
            // Kept from before the move to CDK Terrain: a new value would retag every resource.
            "managed-by": "cdktf",
          },
        },
      ],
    });
    // Every role of a CI-applied stack carries the workload permissions boundary (created by the
    // bootstrap stack): set here once for all role creation sites (modules and stacks), so none
    // can forget it; the guardrail IAM_ROLE_BOUNDARY checks the synthesized roles.
    if (layer !== "bootstrap") {
      const boundary = permissionsBoundaryArn(env.accountId, env.brand, env.name);
      Aspects.of(this).add({
        visit: (node) => {
          if (node instanceof IamRole && node.permissionsBoundaryInput === undefined) node.permissionsBoundary = boundary;
        },
      });
    }
    const rules = options.rules ?? rulePack;
    this.node.addValidation({
      validate: () => {
        const report = evaluateGuardrails(this.node.id, this.toTerraform() as TfJson, rules);
        this.guardrailReport = report;
        return report.violations.length > 0 ? [`guardrail violations:\n${formatViolations(report.violations)}`] : [];
      },
    });
  }
}
