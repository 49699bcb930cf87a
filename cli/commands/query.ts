/**
 * `sdp query "<SQL>"`: DuckDB over the local lake and hot stores of a demo or local run.
 */
import { CommandFailed, parseOptions, UsageError, type Command } from "../command";
import { formatRows, type OutputFormat } from "../format";
import { locateLake, openLakeDatabase, runQuery } from "../../local/lake-views";
import { chooseDataDir } from "../data-dir";

const help = `
Usage: sdp query "<SQL>" [--data-dir <dir>] [--format table|json|csv] [--json]

Runs SQL (DuckDB dialect) over the local lake of the most recent \`sdp demo\` or \`sdp local\`
run (or of --data-dir), with these views ready:

  raw_events        every verified webhook as received (source, entity, dt, event_id, topic, payload JSON)
  orders, customers, products, abandoned_carts, subscriptions, charges, payments, invoices, disputes
                    hot-store tables: the latest real-time state of each object
  line_items        line items of the newest version of each real-time order
  snapshot_<entity> bulk-export Parquet (snapshot_orders, snapshot_order_line_items, ...)
  orders_enriched   the analytics output, and each curated view, once \`sdp etl\` ran
  reconciliation, data_quality   backfill manifests and data-quality results

Lake objects are read straight from the emulator's files; hot-store tables through the running
platform, or by opening its DynamoDB files when nothing runs on the data dir.

Options:
  --data-dir <dir>   an sdp data dir (default: the most recent run, named on stderr)
  --format <f>       table (default), json (an array of row objects) or csv
  --json             same as --format json

Examples:
  npx sdp query "select count(*) from orders"
  npx sdp query "select source, entity, count(*) as events from raw_events group by all order by 1, 2"
  npx sdp query "select id, status, cancellation_reason from subscriptions" --format csv
`;

const formats: ReadonlyArray<OutputFormat> = ["table", "json", "csv"];

const command: Command = {
  summary: "Run SQL (DuckDB) over the local lake and hot stores",
  help,
  run: async (argv, io) => {
    const { values, positionals } = parseOptions(argv, { "data-dir": { type: "string" }, format: { type: "string" }, json: { type: "boolean" } }, true);
    if (positionals.length === 0) throw new UsageError('give the SQL to run, e.g. sdp query "select count(*) from orders"');
    if (positionals.length > 1) throw new UsageError(`give the SQL as one argument in quotes (got ${positionals.length} arguments)`);
    const sql = positionals[0]!.trim();
    if (sql === "") throw new UsageError("the SQL is empty");
    const format = (values.json ? "json" : (values.format ?? "table")) as OutputFormat;
    if (!formats.includes(format)) throw new UsageError(`--format must be table, json or csv, got "${values.format}"`);
    if (values.json && values.format !== undefined && values.format !== "json") throw new UsageError("--json and --format disagree: give one of them");

    const { dataDir } = chooseDataDir(values["data-dir"], io, "query");
    const lake = locateLake(dataDir);
    const database = await openLakeDatabase(lake, { sql });
    try {
      let result;
      try {
        result = await runQuery(database.connection, sql);
      } catch (error) {
        const message = (error as Error).message.split("\n").filter(Boolean).join("\n  ");
        throw new CommandFailed(`the SQL failed: ${message}\n  Tables and views here: ${database.relations.map((relation) => relation.name).join(", ")}`);
      }
      io.stdout.write(formatRows(format, result.columns, result.rows));
      return 0;
    } finally {
      database.close();
    }
  },
};

export default command;
