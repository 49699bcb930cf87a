/**
 * The completeness proof's full scan: every raw object, every Parquet file (snapshots, processed,
 * curated) and every item of every hot-store table of an embedded platform's data dir, searched
 * for each demo customer's id, e-mail and phone by their text (not by the index's own extractor),
 * and compared with what the subject index answers for that identifier.
 */
import { parquetRowsAsJson } from "../support/duckdb";
import { Effect, Option } from "effect";
import { tableKeys, tableSpecs, type TableKey } from "../../contracts/tables";
import type { SubjectLocation } from "../../contracts/gdpr";
import { lookupSubject } from "../../functions/gdpr/subject-index";
import { locationIdOf } from "../../functions/kernel/subject-index";
import { normaliseEmail, normalisePhone, type SubjectIdentifier } from "../../functions/gdpr/subject";
import { HotStore, ObjectStore } from "../../functions/kernel/services";
import { withLocalGdpr } from "../../local/gdpr-services";

export interface Customer {
  readonly id: string;
  readonly email?: string;
  readonly phone?: string;
}

export interface ScanResult {
  readonly customers: number;
  readonly scanned: { readonly raw: number; readonly parquet: number; readonly hot: number };
  /** Locations the scan found that the index also gives: per identifier kind. */
  readonly found: number;
  /** Locations the scan found that the index does not give, as "<kind> <location id>". */
  readonly missing: ReadonlyArray<string>;
  readonly indexItems: number;
  /** Customers whose e-mail or phone digits appear anywhere in the subject index's items (must be none). */
  readonly leaked: number;
  /** A scanned customer with an e-mail (for the export test). */
  readonly sample?: Customer;
}

const BOOKKEEPING: ReadonlyArray<TableKey> = ["subjectIndex", "leases", "idempotency", "gdprRequests"] as TableKey[];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How each identifier is spelled in stored text: any case for e-mails; digits with separators for phones; the bare id or its GID. */
const matcherOf = (identifier: SubjectIdentifier): RegExp => {
  if (identifier.kind === "email") return new RegExp(escape(identifier.value), "i");
  if (identifier.kind === "phone") {
    const digits = identifier.value.replace(/^\+/, "");
    return new RegExp(`(\\+|00)${digits.split("").join("[\\s().-]*")}(?!\\d)`);
  }
  const id = identifier.value.replace(/^shopify:/, "");
  return new RegExp(`(?<![\\d])${escape(id)}(?![\\d])`);
};

/** The demo's Shopify customers, from the customers hot store (id, e-mail, phone as stored). */
const customersOf = (items: ReadonlyArray<Record<string, unknown>>): Customer[] =>
  items.flatMap((item) => {
    const id = /^gid:\/\/shopify\/Customer\/(\d+)$/.exec(String(item.id ?? ""))?.[1];
    if (id === undefined || item.deleted === true) return [];
    return [{ id, ...(typeof item.email === "string" ? { email: item.email } : {}), ...(typeof item.phone === "string" ? { phone: item.phone } : {}) }];
  });

export const scanAndCompare = (dataDir: string, limit = 25): Promise<ScanResult> =>
  withLocalGdpr(dataDir, { ...process.env, CI: "1" }, ({ layer }) =>
    Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          const objects = yield* ObjectStore;
          const hot = yield* HotStore;
          const texts: Array<{ location: SubjectLocation; text: string }> = [];
          let raw = 0;
          let parquet = 0;
          let hotItems = 0;
          for (const object of yield* objects.list("")) {
            const key = object.key;
            if (key.startsWith("raw/")) {
              const text = yield* objects.getText(key);
              if (Option.isSome(text)) texts.push({ location: { store: "raw", key }, text: text.value });
              raw++;
            } else if (key.endsWith(".parquet") && /^(snapshots|processed|curated)\//.test(key)) {
              const body = yield* objects.get(key);
              if (Option.isNone(body)) continue;
              const text = yield* Effect.promise(() => parquetRowsAsJson(body.value).then((rows) => rows.join("\n")));
              const layerName = key.split("/")[0] as "snapshots" | "processed" | "curated";
              const table = layerName === "curated" ? key.split("/")[1]! : key.split("/")[2]!;
              texts.push({ location: { store: "parquet", layer: layerName, table, key }, text });
              parquet++;
            }
          }
          let customerItems: ReadonlyArray<Record<string, unknown>> = [];
          for (const table of tableKeys.filter((each) => !BOOKKEEPING.includes(each))) {
            const items = yield* hot.scan(table);
            if (table === "customers") customerItems = items;
            const name = tableSpecs[table].partitionKey.name;
            for (const item of items) {
              texts.push({ location: { store: "hot", table, key: { [name]: String(item[name]) } }, text: JSON.stringify(item) });
              hotItems++;
            }
          }
          const customers = customersOf(customerItems).slice(0, limit);
          const missing: string[] = [];
          let found = 0;
          for (const customer of customers) {
            const identifiers: SubjectIdentifier[] = [{ kind: "customer-id", value: `shopify:${customer.id}` }];
            const email = customer.email ? normaliseEmail(customer.email) : undefined;
            if (email) identifiers.push({ kind: "email", value: email });
            const phone = customer.phone ? normalisePhone(customer.phone) : undefined;
            if (phone?.startsWith("+")) identifiers.push({ kind: "phone", value: phone });
            for (const identifier of identifiers) {
              const matcher = matcherOf(identifier);
              const indexed = new Set((yield* lookupSubject([identifier], { linkDepth: 0 })).map(locationIdOf));
              for (const { location, text } of texts) {
                if (!matcher.test(text)) continue;
                if (indexed.has(locationIdOf(location))) found++;
                else missing.push(`${identifier.kind} ${locationIdOf(location)}`);
              }
            }
          }
          const indexAll = yield* hot.scan("subjectIndex");
          const indexItems = indexAll.length;
          const indexText = JSON.stringify(indexAll).toLowerCase();
          const leaked = customers.filter(
            (customer) =>
              (customer.email !== undefined && indexText.includes(customer.email.toLowerCase())) ||
              (customer.phone !== undefined && indexText.includes(customer.phone.replace(/\D/g, ""))),
          ).length;
          const sample = customers.find((customer) => customer.email !== undefined);
          return { customers: customers.length, scanned: { raw, parquet, hot: hotItems }, found, missing, indexItems, leaked, ...(sample ? { sample } : {}) } satisfies ScanResult;
        }),
        layer,
      ),
    ),
  );
