/**
 * The Lambda runtime of a function: built once per container from its layer (the first
 * invocation builds it, every later one reuses it) and disposed on shutdown (SIGTERM), which
 * closes the layer's scope and so releases what it acquired (the live layers' SDK clients).
 */
import { Context, Effect, Layer } from "effect";
import { disposeRuntimes, httpHandler, onShutdownSignal, sqsHandler, taskHandler, type SqsEvent } from "../../functions/kernel/adapters";
import { scopedClient } from "../../functions/kernel/live/sdk";
import { DeadLetters } from "../../functions/kernel/services";

class Counter extends Context.Tag("test/Counter")<Counter, { readonly next: () => number }>() {}

/** A layer that counts how often it is built and released (as a live layer acquires and destroys its client). */
const countedLayer = () => {
  const counts = { built: 0, released: 0 };
  let calls = 0;
  const layer = Layer.merge(
    Layer.scoped(
      Counter,
      Effect.acquireRelease(
        Effect.sync(() => {
          counts.built += 1;
          return { next: () => (calls += 1) };
        }),
        () => Effect.sync(() => void (counts.released += 1)),
      ),
    ),
    Layer.succeed(DeadLetters, { send: () => Effect.void }),
  );
  return { layer, counts };
};

const sqsEvent: SqsEvent = { Records: [{ messageId: "m1", body: JSON.stringify({ id: "e1", source: "s", "detail-type": "t", detail: {} }) }] };

afterEach(() => disposeRuntimes());

test("each handler builds its layer once across invocations; disposal releases it once", async () => {
  const { layer, counts } = countedLayer();
  const http = httpHandler(() => Effect.map(Counter, (counter) => ({ statusCode: 200, body: String(counter.next()) })), layer);
  const responses = [];
  for (let index = 0; index < 3; index += 1) responses.push(await http({ body: "{}" }));
  expect(responses.map((response) => response.body)).toEqual(["1", "2", "3"]);
  expect(counts).toEqual({ built: 1, released: 0 });

  const other = countedLayer();
  const sqs = sqsHandler(() => Effect.asVoid(Effect.map(Counter, (counter) => counter.next())), other.layer);
  const task = taskHandler((input: { n: number }) => Effect.map(Counter, (counter) => input.n + counter.next()), other.layer);
  await sqs(sqsEvent);
  await sqs(sqsEvent);
  expect(await task({ n: 10 })).toBe(13);
  // Two handlers, two runtimes (one per handler, as one per Lambda function): the same layer is built for each.
  expect(other.counts).toEqual({ built: 2, released: 0 });

  await disposeRuntimes();
  expect(counts).toEqual({ built: 1, released: 1 });
  expect(other.counts).toEqual({ built: 2, released: 2 });
});

test("SIGTERM disposes the runtimes, then exits the process as Lambda expects", async () => {
  const { layer, counts } = countedLayer();
  const handler = taskHandler(() => Effect.map(Counter, (counter) => counter.next()), layer);
  expect(await handler({})).toBe(1);
  expect(process.listeners("SIGTERM")).toContain(onShutdownSignal);
  const exit = jest.spyOn(process, "exit").mockImplementation((() => undefined) as never);
  try {
    await onShutdownSignal();
    expect(counts).toEqual({ built: 1, released: 1 });
    expect(exit).toHaveBeenCalledWith(0);
  } finally {
    exit.mockRestore();
    process.removeListener("SIGTERM", onShutdownSignal);
  }
});

describe("scopedClient (the live layers' SDK clients)", () => {
  test("a client is made on first use only, and destroyed when the layer's scope closes", async () => {
    const made: Array<{ destroyed: number }> = [];
    const make = () => {
      const client = { destroyed: 0, destroy: () => void (client.destroyed += 1) };
      made.push(client);
      return client;
    };
    await Effect.runPromise(Effect.scoped(Effect.asVoid(scopedClient(make))));
    expect(made).toHaveLength(0);
    await Effect.runPromise(
      Effect.scoped(
        Effect.map(scopedClient(make), (client) => {
          client();
          client();
        }),
      ),
    );
    expect(made.map((client) => client.destroyed)).toEqual([1]);
  });
});
