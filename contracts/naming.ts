/** Names shared by the stacks, the functions, the CLI and the local platform. Plain data. */

export const layers = ["foundation", "lake", "hot-stores", "ingestion", "backfill", "analytics", "monitoring"] as const;
export type Layer = (typeof layers)[number];

/** Which layers a layer reads cross-stack references from; deploy order follows it. */
export const layerDependencies: Record<Layer, ReadonlyArray<Layer>> = {
  foundation: [],
  lake: ["foundation"],
  "hot-stores": ["foundation"],
  ingestion: ["foundation", "lake", "hot-stores"],
  backfill: ["foundation", "lake", "hot-stores"],
  analytics: ["foundation", "lake"],
  monitoring: ["foundation", "lake", "hot-stores", "ingestion", "backfill", "analytics"],
};

export const stackName = (brand: string, env: string, layer: Layer) => `${brand}-${env}-${layer}`;
export const stateKey = (env: string, layer: Layer) => `${env}/${layer}.tfstate`;

export const lakeBucketName = (brand: string, accountId: string, env: string) => `${brand}-data-lake-${accountId}-${env}`;
export const accessLogBucketName = (brand: string, accountId: string, env: string) => `${brand}-access-logs-${accountId}-${env}`;
export const tableName = (brand: string, env: string, logicalName: string) => `${brand}-${env}-${logicalName}`;
export const resourcePrefix = (brand: string, env: string) => `${brand}-${env}`;
