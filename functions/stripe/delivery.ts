/**
 * A verified delivery as the payment processors see it, and Schema decoding that never quotes
 * payload values in its errors. Shared by Stripe and Recharge.
 */
import { Effect, Either, ParseResult, Schema } from "effect";
import { InvalidPayload } from "../kernel/errors";
import type { BusEnvelope } from "../kernel/function-shape";
import { decodeIncomingEvent, type IncomingEvent } from "../kernel/incoming-event";

/** What the payment processors use of a normalised incoming event (functions/kernel/incoming-event.ts). */
export type PaymentDelivery = Pick<IncomingEvent, "source" | "topic" | "eventId" | "receivedAt" | "payload">;

/**
 * Reads a platform bus envelope with the kernel's decoder (inline payload, or the raw object read
 * back from the lake, large integers kept as strings) and checks it came from `source`'s door.
 */
export const readPaymentDelivery = (envelope: BusEnvelope, source: "recharge" | "stripe") =>
  Effect.flatMap(decodeIncomingEvent(envelope), (event) =>
    event.door === "platform" && event.source === source
      ? Effect.succeed<PaymentDelivery>(event)
      : Effect.fail(new InvalidPayload({ reason: `expected a ${source} event from the platform bus, got ${event.source} via the ${event.door} bus`, field: "source" })),
  );

const decoders = new WeakMap<object, (input: unknown) => Either.Either<unknown, ParseResult.ParseError>>();

/** Decodes `input` with `schema`; the error names the failing field only, never its value (PII). */
export const decodeOrInvalid = <A, I>(schema: Schema.Schema<A, I, never>, input: unknown, what: string): Effect.Effect<A, InvalidPayload> => {
  // Synchronous, cached decoders: this runs for every event on the hot path.
  let decode = decoders.get(schema);
  if (!decode) {
    decode = Schema.decodeUnknownEither(schema, { errors: "first" }) as (input: unknown) => Either.Either<unknown, ParseResult.ParseError>;
    decoders.set(schema, decode);
  }
  const result = decode(input) as Either.Either<A, ParseResult.ParseError>;
  if (Either.isRight(result)) return Effect.succeed(result.right);
  // The formatter's messages quote the offending values; keep only the path.
  const path = ParseResult.ArrayFormatter.formatErrorSync(result.left)[0]?.path.map(String).join(".") ?? "";
  return Effect.fail(new InvalidPayload({ reason: `${what} is invalid at ${path || "(root)"}`, ...(path ? { field: path } : {}) }));
};
