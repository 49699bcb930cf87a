/**
 * Runs the analytics workflow locally: the exact definition from contracts/analytics-workflow.ts,
 * executed by aws-local-stepfunctions, with every Task state answered by a local stand-in for
 * the service its Resource names (Athena, S3, Lambda, SNS). Used to prove the workflow's control
 * flow (pagination of partitions, the Distributed Map, failure alerts) without AWS.
 *
 * aws-local-stepfunctions 3.x runs a DISTRIBUTED Map's ItemProcessor like an inline one over
 * ItemsPath (it supports neither ItemReader nor ItemBatcher, which is why the definition uses
 * neither). The run counts the events of states inside a Distributed Map apart from the rest:
 * on AWS those are child executions with histories of their own, the rest is the parent's.
 */
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { analyticsWorkflowDefinition, type AnalyticsWorkflowResources, type AnalyticsWorkflowSql } from "../contracts/analytics-workflow";

/** Stand-ins for the service calls the workflow makes; each gets the Task's resolved Parameters. */
export interface AnalyticsServices {
  /** athena:startQueryExecution.sync: runs the query, returns its id (and result location). */
  readonly startQuery: (queryString: string) => Promise<{ readonly queryExecutionId: string; readonly outputLocation?: string }>;
  /** athena:getQueryResults: one page of rows (the first row of the first page is the header). */
  readonly getQueryResults: (request: { readonly QueryExecutionId: string; readonly MaxResults?: number; readonly NextToken?: string }) => Promise<{
    readonly rows: ReadonlyArray<ReadonlyArray<string>>;
    readonly nextToken?: string;
  }>;
  readonly listObjects: (bucket: string, prefix: string) => Promise<ReadonlyArray<string>>;
  readonly deleteObject: (bucket: string, key: string) => Promise<void>;
  /** lambda:invoke of the data-quality function. */
  readonly invokeDataQuality: (payload: unknown) => Promise<{ readonly summary: unknown; readonly resultKey: string; readonly backfillDays: ReadonlyArray<string> }>;
  /** lambda:invoke of gdpr-index-parquet (IndexPartition, present when the resources name it): `{ prefix }` -> files indexed. */
  readonly indexParquet?: (payload: { readonly prefix: string }) => Promise<{ readonly files: number }>;
  readonly publishAlert: (subject: string, message: string) => Promise<void>;
}

export interface AnalyticsRunResult {
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output?: unknown;
  readonly error?: string;
  /** Events the parent execution records (not those of Map iterations / child executions). */
  readonly parentEvents: number;
  /** Every event, iterations included: what an inline Map would put in one history. */
  readonly allEvents: number;
}

type State = {
  Type: string;
  Resource?: string;
  ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States: Record<string, State> };
  Branches?: Array<{ States: Record<string, State> }>;
};

/** Names of the Distributed Map states and of every state their child executions run. */
const distributed = (states: Record<string, State>, inside = false): { maps: Set<string>; children: Set<string> } => {
  const maps = new Set<string>();
  const children = new Set<string>();
  for (const [name, state] of Object.entries(states)) {
    if (inside) children.add(name);
    const nested = [...(state.ItemProcessor ? [state.ItemProcessor.States] : []), ...(state.Branches ?? []).map((branch) => branch.States)];
    const isDistributed = state.ItemProcessor?.ProcessorConfig?.Mode === "DISTRIBUTED";
    if (isDistributed && !inside) maps.add(name);
    for (const child of nested) {
      const found = distributed(child, inside || isDistributed);
      found.maps.forEach((map) => maps.add(map));
      found.children.forEach((state) => children.add(state));
    }
  }
  return { maps, children };
};

/** Task state name -> Resource, through Map processors and Parallel branches. */
const taskResources = (states: Record<string, State>): Array<[string, string]> =>
  Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === "Task" && state.Resource ? [[name, state.Resource] as [string, string]] : []),
    ...(state.ItemProcessor ? taskResources(state.ItemProcessor.States) : []),
    ...(state.Branches ?? []).flatMap((branch) => taskResources(branch.States)),
  ]);

