/**
 * `sdp local` as a user runs it: a real child process, the ready line on stdout, SIGTERM.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Writable } from "node:stream";
import { runCli } from "../../cli/main";
import { LOCAL_DEFAULT_WEBHOOK_SECRET } from "../../contracts/env-vars";
import { repositoryRoot } from "../../local/functions";
import { startLocalPlatform, type ReadyInfo } from "../../local/platform";
import { orderPayload, postEvent, postShopifyWebhook } from "./support";
import { awsClients, partnerEnvelopeText, tempDataDir } from "../support";

jest.setTimeout(90_000);

const tsxCli = path.join(repositoryRoot, "node_modules", "tsx", "dist", "cli.mjs");
const mainTs = path.join(repositoryRoot, "cli", "main.ts");

/** Runs the CLI in-process (fast) with captured output. */
const runSdp = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void) => new Writable({ write: (chunk, _encoding, done) => (append(String(chunk)), done()) });
  const status = await runCli(args, {
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    env: { ...process.env, ...env },
    cwd: repositoryRoot,
  });
  return { status, stdout, stderr };
};

interface RunningSdp {
  readonly child: ChildProcessWithoutNullStreams;
  readonly ready: ReadyInfo;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcessWithoutNullStreams>();
afterEach(() => {
  // A failed assertion must not leave a platform running (it would keep jest alive).
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
});

/** Starts `sdp local` and resolves with its ready line. */
const startSdpLocal = (dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningSdp> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, mainTs, "local", "--port", "0", "--data-dir", dataDir], {
      cwd: repositoryRoot,
      env: { ...process.env, ...env },
    });
    children.add(child);
    let stdout = "";
    let stderr = "";
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on("exit", (code, signal) => done({ code, signal })));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`sdp local did not become ready; stderr:\n${stderr}`));
    }, 60_000);
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.stdout.on("data", (chunk: Buffer) => {
      const before = stdout;
      stdout += chunk.toString("utf8");
      if (!before.includes("\n") && stdout.includes("\n")) {
        clearTimeout(timer);
        try {
          resolve({ child, ready: JSON.parse(stdout.slice(0, stdout.indexOf("\n"))) as ReadyInfo, stdout: () => stdout, stderr: () => stderr, exit });
        } catch (error) {
          child.kill("SIGKILL");
          reject(new Error(`the first stdout line is not JSON: ${stdout}`));
        }
      }
    });
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`sdp local exited (${code}) before it was ready; stderr:\n${stderr}`));
    });
  });

