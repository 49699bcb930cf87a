/**
 * The shape every `sdp` sub-command follows. A command lives in `cli/commands/<name>.ts` and
 * default-exports a `Command`; `cli/main.ts` finds it by file name, so adding a command touches
 * no shared registry.
 *
 * Conventions: exit 0 on success, 1 on failure, 2 on bad usage; errors go to stderr
 * and say what to fix; `--json` for machine output; colours and progress only on a TTY.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export class UsageError extends Error {
  readonly _tag = "UsageError";
}

/** A failure the user can act on: printed without a stack trace, exit code 1. */
export class CommandFailed extends Error {
  readonly _tag = "CommandFailed";
}

export interface CommandIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export interface Command {
  /** One line for `sdp --help`. */
  readonly summary: string;
  /** Full help text: usage, options and at least one example. */
  readonly help: string;
  /** The help for these arguments, when a command has subcommands of its own (`sdp gdpr export --help`); else `help`. */
  readonly helpFor?: (argv: ReadonlyArray<string>) => string;
  /** Returns the exit code. Throw `UsageError` for bad usage and `CommandFailed` for failures. */
  readonly run: (argv: ReadonlyArray<string>, io: CommandIO) => Promise<number>;
}

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** `util.parseArgs` in strict mode, turning its errors into `UsageError`s. */
export const parseOptions = <O extends OptionSpec>(argv: ReadonlyArray<string>, options: O, allowPositionals = false) => {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
};

export const isoDate = (value: string | undefined, flag: string): string | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new UsageError(`${flag} must be a date like 2026-01-31, got "${value}"`);
  }
  const roundTrip = new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10);
  if (roundTrip !== value) throw new UsageError(`${flag} is not a real calendar date: "${value}"`);
  return value;
};

export const useColour = (stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv) => Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.CI === undefined;
