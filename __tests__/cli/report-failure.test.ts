/** Every command that starts the local platform reports its start-up errors as a command failure (exit 1, one line), not a stack trace. */
import { reportFailure } from "../../cli/main";
import { CommandFailed, UsageError } from "../../cli/command";
import { functionSpecs } from "../../contracts/functions";
import { FunctionEntryInvalid } from "../../local/functions";
import { LakeUnreadable } from "../../local/lake-errors";
import { PlatformStartFailed } from "../../local/platform-types";

const stderrOf = (name: string, error: unknown): { code: number; text: string } => {
  let text = "";
  const code = reportFailure(name, error, { stderr: { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream });
  return { code, text };
};

describe("reportFailure", () => {
  const spec = functionSpecs[0]!;

  it.each(["demo", "load", "drill", "local"])("sdp %s: a spec whose entry is missing is one line naming the function and the fix", (name) => {
    const { code, text } = stderrOf(name, new FunctionEntryInvalid(spec, `its entry file ${spec.entry} does not exist; write it or fix the spec's \`entry\``));
    expect(code).toBe(1);
    expect(text).toBe(`sdp ${name}: function ${spec.name} (contracts/functions.ts): its entry file ${spec.entry} does not exist; write it or fix the spec's \`entry\`\n`);
    expect(text).not.toContain("unexpected error");
  });

  it("a platform that did not start, a lake it cannot read and a failed command read the same way", () => {
    expect(stderrOf("demo", new PlatformStartFailed("port 4000 is in use; pass --port"))).toEqual({ code: 1, text: "sdp demo: port 4000 is in use; pass --port\n" });
    expect(stderrOf("query", new LakeUnreadable("no lake at /x; run sdp demo first")).text).toBe("sdp query: no lake at /x; run sdp demo first\n");
    expect(stderrOf("status", new CommandFailed("nothing running")).code).toBe(1);
  });

  it("bad usage exits 2 and points at --help; anything else is an unexpected error with its stack", () => {
    expect(stderrOf("load", new UsageError("--rate must be a number"))).toEqual({ code: 2, text: "sdp load: --rate must be a number\nRun `sdp load --help` for usage.\n" });
    const unexpected = stderrOf("load", new TypeError("boom"));
    expect(unexpected.code).toBe(1);
    expect(unexpected.text).toMatch(/^sdp load: unexpected error: TypeError: boom\n/);
  });
});
