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
const { hostEmulators } = require("./emulator-host.ts");

const describe = (error) => ({
  name: error && error.name,
  message: error && error.message !== undefined ? error.message : String(error),
  code: error && error.code,
  _tag: error && error._tag,
  stack: error && error.stack,
});

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
  } else if (message.kind === "stop") {
    const hosted = running.get(message.id);
    running.delete(message.id);
    Promise.resolve(hosted ? hosted.stop() : undefined)
      .catch(() => undefined)
      .then(() => parentPort.postMessage({ kind: "stopped", id: message.id }));
  }
});
