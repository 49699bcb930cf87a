import * as http from "node:http";
import type { HttpRequest } from "../../functions/kernel/function-shape";
import { jsonResponse, startIngressServer, type IngressServer } from "../../local/server";

/** A raw node:http client, so we see exactly what the server answers (also for early 413s). */
const request = (
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; chunks?: Buffer[] } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> =>
  new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "POST", headers: options.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }));
    });
    // The server may answer (413) and close while we are still sending: that is expected.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    if (options.chunks) {
      const write = (index: number) => {
        if (index >= options.chunks!.length || req.destroyed) {
          req.end();
          return;
        }
        req.write(options.chunks![index], () => setImmediate(() => write(index + 1)));
      };
      write(0);
    } else {
      req.end(options.body);
    }
  });

describe("ingress server", () => {
  let server: IngressServer;
  const seen: HttpRequest[] = [];
  let release: (() => void) | undefined;

  beforeAll(async () => {
    server = await startIngressServer({
      maxBodyBytes: 1024,
      routes: [
        {
          method: "POST",
          path: "/echo",
          handle: async (req) => {
            seen.push(req);
            return jsonResponse(200, { status: "accepted", bytes: req.rawBody.length });
          },
        },
        { method: "GET", path: "/health", handle: async () => jsonResponse(200, { status: "ok" }) },
        {
          method: "POST",
          path: "/broken",
          handle: async () => {
            throw new Error("secret payload detail");
          },
        },
      ],
    });
  });
  afterAll(() => server.close());
  beforeEach(() => (seen.length = 0));

  it("passes the raw body bytes and lower-cased headers to the handler", async () => {
    const body = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const res = await request(`${server.url}/echo?x=1`, { headers: { "X-Shopify-Topic": "orders/create", "Content-Type": "application/json" }, body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: "accepted", bytes: 4 });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.rawBody.equals(body)).toBe(true);
    expect(seen[0]!.headers["x-shopify-topic"]).toBe("orders/create");
    expect(seen[0]!.path).toBe("/echo");
    expect(seen[0]!.method).toBe("POST");
    expect(seen[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(seen[0]!.receivedAt)).not.toBeNaN();
  });

  it("answers 404 for unknown paths and 405 (with Allow) for wrong methods", async () => {
    const missing = await request(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    const wrong = await request(`${server.url}/echo`, { method: "GET" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe("POST");
    expect((await request(`${server.url}/health`, { method: "GET" })).status).toBe(200);
    expect(seen).toHaveLength(0);
  });

  it("rejects a body over the limit by its declared length without calling the handler", async () => {
    const res = await request(`${server.url}/echo`, { body: Buffer.alloc(1025, 0x61) });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error).toContain("nothing was stored");
    expect(seen).toHaveLength(0);
  });

  it("rejects a chunked upload while it streams, once it passes the limit", async () => {
    const res = await request(`${server.url}/echo`, { headers: { "transfer-encoding": "chunked" }, chunks: Array.from({ length: 8 }, () => Buffer.alloc(400, 0x62)) });
    expect(res.status).toBe(413);
    expect(seen).toHaveLength(0);
  });

  it("accepts a body of exactly the limit", async () => {
    const res = await request(`${server.url}/echo`, { body: Buffer.alloc(1024, 0x63) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).bytes).toBe(1024);
  });

  it("answers 500 without the error's details when a handler throws", async () => {
    const res = await request(`${server.url}/broken`);
    expect(res.status).toBe(500);
    expect(res.body).not.toContain("secret payload");
  });

  it("close() waits for a request in flight to be answered", async () => {
    const other = await startIngressServer({
      routes: [{ method: "POST", path: "/slow", handle: () => new Promise((resolve) => (release = () => resolve(jsonResponse(200, { status: "accepted" })))) }],
    });
    const pending = request(`${other.url}/slow`, { body: "{}" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    let closed = false;
    const closing = other.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    release!();
    expect((await pending).status).toBe(200);
    await closing;
    expect(closed).toBe(true);
  });
});
