/**
 * What every live layer shares: the AWS SDK modules, loaded on first use, and SDK clients held for
 * the lifetime of a layer (acquired when the layer is built, destroyed when its scope closes: a
 * Lambda runtime's disposal, the end of an `sdp local` run, the end of a test's `Effect.provide`).
 */
import { Effect, type Scope } from "effect";

/** Small memo: a module or client made once, on first use. */
export const lazy = <A>(make: () => A): (() => A) => {
  let value: A | undefined;
  return () => (value ??= make());
};

/*
 * SDK modules are required on first use, not at import: a function loads only the clients it
 * calls, which keeps cold starts short (an ingress never loads SNS, a processor never loads SQS
 * unless a record is invalid).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
export const sdk = {
  s3: lazy(() => require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3")),
  dynamodb: lazy(() => require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb")),
  documents: lazy(() => require("@aws-sdk/lib-dynamodb") as typeof import("@aws-sdk/lib-dynamodb")),
  util: lazy(() => require("@aws-sdk/util-dynamodb") as typeof import("@aws-sdk/util-dynamodb")),
  secrets: lazy(() => require("@aws-sdk/client-secrets-manager") as typeof import("@aws-sdk/client-secrets-manager")),
  eventBridge: lazy(() => require("@aws-sdk/client-eventbridge") as typeof import("@aws-sdk/client-eventbridge")),
  sns: lazy(() => require("@aws-sdk/client-sns") as typeof import("@aws-sdk/client-sns")),
  sqs: lazy(() => require("@aws-sdk/client-sqs") as typeof import("@aws-sdk/client-sqs")),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * An SDK client scoped to the layer that acquires it: made on first call of the returned getter
 * (so building a layer loads no SDK module it never uses) and destroyed (its sockets closed) when
 * the scope closes. `destroy` defaults to the client's own.
 */
export const scopedClient = <C>(make: () => C, destroy: (client: C) => void = (client) => (client as { destroy(): void }).destroy()): Effect.Effect<() => C, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => {
        let client: C | undefined;
        return { get: () => (client ??= make()), made: () => client };
      }),
      (holder) =>
        Effect.sync(() => {
          const client = holder.made();
          if (client !== undefined) destroy(client);
        }),
    ),
    (holder) => holder.get,
  );
