/**
 * A read-only model of synthesized stacks (cdk.tf.json) that resolves Terraform interpolations
 * the way IAM analysis needs them: `${aws_x.y.arn}` becomes the ARN the resource will have (built
 * from the stack's provider account and region and the resource's own names), cross-stack
 * references (`${data.terraform_remote_state.<producer>.outputs.<output>}`) follow the producer
 * stack's output to the resource behind it. Ids AWS generates (KMS key ids, API ids, UUIDs) get
 * stable placeholders.
 */
import { createHash } from "node:crypto";
import { block, type TfJson } from "./guardrails";

export interface StackEnv {
  readonly account: string;
  readonly region: string;
  readonly brand: string;
  readonly environment: string;
  /** The tags every resource of the stack carries (provider default_tags). */
  readonly tags: Readonly<Record<string, string>>;
}

export interface ResourceInstance {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly body: Record<string, unknown>;
}

export interface Reference {
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
}

/** How to name a resource type's instance in IAM terms: its ARN and what `.id` resolves to. */
export interface ArnBuilder {
  readonly arn?: (r: ResolvedResource) => string;
  readonly id?: (r: ResolvedResource) => string;
}

export interface ResolvedResource extends ResourceInstance {
  readonly env: StackEnv;
  /** An attribute of the body with every interpolation resolved. */
  get(attribute: string): string;
  /** A nested attribute, e.g. `target.role_arn`. */
  getPath(path: string): string | undefined;
  /** A stable placeholder for an id AWS generates. */
  generated(kind: "uuid" | "short" | "suffix"): string;
  arnOf(type: string, name: string): string;
  /** The resource an attribute refers to (`role = "${aws_iam_role.r.id}"` -> the role). */
  ref(attribute: string): ResolvedResource | undefined;
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex");

export const placeholder = (seed: string, kind: "uuid" | "short" | "suffix"): string => {
  const h = hash(seed);
  if (kind === "uuid") return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  if (kind === "short") return h.slice(0, 10);
  return `${h.slice(0, 6)}`;
};

const INTERPOLATION = /\$\{([^{}]+)\}/g;

export class TerraformModel {
  private readonly byBackendKey = new Map<string, string>();

  constructor(
    readonly stacks: Readonly<Record<string, TfJson>>,
    private readonly builders: (type: string) => ArnBuilder | undefined,
  ) {
    for (const [name, stack] of Object.entries(stacks)) {
      const key = stack.terraform?.backend?.s3?.key;
      if (typeof key === "string") this.byBackendKey.set(key, name);
    }
  }

  env(stack: string): StackEnv {
    const provider = block(this.stacks[stack]?.provider?.aws);
    const tags = (block(provider?.default_tags)?.tags ?? {}) as Record<string, string>;
    const accounts = (provider?.allowed_account_ids as string[] | undefined) ?? [];
    return { account: accounts[0] ?? "000000000000", region: String(provider?.region ?? "us-east-1"), brand: tags.brand ?? "", environment: tags.environment ?? "", tags };
  }

  resources(stack: string): ResourceInstance[] {
    return Object.entries(this.stacks[stack]?.resource ?? {}).flatMap(([type, byName]) => Object.entries(byName).map(([name, body]) => ({ stack, type, name, body })));
  }

  resource(stack: string, type: string, name: string): ResourceInstance | undefined {
    const body = this.stacks[stack]?.resource?.[type]?.[name];
    return body ? { stack, type, name, body } : undefined;
  }

