/**
 * `sdp gdpr export --customer <id|email|phone>`: a data request from a route other than Shopify's
 * `customers/data_request` (Recharge, Stripe, an e-mail to the brand), carried out on the embedded
 * platform the way the workflow does it in AWS (functions/gdpr/export.ts): recorded as a request,
 * looked up in the subject index, exported as JSON under restricted/gdpr-exports/<request id>/
 * with the stores searched, and a presigned link in the operator's alert.
 */
import { Effect, Exit, Cause } from "effect";
import { exportSubject, runDataRequest, type ExportReport } from "../../functions/gdpr/export";
import { presignGetUrl, MAX_PRESIGN_SECONDS } from "../../functions/gdpr/presign";
import { createRequest } from "../../functions/gdpr/requests";
import { identifierOf, type SubjectIdentifier } from "../../functions/gdpr/subject";
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";
import { withLocalGdpr } from "../../local/gdpr-services";

const help = `
Usage: sdp gdpr export --customer <id|email|phone> [--customer ...] [--request-id <id>]
                       [--dry-run] [--json] [--data-dir <dir>]

Exports everything the platform holds about one person: found through the GDPR subject index
(customer ids, e-mails and phones, stored as keyed hashes; Recharge and Stripe records linked by
e-mail or customer id), never by scanning. The data goes to
restricted/gdpr-exports/<request id>/subject.json with the list of stores searched in
stores.json; the operator's alert (alerts.jsonl locally, SNS in AWS) carries a presigned link
valid for 7 days. The request is recorded (due in 30 days) and completed.

--customer takes an e-mail (has an @), a phone (starts with + or 00, or has separators:
"+44 20 7946 0958") or a customer id (a bare number is Shopify's; recharge:123, cus_... for
Recharge and Stripe). Give it more than once for the same person's other identifiers.

Options:
  --customer <value>   the person (repeatable)
  --request-id <id>    the request's id (default cli-export-<time>); a repeat with the same id
                       writes the same export again and alerts once
  --dry-run            list the locations and stores that would be exported; write nothing
  --json               print the report as JSON
  --data-dir <dir>     the platform's data dir (default: the most recent run)

Exit codes: 0 exported (or listed, with --dry-run; an unknown customer exports nothing and
says so), 1 the export failed, 2 bad usage.

Examples:
  npx sdp gdpr export --customer ada@example.com --dry-run
  npx sdp gdpr export --customer 7012345678901 --customer "+44 20 7946 0958" --json
`;

const options = {
  customer: { type: "string", multiple: true },
  "request-id": { type: "string" },
  "dry-run": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  "data-dir": { type: "string" },
} as const;

const render = (report: ExportReport) => {
  const lines = [`GDPR export ${report.requestId}${report.dryRun ? " (dry run: nothing written)" : ""}`];
  if (report.locations.length === 0) lines.push("  the subject index holds nothing for this customer");
  lines.push("  stores searched (through the subject index):");
  for (const store of report.stores) lines.push(`    ${store.store.padEnd(24)} ${store.records}`);
  if (report.dryRun) for (const location of report.locations) lines.push(`  would export ${JSON.stringify(location)}`);
  else {
    lines.push(`  ${report.records} record(s) exported to ${report.exportKey}`, `  stores list: ${report.storesKey}`);
    if (report.link) lines.push(`  link (7 days; also in the operator alert): ${report.link}`);
  }
  return `${lines.join("\n")}\n`;
};

const command: Command = {
  summary: "Export everything held about a customer (a data request), with a presigned link for the operator",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, options);
    const given = values.customer ?? [];
    if (given.length === 0) throw new UsageError("name the customer: --customer <id|email|phone>");
    const identifiers: SubjectIdentifier[] = given.map((input) => {
      const identifier = identifierOf(input);
      if (identifier === undefined) throw new UsageError(`--customer "${input}" is not an e-mail, a phone number or a customer id`);
      return identifier;
    });
    const requestId = values["request-id"] ?? `cli-export-${new Date().toISOString().replace(/[-:.]/g, "")}`;
    if (!/^[A-Za-z0-9._-]{1,120}$/.test(requestId)) throw new UsageError(`--request-id may hold letters, digits, ".", "_" and "-" only (at most 120), got "${requestId}"`);
    const { dataDir } = chooseDataDir(values["data-dir"], io, "gdpr export");

    const report = await withLocalGdpr(dataDir, io.env, async (context) => {
      const presign = (key: string) =>
        presignGetUrl({
          bucket: context.bucket,
          key,
          region: context.region,
          credentials: context.credentials,
          expiresInSeconds: MAX_PRESIGN_SECONDS,
          endpoint: context.s3Endpoint,
        });
      const program = values["dry-run"]
        ? exportSubject({ requestId, identifiers, dryRun: true })
        : Effect.flatMap(createRequest({ requestId, kind: "customer-export", origin: "cli", receivedAt: new Date().toISOString(), identifiers }), ({ record }) =>
            record.status === "complete"
              ? Effect.flatMap(exportSubject({ requestId, identifiers, presign }), (again) => Effect.succeed(again))
              : Effect.map(runDataRequest(requestId, { presign }), (done) => done as ExportReport),
          );
      const exit = await Effect.runPromiseExit(Effect.provide(program, context.layer));
      if (Exit.isFailure(exit)) throw new CommandFailed(`the export failed: ${Cause.pretty(exit.cause).split("\n")[0]}`);
      return exit.value;
    });
    io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : render(report));
    return 0;
  },
};

export default command;
