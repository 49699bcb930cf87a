/**
 * The shop's time zone: the day a sale or a return counts on. Shopify's sales and finance reports
 * bucket by the shop's own calendar day, in the time zone set under Settings > General (the Admin
 * GraphQL `Shop.ianaTimezone`, e.g. "America/New_York"; REST `shop.iana_timezone`), not in UTC.
 * The environment catalogue carries it (config/schema.ts `shopTimezone`, default "UTC"); the
 * transforms bind it into their SQL as {{shop_timezone}} (etl/transforms.ts loadSql), so DuckDB
 * locally and Athena in AWS compute the same local day from the one value.
 */

/** Where Shopify defines the shop's time zone. */
export const shopTimeZoneReference = "https://shopify.dev/docs/api/admin-graphql/latest/objects/Shop#field-Shop.fields.ianaTimezone";

/** The shop time zone when the catalogue names none: days are then UTC days. */
export const DEFAULT_SHOP_TIMEZONE = "UTC";

/** IANA zone names as Shopify, Node's ICU, DuckDB's ICU and Trino spell them (Area/City, UTC); safe inside a SQL literal. */
const ZONE_NAME = /^(UTC|[A-Z][A-Za-z]+(\/[A-Za-z0-9][A-Za-z0-9_+-]*){1,2})$/;

/** Why `zone` is not usable as a shop time zone, or undefined when it is. */
export const shopTimeZoneProblem = (zone: string): string | undefined => {
  if (!ZONE_NAME.test(zone)) return `must be an IANA time zone name such as "America/New_York" or "UTC" (the shop's ianaTimezone), got "${zone}"`;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return undefined;
  } catch {
    return `"${zone}" is not a known IANA time zone (see ${shopTimeZoneReference})`;
  }
};
