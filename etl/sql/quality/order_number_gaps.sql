-- Gaps in Shopify order numbers among the orders placed in the 7 days to {{run_date}}, from every
-- version ever received (webhooks and bulk exports, deleted orders included: a deleted order is
-- not a gap). A gap is the sign of missed webhooks; the order dates either side are the days to
-- backfill. Days are the shop's local days ({{shop_timezone}}, config shopTimezone), the days of
-- orders_enriched.dt, so a reported day is the partition the missing orders belong in.
WITH
versions AS (
  SELECT
    try(CAST(json_extract_scalar(payload, '$.order_number') AS BIGINT)) AS order_number,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.created_at')), 'UTC') AS TIMESTAMP)) AS created_at
  FROM raw_shopify_orders
  UNION ALL
  SELECT
    try(CAST(CASE WHEN substr(name, 1, 1) = '#' THEN substr(name, 2) ELSE name END AS BIGINT)) AS order_number,
    created_at AS created_at
  FROM snapshot_orders
),
dated AS (
  SELECT order_number, CAST(at_timezone(with_timezone(created_at, 'UTC'), '{{shop_timezone}}') AS DATE) AS order_day
  FROM versions
  WHERE order_number IS NOT NULL AND created_at IS NOT NULL
),
in_window AS (
  SELECT order_number, MIN(CAST(order_day AS VARCHAR)) AS order_date
  FROM dated
  WHERE date_diff('day', order_day, CAST('{{run_date}}' AS DATE)) BETWEEN 0 AND 6
  GROUP BY order_number
),
ordered AS (
  SELECT
    order_number,
    order_date,
    lag(order_number) OVER (ORDER BY order_number) AS previous_number,
    lag(order_date) OVER (ORDER BY order_number) AS previous_date
  FROM in_window
)
SELECT
  previous_number + 1 AS gap_start,
  order_number - 1 AS gap_end,
  previous_date AS from_date,
  order_date AS to_date
FROM ordered
WHERE previous_number IS NOT NULL AND order_number - previous_number > 1
ORDER BY gap_start
