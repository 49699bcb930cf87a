/**
 * The ingress server under requests no client library would send: malformed request targets,
 * control characters and CR/LF in headers, oversized headers, bodies cut off mid-stream, sockets
 * reset while the handler runs. Each gets a 4xx or nothing, never a 5xx, and the server keeps
 * serving (the process would die on an unhandled stream 'error').
 */
import * as net from "node:net";
import { jsonResponse, startIngressServer, type IngressServer } from "../../local/server";

const raw = (port: number, bytes: string | Buffer, options: { endAfterWrite?: boolean; resetAfterMs?: number } = {}): Promise<number | undefined> =>
  new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const match = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString("latin1"));
      resolve(match ? Number(match[1]) : undefined);
    };
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", finish);
    socket.on("close", finish);
    socket.on("connect", () => {
      socket.write(bytes);
      if (options.endAfterWrite) socket.end();
      if (options.resetAfterMs !== undefined) setTimeout(() => socket.resetAndDestroy(), options.resetAfterMs);
    });
    setTimeout(() => {
      socket.destroy();
      finish();
    }, 5_000);
  });

describe("ingress server: hostile requests", () => {
  let server: IngressServer;
  let port: number;
  let slowCalls = 0;

  beforeAll(async () => {
    server = await startIngressServer({
      routes: [
        { method: "POST", path: "/echo", handle: async (request) => jsonResponse(200, { bytes: request.rawBody.length }) },
        {
          method: "POST",
          path: "/slow",
          handle: async () => {
            slowCalls += 1;
            await new Promise((resolve) => setTimeout(resolve, 200));
            return jsonResponse(200, { status: "accepted" });
          },
        },
        { method: "GET", path: "/health", handle: async () => jsonResponse(200, { status: "ok" }) },
      ],
    });
    port = server.port;
  });
  afterAll(() => server.close());

  const healthy = async () => expect(await raw(port, "GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")).toBe(200);

  test("a request target URL cannot parse is a 400, not a 500", async () => {
    for (const target of ["http://[::1", "http://a:99999/", "http://%zz/"]) {
      expect(await raw(port, `POST ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)).toBe(400);
    }
    await healthy();
  });

  test("control characters, bare CR/LF and oversized headers are refused by the parser with 400 / 431", async () => {
    expect(await raw(port, "POST /echo HTTP/1.1\r\nhost: x\r\nx-id: a\u0000b\r\ncontent-length: 0\r\n\r\n")).toBe(400);
    expect(await raw(port, "POST /echo HTTP/1.1\r\nhost: x\r\nx-id: a\rb\r\ncontent-length: 0\r\n\r\n")).toBe(400);
    expect(await raw(port, `POST /echo HTTP/1.1\r\nhost: x\r\nx-id: ${"a".repeat(20_000)}\r\ncontent-length: 0\r\n\r\n`)).toBe(431);
    expect(await raw(port, "POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 12\r\ncontent-length: 3\r\n\r\nabc")).toBe(400);
    expect(await raw(port, "GARBAGE\r\n\r\n")).toBe(400);
    // Latin-1 bytes in a header value are legal HTTP: they reach the handler.
    expect(
      await raw(
        port,
        Buffer.concat([Buffer.from("POST /echo HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-id: "), Buffer.from([0xe9, 0xff]), Buffer.from("\r\ncontent-length: 0\r\n\r\n")]),
      ),
    ).toBe(200);
    await healthy();
  });

  test("a body cut off mid-stream, or a socket reset while the handler runs, answers nothing and harms nothing", async () => {
    // Half-closed early: node's parser reports the early end (a 400 on the half-open socket) or nothing.
    expect([undefined, 400]).toContain(await raw(port, "POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nonly-part", { endAfterWrite: true }));
    expect(await raw(port, "POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nonly-part", { resetAfterMs: 20 })).toBeUndefined();
    const before = slowCalls;
    expect(await raw(port, "POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}", { resetAfterMs: 50 })).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slowCalls).toBe(before + 1);
    await healthy();
  });
});
