/**
 * Finds and runs the platform's functions in-process. Every entry file named in
 * contracts/functions.ts exports `program` (functions/kernel/function-shape.ts), and a Shopify
 * family processor's program is built from its handler module (`loadFamily`); the embedded
 * platform calls it directly with its own runtime instead of going through the Lambda adapter.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Cause, Exit, Option, type Effect } from "effect";
import { functionSpecs, type FunctionSpec, type HandlerModule } from "../contracts/functions";
import { outcomeOf } from "../functions/kernel/adapters";
import type { BusEnvelope, HttpRequest, HttpResponse } from "../functions/kernel/function-shape";
import type { ConsumerResult } from "./queues";

export const repositoryRoot = path.resolve(__dirname, "..");

// Programs need kernel services; the runtime that runs them provides every one of them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHttpProgram = (request: HttpRequest) => Effect.Effect<HttpResponse, never, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEventProgram = (event: BusEnvelope) => Effect.Effect<void, unknown, any>;

export type Loaded<P> = { readonly ok: true; readonly spec: FunctionSpec; readonly program: P } | { readonly ok: false; readonly spec: FunctionSpec; readonly reason: string };

/**
 * A spec names an entry file that is not there, or that lacks the exports the platform runs
 * (`program` here, the spec's `handler` in Lambda): `sdp local` does not start, as synth fails.
 */
export class FunctionEntryInvalid extends Error {
  readonly _tag = "FunctionEntryInvalid";
  constructor(
    readonly spec: FunctionSpec,
    reason: string,
  ) {
    super(`function ${spec.name} (contracts/functions.ts): ${reason}`);
  }
}

/**
 * A Shopify family processor has no entry file of its own (contracts/functions.ts FunctionSpec
 * `entry`): its program is the frame's `familyProcessor` over the handler module's export, as the
 * generated Lambda entry builds it (modules/bundle.ts `familyEntrySource`).
 */
const loadFamily = <P>(spec: FunctionSpec, handlerModule: HandlerModule, root: string): Loaded<P> => {
  const frameFile = path.join(root, spec.entry);
  const moduleFile = path.join(root, handlerModule.path);
  if (!fs.existsSync(frameFile)) throw new FunctionEntryInvalid(spec, `its entry file ${spec.entry} does not exist; write it or fix the spec's \`entry\``);
  if (!fs.existsSync(moduleFile))
    throw new FunctionEntryInvalid(spec, `its handler module ${handlerModule.path} does not exist; write it or fix the \`handlerModule\` of its family`);
  let frame: Record<string, unknown>;
  let module: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    frame = require(frameFile) as Record<string, unknown>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require(moduleFile) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, spec, reason: `${handlerModule.path} failed to load: ${(error as Error)?.message ?? String(error)}` };
  }
  if (typeof frame.familyProcessor !== "function") throw new FunctionEntryInvalid(spec, `${spec.entry} does not export a \`familyProcessor\` function`);
  const handlers = module[handlerModule.topicHandlers];
  if (typeof handlers !== "object" || handlers === null)
    throw new FunctionEntryInvalid(spec, `${handlerModule.path} does not export \`${handlerModule.topicHandlers}\` (its topic handlers)`);
  const built = (frame.familyProcessor as (name: string, topicHandlers: unknown) => { program: P })(spec.name, handlers);
  return { ok: true, spec, program: built.program };
};

const load = <P>(spec: FunctionSpec, root: string): Loaded<P> => {
  if (spec.handlerModule) return loadFamily<P>(spec, spec.handlerModule, root);
  const file = path.join(root, spec.entry);
  if (!fs.existsSync(file)) throw new FunctionEntryInvalid(spec, `its entry file ${spec.entry} does not exist; write it or fix the spec's \`entry\``);
  let module: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require(file) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, spec, reason: `${spec.entry} failed to load: ${(error as Error)?.message ?? String(error)}` };
  }
  const missing = ["program", spec.handler].filter((name) => typeof module[name] !== "function");
  if (missing.length > 0) {
    throw new FunctionEntryInvalid(
      spec,
      `${spec.entry} does not export ${missing.map((name) => `a \`${name}\` function`).join(" or ")} (the platform runs \`program\`, Lambda the spec's \`handler\`)`,
    );
  }
  return { ok: true, spec, program: module.program as P };
};

/** The route keys of the webhook doors: the `route` of every spec with `trigger: "http"`, in contract order. */
export const webhookRouteKeys = (specs: ReadonlyArray<FunctionSpec> = functionSpecs): string[] =>
  specs
    .filter((spec) => spec.trigger === "http")
    .map((spec) => {
      // The doors take POSTs (the HTTP API's route keys, "POST /webhooks/<source>").
      if (spec.route === undefined || !/^POST \/\S+$/.test(spec.route))
        throw new Error(`function ${spec.name} (contracts/functions.ts) has trigger "http" but no \`route\` of the form "POST /path"`);
      return spec.route;
    });

/** The HTTP function serving a route key such as "POST /webhooks/shopify". */
export const loadHttpFunction = (routeKey: string, root = repositoryRoot): Loaded<AnyHttpProgram> | undefined => {
  const spec = functionSpecs.find((candidate) => candidate.trigger === "http" && candidate.route === routeKey);
  return spec ? load<AnyHttpProgram>(spec, root) : undefined;
};

export const loadEventFunction = (name: string, root = repositoryRoot): Loaded<AnyEventProgram> | undefined => {
  const spec = functionSpecs.find((candidate) => candidate.name === name);
  return spec ? load<AnyEventProgram>(spec, root) : undefined;
};

/**
 * How a queue settles a processor's exit: the SQS adapter's rule (functions/kernel/adapters.ts
 * `outcomeOf`: success and StaleUpdate delete, InvalidPayload dead-letters, the rest retry), plus
 * Throttled's `retryAfterMs` as the least delay before the next receive.
 */
export const consumerResultOf = (exit: Exit.Exit<unknown, unknown>): ConsumerResult => {
  const outcome = outcomeOf(exit);
  if (outcome.kind === "ok") return { kind: "ok" };
  if (outcome.kind === "dead-letter") return { kind: "invalid", reason: outcome.reason };
  const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none();
  const retryAfterMs = Option.isSome(failure) ? (failure.value as { _tag?: string; retryAfterMs?: unknown }).retryAfterMs : undefined;
  return typeof retryAfterMs === "number" ? { kind: "retry", reason: outcome.reason, retryAfterMs } : { kind: "retry", reason: outcome.reason };
};
