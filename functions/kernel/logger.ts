/**
 * JSON-lines logging: one object per line with level, time, message, correlation id and function
 * name, every line redacted (functions/kernel/redact.ts). Programs log with Effect's own
 * `Effect.log*` and attach context with `Effect.annotateLogs`; this module replaces Effect's
 * default logger so those calls come out as CloudWatch-friendly JSON.
 */
import { Cause, FiberRef, HashMap, Layer, List, Logger, LogLevel, Effect } from "effect";
import { envVars } from "../../contracts/env-vars";
import { FUNCTION_NAME_VAR, optionalConfigNow } from "./config";
import { redact } from "./redact";

export type LogSink = (line: string) => void;

/**
 * In Lambda, log lines go to stdout (CloudWatch Logs). Anywhere else (sdp local, the CLI) they go
 * to stderr, so a command's stdout carries only its own output (e.g. the ready line). Lambda sets
 * AWS_LAMBDA_FUNCTION_NAME before the module loads, so it is read once.
 */
const inLambda = Boolean(optionalConfigNow(FUNCTION_NAME_VAR));
export const defaultSink: LogSink = (line) => {
  if (inLambda) process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
};
const stdoutSink = defaultSink;

const levelName = (level: LogLevel.LogLevel) => level.label.toLowerCase();

const messageText = (message: unknown): { text: string; extra: ReadonlyArray<unknown> } => {
  const parts = Array.isArray(message) ? message : [message];
  const [first, ...rest] = parts;
  return { text: typeof first === "string" ? first : JSON.stringify(redact(first)), extra: rest };
};

/** An Effect logger writing redacted JSON lines to `sink`. */
export const jsonLogger = (sink: LogSink = stdoutSink) =>
  Logger.make(({ logLevel, message, annotations, cause, date, spans }) => {
    const { text, extra } = messageText(message);
    const entry: Record<string, unknown> = { level: levelName(logLevel), time: date.toISOString(), message: text };
    for (const [key, value] of HashMap.toEntries(annotations)) entry[key] = value;
    if (extra.length > 0) entry.details = extra.length === 1 ? extra[0] : extra;
    if (!Cause.isEmpty(cause)) entry.cause = Cause.pretty(cause).split("\n").slice(0, 8).join("\n");
    const spanList = List.toArray(spans);
    if (spanList.length > 0) entry.spans = Object.fromEntries(spanList.map((span) => [span.label, date.getTime() - span.startTime]));
    sink(JSON.stringify(redact(entry)));
  });

const parseLevel = (value: string | undefined): LogLevel.LogLevel => {
  switch ((value ?? "").toLowerCase()) {
    case "debug":
      return LogLevel.Debug;
    case "warn":
    case "warning":
      return LogLevel.Warning;
    case "error":
      return LogLevel.Error;
    case "none":
    case "off":
      return LogLevel.None;
    default:
      return LogLevel.Info;
  }
};

/** Replaces Effect's default logger with the JSON one; minimum level from SDP_LOG_LEVEL (default info). */
export const loggerLayer = (sink: LogSink = stdoutSink, level: LogLevel.LogLevel = parseLevel(optionalConfigNow(envVars.logLevel))): Layer.Layer<never> =>
  Layer.merge(Logger.replace(Logger.defaultLogger, jsonLogger(sink)), Logger.minimumLogLevel(level));

/** Runs `effect` with the correlation id and function name on every log line it writes. */
export const withLogContext =
  (context: { readonly correlationId: string; readonly functionName?: string } & Record<string, string | undefined>) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
    const annotations = Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined)) as Record<string, string>;
    if (annotations.functionName !== undefined) {
      annotations.function = annotations.functionName;
      delete annotations.functionName;
    }
    return Effect.annotateLogs(effect, annotations);
  };

/** Reads the current correlation id (set by the adapters), if any. */
export const currentCorrelationId: Effect.Effect<string | undefined> = Effect.map(FiberRef.get(FiberRef.currentLogAnnotations), (annotations) => {
  const value = HashMap.get(annotations, "correlationId");
  return value._tag === "Some" && typeof value.value === "string" ? value.value : undefined;
});