describe("sdp local (CLI)", () => {
  it("prints help with an example, and exits 2 on bad usage with a message saying what to fix", async () => {
    const help = await runSdp(["local", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: sdp local");
    expect(help.stdout).toContain("Example:");
    expect(help.stdout).toContain(LOCAL_DEFAULT_WEBHOOK_SECRET);

    const badPort = await runSdp(["local", "--port", "http"]);
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toContain("--port must be a number");
    expect((await runSdp(["local", "--port", "70000"])).status).toBe(2);
    expect((await runSdp(["local", "--log-level", "loud"])).stderr).toContain("--log-level must be");

    const unknown = await runSdp(["local", "--bogus"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("--bogus");
  });

  it("exits 1 saying what to change when the port is taken, leaving nothing running", async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const dataDir = tempDataDir("cli-port");
    try {
      const { port } = blocker.address() as AddressInfo;
      const result = await runSdp(["local", "--port", String(port), "--data-dir", dataDir], { SDP_LAST_RUN_FILE: path.join(dataDir, "last-run.json") });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("--port");
      expect(fs.existsSync(path.join(dataDir, "platform.lock"))).toBe(false);
    } finally {
      blocker.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("as a child process: one JSON ready line, the run recorded, the data dir locked, and on SIGTERM every accepted event finished before exit", async () => {
    const dataDir = tempDataDir("cli");
    const lastRun = path.join(dataDir, "last-run.json");
    try {
      const running = await startSdpLocal(dataDir, { SDP_LAST_RUN_FILE: lastRun });
      expect(running.ready).toMatchObject({ ready: true, dataDir: path.resolve(dataDir), pid: expect.any(Number) });
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, "platform.json"), "utf8"))).toEqual(running.ready);
      expect(JSON.parse(fs.readFileSync(lastRun, "utf8"))).toMatchObject({ dataDir: path.resolve(dataDir), kind: "local" });
      expect((await fetch(`${running.ready.ingress}/health`)).status).toBe(200);

      // A second platform on the same data dir is refused with the holder's pid.
      const second = await runSdp(["local", "--port", "0", "--data-dir", dataDir], { SDP_LAST_RUN_FILE: lastRun });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`in use by another sdp local (pid ${running.ready.pid})`);

      const ids = Array.from({ length: 8 }, (_, index) => `70000000000000000${10 + index}`);
      const answers = await Promise.all(
        ids.map((id, index) =>
          index % 2 === 0
            ? postShopifyWebhook(running.ready.ingress, {
                topic: "orders/create",
                webhookId: `drain-${id}`,
                body: orderPayload({ id, updatedAt: "2026-01-31T10:00:00Z" }),
                secret: LOCAL_DEFAULT_WEBHOOK_SECRET,
              })
            : postEvent(
                running.ready.ingress,
                partnerEnvelopeText({ id: `eb-${id}`, topic: "orders/create", webhookId: `drain-${id}`, payloadText: orderPayload({ id, updatedAt: "2026-01-31T10:00:00Z" }) }),
              ),
        ),
      );
      expect(answers.map((answer) => answer.body.status)).toEqual(ids.map(() => "accepted"));

      // SIGTERM to the platform's own process (the pid of the ready line). The tsx wrapper in
      // between would SIGKILL a child that does not acknowledge a relayed signal within 30 ms.
      process.kill(running.ready.pid, "SIGTERM");
      expect((await running.exit).code).toBe(0);
      // stdout carried the ready line and nothing else; the logs went to stderr.
      expect(running.stdout().trim().split("\n")).toHaveLength(1);
      expect(running.stderr()).toContain('"message":"stopped"');
      expect(fs.existsSync(path.join(dataDir, "platform.lock"))).toBe(false);
      expect(fs.readdirSync(path.join(dataDir, "queues", "shopify-partner-orders"))).toEqual([]);
      expect(fs.readdirSync(path.join(dataDir, "queues", "shopify-https-orders"))).toEqual([]);

      // The next run on the data dir finds every accepted event stored.
      const platform = await startLocalPlatform({ dataDir, port: 0, env: {} });
      const aws = awsClients(platform.ready);
      try {
        expect((await aws.listKeys("raw/shopify/orders/")).filter((key) => key.includes("/drain-"))).toHaveLength(ids.length);
        for (const id of ids) expect(await aws.getItem("orders", { id: `gid://shopify/Order/${id}` })).toBeDefined();
      } finally {
        aws.destroy();
        await platform.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("stops the same way on SIGINT (Ctrl-C), finishing an accepted event first", async () => {
    const dataDir = tempDataDir("cli-sigint");
    try {
      const running = await startSdpLocal(dataDir, { SDP_LAST_RUN_FILE: path.join(dataDir, "last-run.json") });
      const id = "7100000000000000001";
      const answer = await postEvent(
        running.ready.ingress,
        partnerEnvelopeText({
          id: "eb-int",
          topic: "customers/create",
          webhookId: "sigint-1",
          payloadText: `{"id":${id},"admin_graphql_api_id":"gid://shopify/Customer/${id}","email":"a@example.com","created_at":"2026-01-31T09:00:00Z","updated_at":"2026-01-31T09:00:00Z"}`,
        }),
      );
      expect(answer.body.status).toBe("accepted");
      process.kill(running.ready.pid, "SIGINT");
      expect((await running.exit).code).toBe(0);
      expect(running.stderr()).toContain('"signal":"SIGINT"');
      expect(fs.readdirSync(path.join(dataDir, "queues", "shopify-partner-customers"))).toEqual([]);
      expect(
        fs
          .readdirSync(path.join(dataDir, "s3", "acme-data-lake-000000000000-local", "raw", "shopify", "customers", "dt=2026-01-31"))
          .some((file) => file.startsWith("sigint-1.json")),
      ).toBe(true);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