  /** The resource an interpolation (the text between `${` and `}`) points at, across stacks. */
  reference(stack: string, expression: string, depth = 0): Reference | undefined {
    const remote = /^data\.terraform_remote_state\.([^.]+)\.outputs\.([^.\s]+)$/.exec(expression.trim());
    if (remote && depth < 5) {
      const source = this.stacks[stack]?.data?.terraform_remote_state?.[remote[1]!] as { config?: { key?: string } } | undefined;
      const producer = source?.config?.key ? this.byBackendKey.get(source.config.key) : undefined;
      const output = producer ? (this.stacks[producer] as { output?: Record<string, { value?: unknown }> }).output?.[remote[2]!] : undefined;
      const inner = typeof output?.value === "string" ? /^\$\{([^{}]+)\}$/.exec(output.value)?.[1] : undefined;
      return producer && inner ? this.reference(producer, inner, depth + 1) : undefined;
    }
    const local = /^(aws_[a-z0-9_]+)\.([^.\s]+)\.([a-z0-9_]+)$/.exec(expression.trim());
    return local ? { stack, type: local[1]!, name: local[2]!, attribute: local[3]! } : undefined;
  }

  /** A resource with helpers that resolve its attributes. */
  resolved(instance: ResourceInstance): ResolvedResource {
    const env = this.env(instance.stack);
    const model = this;
    const seed = `${instance.stack}/${instance.type}/${instance.name}`;
    const valueAt = (path: string): unknown =>
      path.split(".").reduce<unknown>((value, key) => block(value)?.[key] ?? (value as Record<string, unknown> | undefined)?.[key], instance.body);
    return {
      ...instance,
      env,
      get: (attribute) => {
        const value = instance.body[attribute];
        return value === undefined ? "" : model.resolve(instance.stack, String(value));
      },
      getPath: (path) => {
        const value = valueAt(path);
        return value === undefined ? undefined : model.resolve(instance.stack, String(value));
      },
      generated: (kind) => placeholder(seed, kind),
      arnOf: (type, name) => model.attribute({ stack: instance.stack, type, name, attribute: "arn" }),
      ref: (attribute) => {
        const value = instance.body[attribute];
        const inner = typeof value === "string" ? /^\$\{([^{}]+)\}$/.exec(value)?.[1] : undefined;
        const target = inner ? model.reference(instance.stack, inner) : undefined;
        const found = target ? model.resource(target.stack, target.type, target.name) : undefined;
        return found ? model.resolved(found) : undefined;
      },
    };
  }

  /** The value a reference resolves to (an ARN for `.arn`, a name for `.name`/`.id`, ...). */
  attribute(ref: Reference): string {
    const instance = this.resource(ref.stack, ref.type, ref.name);
    if (!instance) return `\${${ref.type}.${ref.name}.${ref.attribute}}`;
    const resolved = this.resolved(instance);
    const builder = this.builders(ref.type);
    switch (ref.attribute) {
      case "arn":
        return builder?.arn ? builder.arn(resolved) : `\${${ref.type}.${ref.name}.arn}`;
      case "id":
        return builder?.id ? builder.id(resolved) : resolved.get("name") || resolved.generated("short");
      case "key_id":
        return resolved.generated("uuid");
      case "url":
        return `https://sqs.${resolved.env.region}.amazonaws.com/${resolved.env.account}/${resolved.get("name")}`;
      case "execution_arn":
        return `arn:aws:execute-api:${resolved.env.region}:${resolved.env.account}:${builder?.id ? builder.id(resolved) : resolved.generated("short")}`;
      case "invoke_arn":
        return `arn:aws:apigateway:${resolved.env.region}:lambda:path/2015-03-31/functions/${builder?.arn?.(resolved) ?? ""}/invocations`;
      default: {
        const own = instance.body[ref.attribute];
        return typeof own === "string" || typeof own === "number" ? this.resolve(ref.stack, String(own)) : resolved.generated("short");
      }
    }
  }

  /** Replaces every interpolation of a string by what it resolves to; unresolvable ones stay. */
  resolve(stack: string, text: string): string {
    return text.replace(INTERPOLATION, (whole, expression: string) => {
      const ref = this.reference(stack, expression);
      return ref ? this.attribute(ref) : whole;
    });
  }

  /** Terraform resource types behind the interpolations of a string (e.g. an ARN `${aws_sqs_queue.q.arn}`). */
  referencedTypes(stack: string, text: string): Reference[] {
    return [...text.matchAll(INTERPOLATION)].flatMap((match) => {
      const ref = this.reference(stack, match[1]!);
      return ref ? [ref] : [];
    });
  }
}
