-- subscription_churn_monthly: per calendar month of Recharge subscriptions, from their latest
-- state: active at the start, new, cancelled, active at the end, and the churn rate (cancelled
-- during the month / active at its start). Months are the shop's local calendar months
-- ({{shop_timezone}}, config shopTimezone), as daily_sales counts days: each start and end is
-- turned into the shop's wall time once, then compared with local month boundaries.
WITH
digits AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS t (d)
),
numbers AS (
  SELECT a.d * 100 + b.d * 10 + c.d AS i FROM digits a CROSS JOIN digits b CROSS JOIN digits c
),
versions AS (
  SELECT
    json_extract_scalar(payload, '$.subscription.id') AS subscription_id,
    lower(json_extract_scalar(payload, '$.subscription.status')) AS status,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.subscription.created_at')), 'UTC') AS TIMESTAMP)) AS created_at,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.subscription.updated_at')), 'UTC') AS TIMESTAMP)) AS updated_at,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.subscription.cancelled_at')), 'UTC') AS TIMESTAMP)) AS cancelled_at,
    object_key
  FROM raw_recharge_subscriptions
  WHERE json_extract_scalar(payload, '$.subscription.id') IS NOT NULL
),
ranked AS (
  SELECT v.*, row_number() OVER (PARTITION BY v.subscription_id ORDER BY v.updated_at DESC NULLS LAST, v.object_key DESC) AS version_rank
  FROM versions v
),
subscriptions AS (
  SELECT
    subscription_id,
    CAST(at_timezone(with_timezone(COALESCE(created_at, updated_at), 'UTC'), '{{shop_timezone}}') AS TIMESTAMP) AS started_at,
    CASE WHEN status = 'cancelled' THEN CAST(at_timezone(with_timezone(COALESCE(cancelled_at, updated_at), 'UTC'), '{{shop_timezone}}') AS TIMESTAMP) ELSE NULL END AS ended_at
  FROM ranked
  WHERE version_rank = 1 AND COALESCE(created_at, updated_at) IS NOT NULL
),
bounds AS (
  SELECT
    CAST(date_trunc('month', MIN(started_at)) AS DATE) AS first_month,
    CAST(date_trunc('month', GREATEST(MAX(started_at), COALESCE(MAX(ended_at), MAX(started_at)))) AS DATE) AS last_month
  FROM subscriptions
),
months AS (
  SELECT CAST(b.first_month + INTERVAL '1' MONTH * n.i AS DATE) AS month_start
  FROM bounds b
  JOIN numbers n ON CAST(b.first_month + INTERVAL '1' MONTH * n.i AS DATE) <= b.last_month
),
spans AS (
  SELECT
    month_start,
    CAST(month_start AS TIMESTAMP) AS period_start,
    CAST(CAST(month_start + INTERVAL '1' MONTH AS DATE) AS TIMESTAMP) AS period_end
  FROM months
),
counts AS (
  SELECT
    s.month_start,
    SUM(CASE WHEN x.started_at < s.period_start AND (x.ended_at IS NULL OR x.ended_at >= s.period_start) THEN 1 ELSE 0 END) AS active_at_start,
    SUM(CASE WHEN x.started_at >= s.period_start AND x.started_at < s.period_end THEN 1 ELSE 0 END) AS new_subscriptions,
    SUM(CASE WHEN x.ended_at >= s.period_start AND x.ended_at < s.period_end THEN 1 ELSE 0 END) AS cancelled_subscriptions,
    SUM(CASE WHEN x.started_at < s.period_end AND (x.ended_at IS NULL OR x.ended_at >= s.period_end) THEN 1 ELSE 0 END) AS active_at_end
  FROM spans s
  CROSS JOIN subscriptions x
  GROUP BY s.month_start
)
SELECT
  CAST(month_start AS VARCHAR) AS month,
  CAST(active_at_start AS BIGINT) AS active_at_start,
  CAST(new_subscriptions AS BIGINT) AS new_subscriptions,
  CAST(cancelled_subscriptions AS BIGINT) AS cancelled_subscriptions,
  CAST(active_at_end AS BIGINT) AS active_at_end,
  CASE WHEN active_at_start = 0 THEN NULL
    ELSE CAST(CAST(cancelled_subscriptions AS DOUBLE) / active_at_start AS DECIMAL(9, 4)) END AS churn_rate
FROM counts
ORDER BY month