/** The local answer for each service integration, shaped like the AWS response. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const integrations = (services: AnalyticsServices, resources: AnalyticsWorkflowResources): Record<string, (parameters: any) => Promise<unknown>> => ({
  "arn:aws:states:::athena:startQueryExecution.sync": async (parameters) => {
    const { queryExecutionId, outputLocation } = await services.startQuery(parameters.QueryString);
    return {
      QueryExecution: {
        QueryExecutionId: queryExecutionId,
        Status: { State: "SUCCEEDED" },
        ResultConfiguration: { OutputLocation: outputLocation ?? `s3://local/${queryExecutionId}.csv` },
      },
    };
  },
  "arn:aws:states:::athena:getQueryResults": async (parameters) => {
    const page = await services.getQueryResults(parameters);
    return { ResultSet: { Rows: page.rows.map((row) => ({ Data: row.map((value) => ({ VarCharValue: value })) })) }, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  },
  "arn:aws:states:::aws-sdk:s3:listObjectsV2": async (parameters) => {
    const keys = await services.listObjects(parameters.Bucket, parameters.Prefix);
    // S3 leaves Contents out of an empty listing; the definition relies on that.
    return keys.length === 0 ? { KeyCount: 0 } : { KeyCount: keys.length, Contents: keys.map((key) => ({ Key: key })) };
  },
  "arn:aws:states:::aws-sdk:s3:deleteObject": async (parameters) => {
    await services.deleteObject(parameters.Bucket, parameters.Key);
    return {};
  },
  "arn:aws:states:::lambda:invoke": async (parameters) => {
    if (resources.indexParquetFunctionArn !== undefined && parameters.FunctionName === resources.indexParquetFunctionArn) {
      if (!services.indexParquet) throw new Error("the definition has IndexPartition (indexParquetFunctionArn) but no indexParquet stand-in was given");
      return { Payload: await services.indexParquet(parameters.Payload) };
    }
    return { Payload: await services.invokeDataQuality(parameters.Payload) };
  },
  "arn:aws:states:::sns:publish": async (parameters) => {
    await services.publishAlert(parameters.Subject, parameters.Message);
    return { MessageId: "local" };
  },
});

export const runAnalyticsWorkflowLocally = async (
  input: Record<string, unknown>,
  options: { readonly resources: AnalyticsWorkflowResources; readonly sql: AnalyticsWorkflowSql; readonly services: AnalyticsServices },
): Promise<AnalyticsRunResult> => {
  const definition = analyticsWorkflowDefinition(options.resources, options.sql);
  const byResource = integrations(options.services, options.resources);
  const handlers = Object.fromEntries(
    taskResources(definition.States as unknown as Record<string, State>).map(([name, resource]) => {
      const handler = byResource[resource];
      if (!handler) throw new Error(`no local stand-in for ${resource} (state ${name})`);
      return [name, handler];
    }),
  );
  const machine = new StateMachine(definition as unknown as StateMachineDefinition);
  const execution = machine.run(input as never, { overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: {} } });
  const { maps, children } = distributed(definition.States as unknown as Record<string, State>);
  let parentEvents = 0;
  let allEvents = 0;
  const counting = (async () => {
    for await (const event of execution.eventLogs) {
      allEvents += 1;
      const stateName = "state" in event ? event.state.name : undefined;
      const mapName = "parentState" in event ? event.parentState.name : undefined;
      const inChild = (stateName !== undefined && children.has(stateName)) || (mapName !== undefined && (maps.has(mapName) || children.has(mapName)));
      if (!inChild) parentEvents += 1;
    }
  })();
  try {
    const output = await execution.result;
    await counting.catch(() => undefined);
    return { status: "SUCCEEDED", output, parentEvents, allEvents };
  } catch (error) {
    await counting.catch(() => undefined);
    const failure = error as Error & { cause?: { name?: string } };
    return { status: "FAILED", error: failure.cause?.name ?? failure.name, parentEvents, allEvents };
  }
};
