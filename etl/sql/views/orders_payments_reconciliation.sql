-- orders_payments_reconciliation: Shopify orders paid through Stripe against the Stripe charges
-- that name them (charge metadata.shopify_order_id, numeric id or GID). Stripe amounts are integer
-- minor units: scaled by the currency's exponent (0, 2 or 3 decimals) into exact DECIMAL(20,4).
-- status: matched | amount_mismatch | currency_mismatch | missing_charge | orphan_charge.
WITH
charge_versions AS (
  SELECT
    json_extract_scalar(payload, '$.data.object.id') AS charge_id,
    json_extract_scalar(payload, '$.data.object.metadata.shopify_order_id') AS shopify_order_ref,
    lower(json_extract_scalar(payload, '$.data.object.currency')) AS currency,
    try(CAST(json_extract_scalar(payload, '$.data.object.amount_captured') AS BIGINT)) AS amount_captured_minor,
    try(CAST(json_extract_scalar(payload, '$.data.object.amount') AS BIGINT)) AS amount_minor,
    try(CAST(json_extract_scalar(payload, '$.data.object.amount_refunded') AS BIGINT)) AS amount_refunded_minor,
    json_extract_scalar(payload, '$.data.object.status') AS status,
    json_extract_scalar(payload, '$.data.object.captured') AS captured,
    try(CAST(json_extract_scalar(payload, '$.created') AS BIGINT)) AS event_created,
    object_key
  FROM raw_stripe_charges
  WHERE json_extract_scalar(payload, '$.data.object.object') = 'charge'
),
latest_charges AS (
  SELECT *
  FROM (
    SELECT c.*, row_number() OVER (PARTITION BY c.charge_id ORDER BY c.event_created DESC NULLS LAST, c.object_key DESC) AS version_rank
    FROM charge_versions c
  ) ranked
  WHERE version_rank = 1 AND shopify_order_ref IS NOT NULL AND status = 'succeeded'
),
scaled_charges AS (
  SELECT
    CASE WHEN substr(shopify_order_ref, 1, 6) = 'gid://' THEN shopify_order_ref ELSE concat('gid://shopify/Order/', shopify_order_ref) END AS order_id,
    charge_id,
    upper(currency) AS currency,
    CASE
      WHEN currency IN ('bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf') THEN CAST(1 AS DECIMAL(4, 3))
      WHEN currency IN ('bhd', 'jod', 'kwd', 'omr', 'tnd') THEN CAST(0.001 AS DECIMAL(4, 3))
      ELSE CAST(0.01 AS DECIMAL(4, 3))
    END AS unit,
    CASE WHEN captured = 'false' THEN 0 ELSE COALESCE(amount_captured_minor, amount_minor, 0) END AS captured_minor,
    COALESCE(amount_refunded_minor, 0) AS refunded_minor
  FROM latest_charges
),
charges_per_order AS (
  SELECT
    order_id,
    COUNT(*) AS charge_count,
    MIN(currency) AS charge_currency,
    COUNT(DISTINCT currency) AS currency_count,
    CAST(SUM(CAST(captured_minor AS DECIMAL(20, 4)) * unit) AS DECIMAL(20, 4)) AS charged_amount,
    CAST(SUM(CAST(refunded_minor AS DECIMAL(20, 4)) * unit) AS DECIMAL(20, 4)) AS stripe_refunded_amount
  FROM scaled_charges
  GROUP BY order_id
),
stripe_orders AS (
  SELECT o.order_id, o.order_number, o.currency, o.total_price, o.created_at, o.dt
  FROM orders_enriched o
  WHERE o.paid_with_stripe OR o.order_id IN (SELECT order_id FROM charges_per_order)
)
SELECT
  COALESCE(o.order_id, c.order_id) AS order_id,
  o.order_number,
  o.currency AS order_currency,
  o.total_price AS order_total,
  CAST(COALESCE(c.charge_count, 0) AS BIGINT) AS charge_count,
  c.charge_currency,
  c.charged_amount,
  c.stripe_refunded_amount,
  CAST(COALESCE(c.charged_amount, CAST(0 AS DECIMAL(20, 4))) - COALESCE(o.total_price, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS difference,
  CASE
    WHEN o.order_id IS NULL THEN 'orphan_charge'
    WHEN c.order_id IS NULL THEN 'missing_charge'
    WHEN c.currency_count > 1 OR upper(o.currency) <> c.charge_currency THEN 'currency_mismatch'
    WHEN c.charged_amount <> o.total_price THEN 'amount_mismatch'
    ELSE 'matched'
  END AS status,
  o.dt
FROM stripe_orders o
FULL OUTER JOIN charges_per_order c ON c.order_id = o.order_id
