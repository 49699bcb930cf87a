-- The order-date partitions of orders_enriched that an incremental run for {{run_date}} rewrites:
-- the partitions of every order with a webhook received that day or the day before (a daily run
-- early in the morning still folds in the end of the previous day; deletes included, so their old
-- partition is rewritten without them), of every order a refunds/create or order_transactions/create
-- body received then names, of every order a Recharge charge received then links,
-- and of every other order of the customers involved (their sequence numbers and days since the
-- previous order can shift). Bulk exports are folded in by a full rebuild (the reconciliation run).
WITH
raw_versions AS (
  SELECT
    COALESCE(json_extract_scalar(payload, '$.admin_graphql_api_id'), concat('gid://shopify/Order/', json_extract_scalar(payload, '$.id'))) AS order_id,
    -- concat() with a NULL argument differs between engines (NULL vs skipped): guard it.
    CASE
      WHEN json_extract_scalar(payload, '$.customer.admin_graphql_api_id') IS NOT NULL THEN json_extract_scalar(payload, '$.customer.admin_graphql_api_id')
      WHEN json_extract_scalar(payload, '$.customer.id') IS NOT NULL THEN concat('gid://shopify/Customer/', json_extract_scalar(payload, '$.customer.id'))
      ELSE NULL
    END AS customer_id,
    try(CAST(at_timezone(from_iso8601_timestamp(json_extract_scalar(payload, '$.created_at')), 'UTC') AS TIMESTAMP)) AS created_at,
    dt AS received_dt
  FROM raw_shopify_orders
  WHERE json_extract_scalar(payload, '$.id') IS NOT NULL
),
all_versions AS (
  SELECT order_id, customer_id, created_at FROM raw_versions
  UNION ALL
  SELECT id AS order_id, customer_id, created_at AS created_at
  FROM snapshot_orders
  WHERE id IS NOT NULL
),
changed AS (
  SELECT order_id FROM raw_versions WHERE date_diff('day', try(CAST(received_dt AS DATE)), CAST('{{run_date}}' AS DATE)) BETWEEN 0 AND 1
  UNION
  -- A refund or a transaction received then changes its order's refund and payment columns.
  SELECT concat('gid://shopify/Order/', json_extract_scalar(payload, '$.order_id')) AS order_id
  FROM raw_shopify_refunds
  WHERE json_extract_scalar(payload, '$.order_id') IS NOT NULL AND date_diff('day', try(CAST(dt AS DATE)), CAST('{{run_date}}' AS DATE)) BETWEEN 0 AND 1
  UNION
  SELECT concat('gid://shopify/Order/', json_extract_scalar(payload, '$.order_id')) AS order_id
  FROM raw_shopify_order_transactions
  WHERE json_extract_scalar(payload, '$.order_id') IS NOT NULL AND date_diff('day', try(CAST(dt AS DATE)), CAST('{{run_date}}' AS DATE)) BETWEEN 0 AND 1
  UNION
  SELECT concat('gid://shopify/Order/', shopify_order_id) AS order_id
  FROM (
    SELECT COALESCE(
      json_extract_scalar(payload, '$.charge.external_order_id.ecommerce'),
      json_extract_scalar(payload, '$.charge.shopify_order_id')
    ) AS shopify_order_id
    FROM raw_recharge_charges
    WHERE date_diff('day', try(CAST(dt AS DATE)), CAST('{{run_date}}' AS DATE)) BETWEEN 0 AND 1
  ) c
  WHERE shopify_order_id IS NOT NULL
),
affected_customers AS (
  SELECT DISTINCT v.customer_id
  FROM all_versions v
  JOIN changed c ON c.order_id = v.order_id
  WHERE v.customer_id IS NOT NULL
),
affected_orders AS (
  SELECT order_id FROM changed
  UNION
  SELECT v.order_id FROM all_versions v JOIN affected_customers ac ON ac.customer_id = v.customer_id
)
-- Partitions are the orders' days in the shop's time zone, as orders_enriched.sql computes dt.
SELECT DISTINCT CAST(CAST(at_timezone(with_timezone(v.created_at, 'UTC'), '{{shop_timezone}}') AS DATE) AS VARCHAR) AS dt
FROM all_versions v
JOIN affected_orders a ON a.order_id = v.order_id
WHERE v.created_at IS NOT NULL
ORDER BY dt
