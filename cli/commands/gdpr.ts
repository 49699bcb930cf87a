/**
 * `sdp gdpr <subcommand>`: GDPR requests from routes other than Shopify's compliance webhooks
 * (Recharge, Stripe, e-mail to the brand), and the operator's side of the ones that came in.
 *
 * A subcommand is a `Command` default-exported by `cli/gdpr/<name>.ts` (export, redact,
 * shop-redact, ...): this dispatcher finds it by file name, as cli/main.ts finds commands, so a
 * new subcommand touches no shared list here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError, type Command } from "../command";

const subcommandsDir = path.join(__dirname, "..", "gdpr");

export const gdprSubcommands = (): string[] =>
  fs.existsSync(subcommandsDir)
    ? fs
        .readdirSync(subcommandsDir)
        .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.startsWith("_"))
        .map((file) => file.slice(0, -3))
        .sort()
    : [];

const loadSubcommand = (name: string): Command | undefined => {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !gdprSubcommands().includes(name)) return undefined;
  // require (not import()): the same way cli/main.ts loads commands under tsx, jest and bin/sdp.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(subcommandsDir, `${name}.ts`));
  return (mod.default ?? mod) as Command;
};

const overview = (): string => {
  const lines = ["Usage: sdp gdpr <subcommand> [options]", "", "Subcommands:"];
  for (const name of gdprSubcommands()) lines.push(`  ${name.padEnd(12)} ${loadSubcommand(name)?.summary ?? ""}`);
  lines.push("", "Run `sdp gdpr <subcommand> --help` for its options and an example.", "Example: sdp gdpr export --customer ada@example.com --dry-run");
  return lines.join("\n");
};

const command: Command = {
  summary: "GDPR requests: export a customer's data, redact a customer or a shop (dry-run first)",
  get help() {
    return overview();
  },
  helpFor: (argv) => {
    const sub = argv[0] === undefined ? undefined : loadSubcommand(argv[0]);
    return sub ? sub.help : overview();
  },
  run: async (argv, io) => {
    const [name, ...rest] = argv;
    if (name === undefined) throw new UsageError(`name a subcommand: ${gdprSubcommands().join(", ")}`);
    const sub = loadSubcommand(name);
    if (sub === undefined) throw new UsageError(`unknown subcommand "${name}"; subcommands: ${gdprSubcommands().join(", ")}`);
    // cli/main.ts answers `sdp gdpr --help`; `sdp gdpr <sub> --help` is the subcommand's.
    if (rest.includes("--help") || rest.includes("-h")) {
      io.stdout.write(`${sub.help.trim()}\n`);
      return 0;
    }
    return sub.run(rest, io);
  },
};

export default command;
