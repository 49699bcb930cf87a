/**
 * `sdp gdpr redact --customer <id|email|phone>`: a redaction request from a route other than
 * Shopify's `customers/redact` (Recharge, Stripe, an e-mail to the brand), carried out on the
 * embedded platform by the redaction workflow (contracts/gdpr-workflow.ts, the definition AWS
 * runs) with the local runner. `--dry-run` lists what would change and writes nothing.
 */
import { identifierOf, type SubjectIdentifier } from "../../functions/gdpr/subject";
import type { LocalRedactResult } from "../../local/gdpr-redaction";
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";

const help = `
Usage: sdp gdpr redact --customer <id|email|phone> [--customer ...] [--dry-run] [--json]
                       [--vendors stripe,recharge] [--request-id <id>] [--data-dir <dir>]

Erases one person from everything the platform keeps, found through the GDPR subject index
(never a scan) and widened by the ids, e-mails and phones the found records link to them:
hot-store items; raw objects and every version of them; the Parquet files holding their rows
(snapshots, processed, curated), rewritten without those rows and every other row kept as it
was; idempotency records, dead letters and the index entries. Each step goes to the audit log
(metadata/gdpr-audit/: request id, step, counts, times; never the personal data), and the
request record ends complete with its identifiers erased.

--customer takes an e-mail (has an @), a phone (starts with + or 00, or has separators) or a
customer id (a bare number is Shopify's; recharge:123, cus_... for Recharge and Stripe).

Options:
  --customer <value>     the person (repeatable: the same person's other identifiers)
  --dry-run              list what would change (objects, Parquet rows, hot items); write nothing
  --vendors <list>       also ask these vendors to delete the customer: stripe, recharge
                         (off by default; STRIPE_API_KEY / RECHARGE_API_TOKEN)
  --request-id <id>      resume (or repeat) this request: finished steps are skipped
  --json                 print the result as JSON
  --data-dir <dir>       the platform's data dir (default: the most recent run)

Exit codes: 0 redacted (or listed with --dry-run; an unknown customer finds nothing and says
so), 1 the redaction failed (resume it with --request-id), 2 bad usage.

Examples:
  npx sdp gdpr redact --customer ada@example.com --dry-run
  npx sdp gdpr redact --customer 7012345678901 --vendors stripe,recharge --json
`;

const options = {
  customer: { type: "string", multiple: true },
  "dry-run": { type: "boolean", default: false },
  vendors: { type: "string" },
  "request-id": { type: "string" },
  json: { type: "boolean", default: false },
  "data-dir": { type: "string" },
} as const;

type Plan = {
  identifiers: { total: number; byKind: Record<string, number> };
  counts: Record<string, number>;
  rawObjects: string[];
  parquet: Array<{ key: string; table: string; rows: number; rowsToRemove: number }>;
  hotItems: Record<string, number>;
  idempotencyRecords: number;
};

const render = (result: LocalRedactResult): string => {
  if (result.mode === "dry-run") {
    const plan = result.plan as Plan;
    const lines = ["GDPR redaction (dry run: nothing changed)"];
    if (plan.counts.locations === 0) lines.push("  the subject index holds nothing for this customer: nothing would change");
    lines.push(
      `  identifiers: ${plan.identifiers.total} (${Object.entries(plan.identifiers.byKind)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(", ")})`,
    );
    lines.push(`  raw objects to delete (with every version): ${plan.rawObjects.length}`);
    for (const key of plan.rawObjects) lines.push(`    ${key}`);
    lines.push(`  Parquet files to rewrite: ${plan.parquet.filter((file) => file.rowsToRemove > 0).length}`);
    for (const file of plan.parquet) lines.push(`    ${file.key}  ${file.rowsToRemove} of ${file.rows} rows`);
    lines.push(
      `  hot-store items to delete: ${
        Object.entries(plan.hotItems)
          .map(([table, count]) => `${table} ${count}`)
          .join(", ") || "none"
      }`,
    );
    lines.push(`  idempotency records to delete: ${plan.idempotencyRecords}`);
    return lines.join("\n");
  }
  const lines = [`GDPR redaction ${result.requestId}: ${result.run.status === "SUCCEEDED" ? "complete" : "FAILED"}`];
  for (const step of result.run.steps)
    lines.push(
      `  ${step.step.padEnd(14)} ${
        step.skipped
          ? "already done"
          : Object.entries(step.counts)
              .map(([name, count]) => `${name} ${count}`)
              .join(", ") || "done"
      }`,
    );
  if (result.run.status === "FAILED") lines.push(`  stopped: ${result.run.error}: ${result.run.cause}`, `  resume with: sdp gdpr redact --request-id ${result.requestId}`);
  lines.push(`  audit log: ${result.auditPrefix}`);
  return lines.join("\n");
};

const command: Command = {
  summary: "Redact one customer everywhere (hot store, raw and versions, Parquet, DLQ, index), audited",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, options);
    const requestId = values["request-id"];
    if (requestId !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(requestId)) throw new UsageError("--request-id takes letters, digits, '.', '_' and '-' (at most 128)");
    const customers = values.customer ?? [];
    if (customers.length === 0 && requestId === undefined) throw new UsageError("name the person with --customer <id|email|phone> (or resume a request with --request-id)");
    const identifiers: SubjectIdentifier[] = customers.map((value) => {
      const identifier = identifierOf(value);
      if (!identifier) throw new UsageError(`--customer "${value}" is neither an e-mail, a phone number nor a customer id`);
      return identifier;
    });
    const vendors = (values.vendors ?? "")
      .split(",")
      .map((vendor) => vendor.trim())
      .filter(Boolean);
    for (const vendor of vendors) if (vendor !== "stripe" && vendor !== "recharge") throw new UsageError(`--vendors takes stripe and/or recharge, got "${vendor}"`);
    if (values["dry-run"] && identifiers.length === 0) throw new UsageError("--dry-run needs --customer");
    const { dataDir } = chooseDataDir(values["data-dir"], io, "gdpr redact");
    const { runLocalRedact } = await import("../../local/gdpr-redaction");
    let result: LocalRedactResult;
    try {
      result = await runLocalRedact({
        dataDir,
        env: io.env,
        identifiers,
        dryRun: values["dry-run"],
        vendors: vendors as Array<"stripe" | "recharge">,
        ...(requestId !== undefined ? { requestId } : {}),
      });
    } catch (error) {
      throw new CommandFailed(`sdp gdpr redact: ${(error as Error)?.message ?? String(error)}`);
    }
    io.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${render(result)}\n`);
    return result.mode === "redact" && result.run.status !== "SUCCEEDED" ? 1 : 0;
  },
};

export default command;
