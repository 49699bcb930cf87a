/**
 * The worker thread the emulators run in (local/emulators.ts starts it): loads TypeScript with
 * tsx, starts local/emulator-host.ts's servers on "start" and closes them on "stop". One worker
 * serves the starts of a process one after another, so a test file that restarts its platform
 * loads dynalite and s3rver once. Plain JavaScript, so it starts the same way under the sdp
 * command, tsx scripts and jest.
 */
"use strict";
const { parentPort } = require("node:worker_threads");
// Compiled code cached on disk (Node 22): a new process's worker loads s3rver and dynalite faster.
require("node:module").enableCompileCache?.();
require("tsx/cjs/api").register();
const { emulatorRequestCounts, hostEmulators } = require("./emulator-host.ts");

const describe = (error) => ({
  name: error && error.name,
  message: error && error.message !== undefined ? error.message : String(error),
  code: error && error.code,
  _tag: error && error._tag,
  stack: error && error.stack,
});

/** utime + stime of this thread in ms (Linux), for `sdp load`'s CPU per component. */
const threadCpuMs = () => {
  try {
    const text = require("node:fs").readFileSync("/proc/thread-self/stat", "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
};

let profiling;
const post = (session, method, params) => new Promise((resolve, reject) => session.post(method, params || {}, (error, result) => (error ? reject(error) : resolve(result))));

const running = new Map();
parentPort.on("message", (message) => {
  if (!message) return;
  if (message.kind === "start") {
    hostEmulators(message.options).then(
      (hosted) => {
        running.set(message.id, hosted);
        parentPort.postMessage({ kind: "ready", id: message.id, endpoints: hosted.endpoints });
      },
      (error) => parentPort.postMessage({ kind: "failed", id: message.id, error: describe(error) }),
    );
  } else if (message.kind === "request-counts") {
    parentPort.postMessage({ kind: "request-counts", id: message.id, counts: emulatorRequestCounts() });
  } else if (message.kind === "profile-start") {
    // This thread's share of `sdp load`'s CPU profile (V8's sampling profiler, as in the main thread).
    const session = new (require("node:inspector").Session)();
    session.connect();
    post(session, "Profiler.enable")
      .then(() => post(session, "Profiler.setSamplingInterval", { interval: message.intervalUs || 1000 }))
      .then(() => post(session, "Profiler.start"))
      .then(
        () => {
          profiling = { session, cpuStart: threadCpuMs() };
          parentPort.postMessage({ kind: "profiling", id: message.id });
        },
        (error) => parentPort.postMessage({ kind: "failed", id: message.id, error: describe(error) }),
      );
  } else if (message.kind === "profile-stop") {
    const current = profiling;
    profiling = undefined;
    if (!current) return parentPort.postMessage({ kind: "failed", id: message.id, error: { message: "not profiling" } });
    post(current.session, "Profiler.stop").then(
      ({ profile }) => {
        current.session.disconnect();
        const cpuEnd = threadCpuMs();
        const threadMs = current.cpuStart !== undefined && cpuEnd !== undefined ? cpuEnd - current.cpuStart : undefined;
        parentPort.postMessage({ kind: "profile", id: message.id, profile, threadMs });
      },
      (error) => parentPort.postMessage({ kind: "failed", id: message.id, error: describe(error) }),
    );
  } else if (message.kind === "stop") {
    const hosted = running.get(message.id);
    running.delete(message.id);
    Promise.resolve(hosted ? hosted.stop() : undefined)
      .catch(() => undefined)
      .then(() => parentPort.postMessage({ kind: "stopped", id: message.id }));
  }
});
