-- abandoned_cart_recovery: per day a checkout started, how many checkouts were abandoned (no order
-- within an hour of their last update) and how many of those were recovered (an order carrying the
-- checkout token came later), with the recovery rate and the recovered net revenue. Days are the
-- shop's local days ({{shop_timezone}}, config shopTimezone), as orders_enriched.dt and daily_sales
-- count them, so a checkout and its order fall on the same day; timestamps stay UTC.
-- "Now" is the newest checkout update seen, so the result does not depend on when it runs.
WITH
checkout_versions AS (
  SELECT
    json_extract_scalar(payload, '$.token') AS token,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.created_at')), 'UTC') AS TIMESTAMP)) AS created_at,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.updated_at')), 'UTC') AS TIMESTAMP)) AS updated_at,
    object_key
  FROM raw_shopify_checkouts
  WHERE json_extract_scalar(payload, '$.token') IS NOT NULL
),
checkouts AS (
  SELECT token, created_at, updated_at
  FROM (
    SELECT v.*, row_number() OVER (PARTITION BY v.token ORDER BY v.updated_at DESC NULLS LAST, v.object_key DESC) AS version_rank
    FROM checkout_versions v
  ) ranked
  WHERE version_rank = 1 AND created_at IS NOT NULL
),
horizon AS (
  SELECT MAX(COALESCE(updated_at, created_at)) AS observed_until FROM checkouts
),
first_orders AS (
  SELECT checkout_token AS token, MIN(created_at) AS ordered_at, SUM(net_amount) AS net_amount
  FROM orders_enriched
  WHERE checkout_token IS NOT NULL
  GROUP BY checkout_token
),
classified AS (
  SELECT
    CAST(CAST(at_timezone(with_timezone(c.created_at, 'UTC'), '{{shop_timezone}}') AS DATE) AS VARCHAR) AS dt,
    CASE
      WHEN o.ordered_at IS NOT NULL AND o.ordered_at <= COALESCE(c.updated_at, c.created_at) + INTERVAL '1' HOUR THEN 'converted'
      WHEN o.ordered_at IS NOT NULL THEN 'recovered'
      WHEN COALESCE(c.updated_at, c.created_at) + INTERVAL '1' HOUR <= h.observed_until THEN 'abandoned'
      ELSE 'open'
    END AS outcome,
    o.net_amount
  FROM checkouts c
  CROSS JOIN horizon h
  LEFT JOIN first_orders o ON o.token = c.token
)
SELECT
  dt,
  CAST(COUNT(*) AS BIGINT) AS checkouts,
  CAST(SUM(CASE WHEN outcome IN ('abandoned', 'recovered') THEN 1 ELSE 0 END) AS BIGINT) AS abandoned,
  CAST(SUM(CASE WHEN outcome = 'recovered' THEN 1 ELSE 0 END) AS BIGINT) AS recovered,
  CASE WHEN SUM(CASE WHEN outcome IN ('abandoned', 'recovered') THEN 1 ELSE 0 END) = 0 THEN NULL
    ELSE CAST(CAST(SUM(CASE WHEN outcome = 'recovered' THEN 1 ELSE 0 END) AS DOUBLE) / SUM(CASE WHEN outcome IN ('abandoned', 'recovered') THEN 1 ELSE 0 END) AS DECIMAL(9, 4))
  END AS recovery_rate,
  CAST(COALESCE(SUM(CASE WHEN outcome = 'recovered' THEN net_amount ELSE NULL END), CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS recovered_net_amount
FROM classified
GROUP BY dt
ORDER BY dt
