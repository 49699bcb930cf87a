/**
 * The ingress HTTP server of the embedded platform (node:http): it plays API Gateway's part.
 * It reads the raw body with a size cap (rejecting while streaming, never buffering more than
 * the cap), builds the `HttpRequest` of functions/kernel/function-shape.ts and hands it to the
 * route's handler. Routing, 404/405 and 413 are decided here; everything else by the handlers.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpRequest, HttpResponse } from "../functions/kernel/function-shape";

export const MAX_BODY_BYTES = 1024 * 1024;

/** After a 413 we keep discarding (not storing) up to this much so the client can read the answer. */
const DISCARD_LIMIT_BYTES = 8 * MAX_BODY_BYTES;

export interface IngressRoute {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly handle: (request: HttpRequest) => Promise<HttpResponse>;
}

export interface IngressLog {
  (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>): void;
}

export interface IngressServerOptions {
  readonly routes: ReadonlyArray<IngressRoute>;
  readonly port?: number;
  readonly maxBodyBytes?: number;
  readonly log?: IngressLog;
  /** Called with every answer (for the platform's counters). */
  readonly onResponse?: (route: string, response: HttpResponse) => void;
}

export interface IngressServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits for the requests in flight to be answered. */
  readonly close: () => Promise<void>;
}

export const jsonResponse = (statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  statusCode,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

const lowerCaseHeaders = (raw: http.IncomingHttpHeaders): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
};

type BodyResult = { readonly kind: "ok"; readonly body: Buffer } | { readonly kind: "too-large" } | { readonly kind: "aborted" };

/** Reads the body up to `limit` bytes; beyond it, stops keeping bytes and reports `too-large` at once. */
const readBody = (request: http.IncomingMessage, limit: number): Promise<BodyResult> =>
  new Promise((resolve) => {
    const declared = Number(request.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      resolve({ kind: "too-large" });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (settled) return;
      if (size > limit) {
        chunks.length = 0;
        settle({ kind: "too-large" });
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => settle({ kind: "ok", body: Buffer.concat(chunks, size) }));
    request.on("aborted", () => settle({ kind: "aborted" }));
    request.on("error", () => settle({ kind: "aborted" }));
  });

const send = (response: http.ServerResponse, answer: HttpResponse) => {
  if (response.headersSent || response.destroyed) return;
  const body = Buffer.from(answer.body, "utf8");
  response.writeHead(answer.statusCode, { ...answer.headers, "content-length": String(body.length) });
  response.end(body);
};

/** Answers 413 and discards the rest of the upload, cutting the connection if it goes on and on. */
const rejectTooLarge = (request: http.IncomingMessage, response: http.ServerResponse, limit: number) => {
  let discarded = 0;
  request.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) request.socket.destroy();
  });
  request.resume();
  send(response, jsonResponse(413, { error: `request body over ${limit} bytes (1 MiB); nothing was stored` }, { connection: "close" }));
};

export const startIngressServer = async (options: IngressServerOptions): Promise<IngressServer> => {
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const log: IngressLog = options.log ?? (() => undefined);
  const inFlight = new Set<Promise<void>>();

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    // A stream error (client reset, socket error) on either side is answered by nobody, and
    // must never become an unhandled 'error' event that ends the process.
    request.on("error", (error) => log("warn", "request stream error", { error: error?.message }));
    response.on("error", (error) => log("warn", "response stream error", { error: error?.message }));
    let url: URL;
    try {
      url = new URL(request.url ?? "/", "http://ingress.local");
    } catch {
      request.resume();
      options.onResponse?.("unknown", jsonResponse(400, {}));
      return send(response, jsonResponse(400, { error: "malformed request target: send a path such as /webhooks/shopify" }));
    }
    const method = (request.method ?? "GET").toUpperCase();
    const candidates = options.routes.filter((route) => route.path === url.pathname);
    const answer = (routeKey: string, result: HttpResponse) => {
      options.onResponse?.(routeKey, result);
      send(response, result);
    };
    if (candidates.length === 0) {
      request.resume();
      return answer("unknown", jsonResponse(404, { error: `no route for ${url.pathname}` }));
    }
    const route = candidates.find((candidate) => candidate.method === method);
    if (!route) {
      request.resume();
      const allowed = candidates.map((candidate) => candidate.method).join(", ");
      return answer(url.pathname, jsonResponse(405, { error: `${method} is not allowed on ${url.pathname}; use ${allowed}` }, { allow: allowed }));
    }
    const routeKey = `${route.method} ${route.path}`;
    const body = await readBody(request, limit);
    if (body.kind === "aborted") return;
    if (body.kind === "too-large") {
      options.onResponse?.(routeKey, jsonResponse(413, {}));
      return rejectTooLarge(request, response, limit);
    }
    const httpRequest: HttpRequest = {
      method,
      path: url.pathname,
      headers: lowerCaseHeaders(request.headers),
      rawBody: body.body,
      requestId: randomUUID(),
      receivedAt: new Date().toISOString(),
    };
    try {
      answer(routeKey, await route.handle(httpRequest));
    } catch (error) {
      // Handlers answer typed failures themselves; reaching here is a bug. Say so without the body.
      log("error", "ingress handler failed", { route: routeKey, requestId: httpRequest.requestId, error: (error as Error)?.message });
      answer(routeKey, jsonResponse(500, { error: "internal error", requestId: httpRequest.requestId }));
    }
  };

  const server = http.createServer((request, response) => {
    const work = handle(request, response).catch((error) => {
      log("error", "ingress request failed", { error: (error as Error)?.message });
      send(response, jsonResponse(500, { error: "internal error" }));
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  });
  // A client that disconnects mid-request must never take the platform down.
  // Malformed request lines and headers (control characters, bad encodings, oversized headers)
  // are refused by node's parser; answer them and close, never throw.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    const answer = error?.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
    if (socket.writable) socket.end(`HTTP/1.1 ${answer}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    server.closeIdleConnections();
    // Keep-alive sockets that finished their last request but are not yet idle-marked.
    setTimeout(() => server.closeAllConnections(), 1_000).unref();
    await closed;
  };

  return { url: `http://127.0.0.1:${port}`, port, close };
};
