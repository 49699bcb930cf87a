-- orders_enriched: the latest state of every Shopify order, one row per order, partitioned by
-- order date (dt = date of created_at in the shop's time zone, {{shop_timezone}}: config shopTimezone).
--
-- Portable SQL (Trino/Athena dialect, checked against etl/sql-allowlist.ts, run on DuckDB with the
-- shims listed there). Inputs: raw_shopify_orders (webhook bodies), snapshot_orders and
-- snapshot_line_items (bulk exports), raw_recharge_charges (subscription linkage), and the refund
-- and transaction facts of etl/sql/facts/ (order_refund_facts, order_transaction_facts: empty until
-- a shop has refunds or the sources exist).
--
-- Rules:
--   * every version of an order (each webhook body, each bulk-export row) competes; the newest
--     updated_at wins; on a tie a webhook body beats a bulk row (it carries refunds and
--     fulfillments), then the greater object key / run id (deterministic re-runs);
--   * an order with any tombstone (orders/delete) is removed, whatever came before or after;
--   * money is DECIMAL(20,4) throughout (exact for 0-, 2- and 3-decimal currencies); never DOUBLE;
--   * money is the shop's: shop_money of the *_set fields when present, else the plain REST field
--     (also shop money); the presentment (customer) currency is used only to tell whether the
--     transactions, which are in that currency, paid the order in full.
WITH
digits AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS t (d)
),
-- 0..999: indexes into JSON arrays (line items, refunds, fulfillments) without engine-specific UNNEST.
numbers AS (
  SELECT a.d * 100 + b.d * 10 + c.d AS i FROM digits a CROSS JOIN digits b CROSS JOIN digits c
),
raw_versions AS (
  SELECT
    COALESCE(json_extract_scalar(payload, '$.admin_graphql_api_id'), concat('gid://shopify/Order/', json_extract_scalar(payload, '$.id'))) AS order_id,
    json_extract_scalar(payload, '$.order_number') AS order_number,
    json_extract_scalar(payload, '$.name') AS order_name,
    -- concat() with a NULL argument differs between engines (NULL vs skipped): guard it.
    CASE
      WHEN json_extract_scalar(payload, '$.customer.admin_graphql_api_id') IS NOT NULL THEN json_extract_scalar(payload, '$.customer.admin_graphql_api_id')
      WHEN json_extract_scalar(payload, '$.customer.id') IS NOT NULL THEN concat('gid://shopify/Customer/', json_extract_scalar(payload, '$.customer.id'))
      ELSE NULL
    END AS customer_id,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.created_at')), 'UTC') AS TIMESTAMP)) AS created_at,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.updated_at')), 'UTC') AS TIMESTAMP)) AS updated_at,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.processed_at')), 'UTC') AS TIMESTAMP)) AS processed_at,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.cancelled_at')), 'UTC') AS TIMESTAMP)) AS cancelled_at,
    json_extract_scalar(payload, '$.currency') AS currency,
    COALESCE(
      try(CAST(json_extract_scalar(payload, '$.total_line_items_price_set.shop_money.amount') AS DECIMAL(20, 4))),
      try(CAST(json_extract_scalar(payload, '$.total_line_items_price') AS DECIMAL(20, 4)))
    ) AS gross_amount,
    COALESCE(
      try(CAST(json_extract_scalar(payload, '$.total_discounts_set.shop_money.amount') AS DECIMAL(20, 4))),
      try(CAST(json_extract_scalar(payload, '$.total_discounts') AS DECIMAL(20, 4)))
    ) AS discount_amount,
    CAST(NULL AS DECIMAL(20, 4)) AS refund_amount_reported,
    COALESCE(
      try(CAST(json_extract_scalar(payload, '$.total_price_set.shop_money.amount') AS DECIMAL(20, 4))),
      try(CAST(json_extract_scalar(payload, '$.total_price') AS DECIMAL(20, 4)))
    ) AS total_price,
    COALESCE(
      try(CAST(json_extract_scalar(payload, '$.total_tax_set.shop_money.amount') AS DECIMAL(20, 4))),
      try(CAST(json_extract_scalar(payload, '$.total_tax') AS DECIMAL(20, 4)))
    ) AS tax_amount,
    try(CAST(json_extract_scalar(payload, '$.total_shipping_price_set.shop_money.amount') AS DECIMAL(20, 4))) AS shipping_amount,
    try(CAST(json_extract_scalar(payload, '$.total_price_set.presentment_money.amount') AS DECIMAL(20, 4))) AS presentment_total,
    CASE WHEN lower(COALESCE(json_extract_scalar(payload, '$.test'), 'false')) = 'true' THEN TRUE ELSE FALSE END AS is_test,
    json_extract_scalar(payload, '$.financial_status') AS financial_status,
    json_extract_scalar(payload, '$.fulfillment_status') AS fulfillment_status,
    json_extract_scalar(payload, '$.source_name') AS source_name,
    json_extract_scalar(payload, '$.tags') AS tags,
    json_extract_scalar(payload, '$.checkout_token') AS checkout_token,
    json_extract_scalar(payload, '$.cart_token') AS cart_token,
    -- The first two gateways are enough to tell a Stripe-paid order (split tenders are rare).
    lower(concat(
      COALESCE(json_extract_scalar(payload, '$.payment_gateway_names[0]'), ''), ',',
      COALESCE(json_extract_scalar(payload, '$.payment_gateway_names[1]'), '')
    )) AS gateway_names,
    CASE
      WHEN topic = 'orders/delete' THEN TRUE
      WHEN topic IS NULL AND json_extract_scalar(payload, '$.created_at') IS NULL AND json_extract_scalar(payload, '$.updated_at') IS NULL THEN TRUE
      ELSE FALSE
    END AS is_delete,
    'webhook' AS record_source,
    1 AS source_rank,
    object_key AS version_key,
    json_array_length(json_extract(payload, '$.line_items')) AS raw_line_item_count,
    payload
  FROM raw_shopify_orders
  WHERE json_extract_scalar(payload, '$.id') IS NOT NULL
),
snapshot_versions AS (
  SELECT
    id AS order_id,
    CASE WHEN substr(name, 1, 1) = '#' THEN substr(name, 2) ELSE name END AS order_number,
    name AS order_name,
    customer_id,
    created_at AS created_at,
    updated_at AS updated_at,
    processed_at AS processed_at,
    cancelled_at AS cancelled_at,
    currency,
    -- Bulk subtotal is after discounts: gross = subtotal + discounts.
    CAST(subtotal_price + COALESCE(total_discounts, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS gross_amount,
    CAST(total_discounts AS DECIMAL(20, 4)) AS discount_amount,
    CAST(total_refunded AS DECIMAL(20, 4)) AS refund_amount_reported,
    CAST(total_price AS DECIMAL(20, 4)) AS total_price,
    CAST(total_tax AS DECIMAL(20, 4)) AS tax_amount,
    CAST(total_shipping AS DECIMAL(20, 4)) AS shipping_amount,
    CAST(NULL AS DECIMAL(20, 4)) AS presentment_total,
    COALESCE(test, FALSE) AS is_test,
    lower(financial_status) AS financial_status,
    -- Bulk says UNFULFILLED where a webhook says null.
    CASE WHEN lower(fulfillment_status) = 'unfulfilled' THEN NULL ELSE lower(fulfillment_status) END AS fulfillment_status,
    source_name,
    tags,
    CAST(NULL AS VARCHAR) AS checkout_token,
    CAST(NULL AS VARCHAR) AS cart_token,
    CAST(NULL AS VARCHAR) AS gateway_names,
    FALSE AS is_delete,
    'bulk' AS record_source,
    2 AS source_rank,
    run_id AS version_key,
    CAST(NULL AS BIGINT) AS raw_line_item_count,
    CAST(NULL AS VARCHAR) AS payload
  FROM snapshot_orders
  WHERE id IS NOT NULL
),
versions AS (
  SELECT * FROM raw_versions
  UNION ALL
  SELECT * FROM snapshot_versions
),
tombstones AS (
  SELECT DISTINCT order_id FROM versions WHERE is_delete
),
-- Ranking on the key columns only (narrow rows sort fast), then the winner's full row by key:
-- (order_id, version_key) is unique (an object key per webhook body, a run per bulk row).
ranked AS (
  SELECT
    order_id,
    version_key,
    row_number() OVER (PARTITION BY order_id ORDER BY updated_at DESC NULLS LAST, source_rank ASC, version_key DESC) AS version_rank
  FROM versions
  WHERE NOT is_delete AND created_at IS NOT NULL
),
winners AS (
  SELECT r.order_id, r.version_key
  FROM ranked r
  LEFT JOIN tombstones t ON t.order_id = r.order_id
  WHERE r.version_rank = 1 AND t.order_id IS NULL
),
latest AS (
  SELECT v.*
  FROM versions v
  JOIN winners w ON w.order_id = v.order_id AND w.version_key = v.version_key
  WHERE NOT v.is_delete
),
-- The winning webhook bodies only, with their array lengths computed once: the joins with
-- `numbers` below then touch a few rows per order instead of parsing JSON per candidate index.
latest_raw AS (
  SELECT
    order_id,
    payload,
    COALESCE(raw_line_item_count, 0) AS line_item_slots,
    COALESCE(json_array_length(json_extract(payload, '$.fulfillments')), 0) AS fulfillment_slots
  FROM latest
  WHERE payload IS NOT NULL
),
raw_line_aggregates AS (
  SELECT
    l.order_id,
    COUNT(*) AS line_item_count,
    SUM(COALESCE(try(CAST(json_extract_scalar(l.payload, concat('$.line_items[', CAST(n.i AS VARCHAR), '].quantity')) AS BIGINT)), 0)) AS total_quantity
  FROM latest_raw l
  JOIN numbers n ON n.i < l.line_item_slots
  GROUP BY l.order_id
),
snapshot_line_aggregates AS (
  SELECT li.order_id, li.run_id, COUNT(*) AS line_item_count, SUM(COALESCE(CAST(li.quantity AS BIGINT), 0)) AS total_quantity
  FROM snapshot_line_items li
  GROUP BY li.order_id, li.run_id
),
refund_aggregates AS (
  SELECT
    order_id,
    COUNT(*) AS refund_count,
    SUM(returns_amount) AS returns_amount,
    SUM(refunded_shipping_amount) AS refunded_shipping_amount,
    SUM(refunded_tax_amount) AS refunded_tax_amount,
    SUM(refunded_amount) AS refund_amount,
    MAX(refunded_at) AS last_refunded_at
  FROM order_refund_facts
  GROUP BY order_id
),
transaction_aggregates AS (
  SELECT
    order_id,
    SUM(CASE WHEN kind IN ('sale', 'capture') AND status = 'success' THEN COALESCE(amount, CAST(0 AS DECIMAL(20, 4))) ELSE CAST(0 AS DECIMAL(20, 4)) END) AS captured_amount,
    SUM(CASE WHEN kind = 'refund' AND status = 'success' THEN COALESCE(amount, CAST(0 AS DECIMAL(20, 4))) ELSE CAST(0 AS DECIMAL(20, 4)) END) AS refunded_transaction_amount,
    SUM(CASE WHEN kind = 'authorization' AND status = 'success' THEN 1 ELSE 0 END) AS authorizations,
    SUM(CASE WHEN kind = 'void' AND status = 'success' THEN 1 ELSE 0 END) AS voids,
    SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pendings,
    SUM(CASE WHEN status IN ('failure', 'error') THEN 1 ELSE 0 END) AS failures
  FROM order_transaction_facts
  GROUP BY order_id
),
-- The gateway (and currency) of the latest successful sale or capture: what paid the order.
payments_ranked AS (
  SELECT
    order_id,
    gateway,
    currency,
    row_number() OVER (PARTITION BY order_id ORDER BY processed_at DESC NULLS LAST, transaction_id DESC) AS payment_rank
  FROM order_transaction_facts
  WHERE kind IN ('sale', 'capture') AND status = 'success'
),
latest_payments AS (
  SELECT order_id, gateway, currency FROM payments_ranked WHERE payment_rank = 1
),
raw_fulfilment_aggregates AS (
  SELECT
    l.order_id,
    MIN(try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(l.payload, concat('$.fulfillments[', CAST(n.i AS VARCHAR), '].created_at'))), 'UTC') AS TIMESTAMP))) AS first_fulfilled_at
  FROM latest_raw l
  JOIN numbers n ON n.i < l.fulfillment_slots
  GROUP BY l.order_id
),
recharge_linked_orders AS (
  SELECT DISTINCT concat('gid://shopify/Order/', shopify_order_id) AS order_id
  FROM (
    SELECT COALESCE(
      json_extract_scalar(payload, '$.charge.external_order_id.ecommerce'),
      json_extract_scalar(payload, '$.charge.shopify_order_id')
    ) AS shopify_order_id
    FROM raw_recharge_charges
  ) c
  WHERE shopify_order_id IS NOT NULL
),
enriched AS (
  SELECT
    l.order_id,
    l.order_number,
    l.order_name,
    l.customer_id,
    l.created_at,
    l.updated_at,
    l.processed_at,
    l.cancelled_at,
    l.currency,
    COALESCE(rla.line_item_count, sla.line_item_count, 0) AS line_item_count,
    COALESCE(rla.total_quantity, sla.total_quantity, 0) AS total_quantity,
    CAST(COALESCE(l.gross_amount, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS gross_amount,
    CAST(COALESCE(l.discount_amount, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS discount_amount,
    CAST(COALESCE(ra.refund_amount, l.refund_amount_reported, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS refund_amount,
    CAST(l.tax_amount AS DECIMAL(20, 4)) AS tax_amount,
    CAST(l.total_price AS DECIMAL(20, 4)) AS total_price,
    CAST(COALESCE(l.shipping_amount, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS shipping_amount,
    CAST(COALESCE(ra.returns_amount, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS returns_amount,
    CAST(COALESCE(ra.refunded_shipping_amount, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS refunded_shipping_amount,
    CAST(COALESCE(ra.refunded_tax_amount, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS refunded_tax_amount,
    COALESCE(ra.refund_count, 0) AS refund_count,
    ra.last_refunded_at,
    -- From the transactions when they show a payment, else the order's own financial_status.
    CASE
      WHEN ta.captured_amount > 0 AND ta.refunded_transaction_amount >= ta.captured_amount THEN 'refunded'
      WHEN ta.captured_amount > 0 AND ta.refunded_transaction_amount > 0 THEN 'partially_refunded'
      WHEN ta.captured_amount > 0 AND l.presentment_total IS NOT NULL AND ta.captured_amount < l.presentment_total THEN 'partially_paid'
      WHEN ta.captured_amount > 0 THEN 'paid'
      WHEN ta.voids > 0 THEN 'voided'
      WHEN ta.authorizations > 0 THEN 'authorized'
      WHEN ta.pendings > 0 THEN 'pending'
      WHEN ta.failures > 0 THEN 'failed'
      ELSE l.financial_status
    END AS payment_status,
    lp.gateway AS payment_gateway,
    lp.currency AS payment_currency,
    CAST(COALESCE(ta.captured_amount, CAST(0 AS DECIMAL(20, 4))) AS DECIMAL(20, 4)) AS captured_amount,
    l.is_test,
    l.financial_status,
    l.fulfillment_status,
    l.source_name,
    l.tags,
    l.checkout_token,
    l.cart_token,
    CASE WHEN l.gateway_names IS NOT NULL AND strpos(l.gateway_names, 'stripe') > 0 THEN TRUE ELSE FALSE END AS paid_with_stripe,
    CASE
      WHEN rlo.order_id IS NOT NULL THEN TRUE
      WHEN strpos(lower(COALESCE(l.tags, '')), 'subscription') > 0 THEN TRUE
      WHEN lower(COALESCE(l.source_name, '')) IN ('subscription_contract', 'subscription_contract_checkout_one', 'recharge') THEN TRUE
      ELSE FALSE
    END AS is_subscription,
    rfa.first_fulfilled_at,
    l.record_source
  FROM latest l
  LEFT JOIN raw_line_aggregates rla ON rla.order_id = l.order_id
  -- A bulk row's version_key is its run id (a webhook's is an object key, never a run id). Only
  -- equalities here: a filter on the outer side would turn the hash join into a nested loop.
  LEFT JOIN snapshot_line_aggregates sla ON sla.order_id = l.order_id AND sla.run_id = l.version_key
  LEFT JOIN refund_aggregates ra ON ra.order_id = l.order_id
  LEFT JOIN transaction_aggregates ta ON ta.order_id = l.order_id
  LEFT JOIN latest_payments lp ON lp.order_id = l.order_id
  LEFT JOIN raw_fulfilment_aggregates rfa ON rfa.order_id = l.order_id
  LEFT JOIN recharge_linked_orders rlo ON rlo.order_id = l.order_id
),
customer_orders AS (
  SELECT
    order_id,
    row_number() OVER (PARTITION BY customer_id ORDER BY created_at, order_id) AS customer_order_sequence,
    lag(created_at) OVER (PARTITION BY customer_id ORDER BY created_at, order_id) AS previous_order_at
  FROM enriched
  WHERE customer_id IS NOT NULL
),
sequenced AS (
  SELECT e.*, c.customer_order_sequence, c.previous_order_at
  FROM enriched e
  LEFT JOIN customer_orders c ON c.order_id = e.order_id
)
SELECT
  order_id,
  order_number,
  order_name,
  customer_id,
  created_at,
  updated_at,
  processed_at,
  cancelled_at,
  currency,
  CAST(line_item_count AS INTEGER) AS line_item_count,
  CAST(total_quantity AS INTEGER) AS total_quantity,
  gross_amount,
  discount_amount,
  refund_amount,
  CAST(gross_amount - discount_amount - refund_amount AS DECIMAL(20, 4)) AS net_amount,
  tax_amount,
  total_price,
  financial_status,
  fulfillment_status,
  source_name,
  tags,
  checkout_token,
  cart_token,
  paid_with_stripe,
  is_subscription,
  CAST(customer_order_sequence AS INTEGER) AS customer_order_sequence,
  CASE WHEN customer_order_sequence IS NULL THEN NULL WHEN customer_order_sequence = 1 THEN 'first' ELSE 'repeat' END AS customer_order_type,
  CAST(date_diff('day', CAST(at_timezone(with_timezone(previous_order_at, 'UTC'), '{{shop_timezone}}') AS DATE), CAST(at_timezone(with_timezone(created_at, 'UTC'), '{{shop_timezone}}') AS DATE)) AS INTEGER) AS days_since_previous_order,
  first_fulfilled_at,
  date_diff('second', created_at, first_fulfilled_at) AS seconds_to_fulfilment,
  shipping_amount,
  returns_amount,
  refunded_shipping_amount,
  refunded_tax_amount,
  CAST(gross_amount - discount_amount - returns_amount AS DECIMAL(20, 4)) AS net_sales,
  CAST(refund_count AS INTEGER) AS refund_count,
  last_refunded_at,
  payment_status,
  payment_gateway,
  payment_currency,
  captured_amount,
  is_test,
  record_source,
  -- The order's day in the shop's time zone ({{shop_timezone}}): the day Shopify's reports count the sale on.
  CAST(CAST(at_timezone(with_timezone(created_at, 'UTC'), '{{shop_timezone}}') AS DATE) AS VARCHAR) AS dt
FROM sequenced
