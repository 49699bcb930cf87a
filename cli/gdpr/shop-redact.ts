/**
 * `sdp gdpr shop-redact --shop <domain> [--confirm]`: Shopify's shop/redact (48 hours after the
 * shop uninstalls the app) is recorded and alerted by the intake, never executed automatically.
 * This command carries it out: without --confirm it prints the dry-run report; with it, it purges.
 */
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { chooseDataDir } from "../data-dir";

const help = `
Usage: sdp gdpr shop-redact --shop <domain> [--confirm] [--json] [--data-dir <dir>]

Purges a shop's data after Shopify's shop/redact: the Shopify raw objects (every version),
snapshots, processed and curated Parquet, the Shopify hot-store tables, the Shopify idempotency
records and the subject-index entries that point at them. Recharge and Stripe data stay (their
own deletion requests reach the platform separately). Without --confirm nothing changes: the
report says what would go. With --confirm it purges and writes one audit entry under
metadata/gdpr-audit/.

Options:
  --shop <domain>     the shop, e.g. acme.myshopify.com (must be this platform's shop)
  --confirm           purge (without it: dry-run report only)
  --json              print the report as JSON
  --data-dir <dir>    the platform's data dir (default: the most recent run)

Exit codes: 0 reported or purged, 1 the purge failed, 2 bad usage.

Examples:
  npx sdp gdpr shop-redact --shop acme.myshopify.com
  npx sdp gdpr shop-redact --shop acme.myshopify.com --confirm --json
`;

const options = {
  shop: { type: "string" },
  confirm: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  "data-dir": { type: "string" },
} as const;

const command: Command = {
  summary: "Purge a shop's data after shop/redact (dry-run report unless --confirm)",
  help,
  run: async (argv, io) => {
    const { values } = parseOptions(argv, options);
    const shop = values.shop?.trim().toLowerCase();
    if (!shop) throw new UsageError("name the shop with --shop <domain>, e.g. --shop acme.myshopify.com");
    if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(shop)) throw new UsageError(`--shop must be a myshopify.com domain, got "${values.shop}"`);
    const { loadEnvironment } = await import("../../config/environments");
    const { envVars } = await import("../../contracts/env-vars");
    const platformShop = (io.env[envVars.shopifyShopDomain] ?? loadEnvironment("local").shopDomain).toLowerCase();
    if (shop !== platformShop) throw new UsageError(`--shop ${shop} is not this platform's shop (${platformShop}): nothing of it is kept here`);
    const { dataDir } = chooseDataDir(values["data-dir"], io, "gdpr shop-redact");
    const { runLocalShopRedact } = await import("../../local/gdpr-redaction");
    let report;
    try {
      report = await runLocalShopRedact({ dataDir, env: io.env, shop, confirm: values.confirm });
    } catch (error) {
      throw new CommandFailed(`sdp gdpr shop-redact: ${(error as Error)?.message ?? String(error)}`);
    }
    if (values.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const lines = [`shop/redact for ${shop}: ${report.confirmed ? "purged" : "dry run (nothing changed; add --confirm to purge)"}`];
      for (const [prefix, { count, bytes }] of Object.entries(report.objects)) lines.push(`  ${prefix.padEnd(24)} ${count} objects, ${bytes} bytes`);
      lines.push(
        `  hot-store items: ${
          Object.entries(report.hotItems)
            .filter(([, count]) => count > 0)
            .map(([table, count]) => `${table} ${count}`)
            .join(", ") || "none"
        }`,
      );
      lines.push(`  idempotency records: ${report.idempotencyRecords}`, `  subject-index entries: ${report.subjectIndexEntries}`);
      if (report.auditKey) lines.push(`  audit: ${report.auditKey}`);
      io.stdout.write(`${lines.join("\n")}\n`);
    }
    return 0;
  },
};

export default command;
