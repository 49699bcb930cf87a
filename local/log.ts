/**
 * The embedded platform's own log lines (starting, routing, dead letters, stopping): JSON lines
 * on stderr or a file, never stdout (stdout carries only the ready line). Fields are ids, counts
 * and tags, never payloads, so no PII reaches a line.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export type PlatformLog = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const createPlatformLog =
  (stream: NodeJS.WritableStream, minimum: LogLevel = "info"): PlatformLog =>
  (level, message, fields) => {
    if (rank[level] < rank[minimum]) return;
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, component: "sdp-local", message, ...fields })}\n`);
  };

export const silentLog: PlatformLog = () => undefined;

export const parseLogLevel = (value: string | undefined): LogLevel | undefined =>
  value === "debug" || value === "info" || value === "warn" || value === "error" ? value : undefined;
