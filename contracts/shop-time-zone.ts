/**
 * The shop's time zone: the day a sale or a return counts on. Shopify's sales and finance reports
 * bucket by the shop's own calendar day, in the time zone set under Settings > General (the Admin
 * GraphQL `Shop.ianaTimezone`, e.g. "America/New_York"; REST `shop.iana_timezone`), not in UTC.
 * The environment catalogue carries it (config/schema.ts `shopTimezone`, default "UTC"); the
 * transforms bind it into their SQL as {{shop_timezone}} (etl/transforms.ts loadSql), so DuckDB
 * locally and Athena in AWS compute the same local day from the one value. The data-quality
 * function gets it as SDP_SHOP_TIMEZONE, to turn the local days of the order-number gap check into
 * the UTC window of the backfill it asks for (shopDayStartUtc below).
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

/** Minutes `zone` is ahead of UTC at the instant `ms` (negative west of Greenwich). */
const offsetMinutesAt = (zone: string, ms: number): number => {
  const format = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  const part = Object.fromEntries(format.formatToParts(new Date(ms)).map(({ type, value }) => [type, Number(value)]));
  return (Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!) - Math.floor(ms / 60_000) * 60_000) / 60_000;
};

/**
 * The UTC instant (ISO-8601, "…Z") at which the shop's local day `day` (YYYY-MM-DD) begins: what
 * a request for whole local days (the data-quality backfill) must ask a UTC-based API for. The
 * offset is taken at the day's start, so a day after a DST change starts at its own offset.
 */
export const shopDayStartUtc = (day: string, zone: string = DEFAULT_SHOP_TIMEZONE): string => {
  const midnightAsUtc = Date.parse(`${day}T00:00:00Z`);
  const guess = midnightAsUtc - offsetMinutesAt(zone, midnightAsUtc) * 60_000;
  return new Date(midnightAsUtc - offsetMinutesAt(zone, guess) * 60_000).toISOString().replace(".000Z", "Z");
};
