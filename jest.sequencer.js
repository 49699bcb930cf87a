/**
 * Runs the longest suites first, so the 2 workers finish together instead of one of them starting
 * a 60 s suite near the end. Jest's own sequencer does this only with the timings of an earlier run
 * on the same machine (its cache); a clean clone (CI) has none and falls back to file size, which
 * started the longest suites half-way through. Here a suite's time is the cached one if there is
 * one, else the estimate below (seconds, from CI runs), else 3 s.
 */
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

const estimatedSeconds = {
  "kernel/faults-convergence.test.ts": 65,
  "gdpr/redaction-e2e.test.ts": 85,
  "infra/iam-simulation.test.ts": 85,
  "local/faults.test.ts": 60,
  "cli/drill.test.ts": 67,
  "demo/demo-e2e.test.ts": 57,
  "local/restart-after-kill.test.ts": 45,
  "infra/run-time-defects.test.ts": 42,
  "infra/synth-snapshot.test.ts": 29,
  "analytics/workflow-local.test.ts": 28,
  "fuzz/doors.test.ts": 25,
  "infra/synth.test.ts": 25,
  "backfill/stream.test.ts": 23,
  "kernel/crash-recovery.test.ts": 20,
  "cli/webhook-completeness.test.ts": 20,
  "infra/env-vars.test.ts": 19,
  "backfill/stack.test.ts": 19,
};

class LongestFirst extends Sequencer {
  sort(tests) {
    for (const test of tests) {
      const relative = path.relative(path.join(test.context.config.rootDir, "__tests__"), test.path).split(path.sep).join("/");
      test.duration = this.time(test) ?? (estimatedSeconds[relative] ?? 3) * 1000;
    }
    return tests.sort((a, b) => {
      const failedA = this.hasFailed(a);
      const failedB = this.hasFailed(b);
      if (failedA !== failedB) return failedA ? -1 : 1;
      return b.duration - a.duration;
    });
  }
}

module.exports = LongestFirst;
