/**
 * `sdp`: the platform's command line. Sub-commands live in cli/commands/<name>.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CommandFailed, UsageError, type Command, type CommandIO } from "./command";
import { LakeUnreadable } from "../local/lake-errors";
import { FunctionEntryInvalid } from "../local/functions";
import { PlatformStartFailed } from "../local/platform-types";

const commandsDir = path.join(__dirname, "commands");

const listCommands = (): string[] =>
  fs
    .readdirSync(commandsDir)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith("_"))
    .map((file) => file.slice(0, -3))
    .sort();

const loadCommand = async (name: string): Promise<Command | undefined> => {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !listCommands().includes(name)) return undefined;
  // require (not import()) so the command loads the same way under tsx, jest and bin/sdp's loader.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(commandsDir, `${name}.ts`));
  return (mod.default ?? mod) as Command;
};

const topLevelHelp = async (): Promise<string> => {
  const lines = ["Usage: sdp <command> [options]", "", "Commands:"];
  for (const name of listCommands()) {
    const command = await loadCommand(name);
    if (command) lines.push(`  ${name.padEnd(12)} ${command.summary}`);
  }
  lines.push("", "Run `sdp <command> --help` for a command's options and an example.", "Example: sdp demo");
  return lines.join("\n");
};

export const runCli = async (argv: ReadonlyArray<string>, io: CommandIO): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(`${await topLevelHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    io.stderr.write(`sdp: unknown command "${name}". Commands: ${listCommands().join(", ")}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(`${(command.helpFor?.(rest) ?? command.help).trim()}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportFailure(name, error, io);
  }
};

/**
 * How a command's failure reaches the operator. The local platform's own errors (a lake it cannot
 * read, a function spec whose entry is missing, a platform that did not start) say what to fix the
 * same way a command does, whichever command (local, demo, load, drill ...) started the platform.
 */
export const reportFailure = (name: string, error: unknown, io: Pick<CommandIO, "stderr">): number => {
  if (error instanceof UsageError) {
    io.stderr.write(`sdp ${name}: ${error.message}\nRun \`sdp ${name} --help\` for usage.\n`);
    return 2;
  }
  if (error instanceof CommandFailed || error instanceof LakeUnreadable || error instanceof FunctionEntryInvalid || error instanceof PlatformStartFailed) {
    io.stderr.write(`sdp ${name}: ${error.message}\n`);
    return 1;
  }
  io.stderr.write(`sdp ${name}: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
};

if (require.main === module) {
  runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then((code) => {
    process.exitCode = code;
  });
}
