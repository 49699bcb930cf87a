-- shopify_refund_documents: every refund document a Shopify webhook carried, one row per
-- (refund, object): the body of a refunds/create webhook (raw/shopify/refunds/), and each element of
-- `refunds[]` in every orders/* webhook body (raw/shopify/orders/; every version, since a refund
-- never disappears from an order). `doc` is the REST Refund as JSON text (refund_line_items,
-- refund_shipping_lines, order_adjustments, transactions). order_refund_facts and
-- order_transaction_facts read it; it is a view (never stored).
--
-- Portable SQL (Trino/Athena dialect, etl/sql-allowlist.ts). A refund without an id inside an order
-- body is keyed by its position (`#<index>`), which is stable for an order's refunds.
WITH
digits AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS t (d)
),
numbers AS (
  SELECT a.d * 100 + b.d * 10 + c.d AS i FROM digits a CROSS JOIN digits b CROSS JOIN digits c
),
order_bodies AS (
  SELECT
    COALESCE(json_extract_scalar(payload, '$.admin_graphql_api_id'), concat('gid://shopify/Order/', json_extract_scalar(payload, '$.id'))) AS order_id,
    object_key,
    payload,
    COALESCE(json_array_length(json_extract(payload, '$.refunds')), 0) AS refund_slots
  FROM raw_shopify_orders
  WHERE json_extract_scalar(payload, '$.id') IS NOT NULL
),
documents AS (
  SELECT
    concat('gid://shopify/Order/', json_extract_scalar(payload, '$.order_id')) AS order_id,
    json_extract_scalar(payload, '$.id') AS refund_ref,
    'refund_webhook' AS record_source,
    1 AS source_rank,
    object_key AS version_key,
    payload AS doc
  FROM raw_shopify_refunds
  WHERE json_extract_scalar(payload, '$.id') IS NOT NULL AND json_extract_scalar(payload, '$.order_id') IS NOT NULL
  UNION ALL
  SELECT
    o.order_id,
    COALESCE(json_extract_scalar(o.payload, concat('$.refunds[', CAST(n.i AS VARCHAR), '].id')), concat('#', CAST(n.i AS VARCHAR))) AS refund_ref,
    'order_webhook' AS record_source,
    2 AS source_rank,
    o.object_key AS version_key,
    json_format(json_extract(o.payload, concat('$.refunds[', CAST(n.i AS VARCHAR), ']'))) AS doc
  FROM order_bodies o
  JOIN numbers n ON n.i < o.refund_slots
)
SELECT
  order_id,
  CASE WHEN substr(refund_ref, 1, 4) = 'gid:' THEN refund_ref ELSE concat('gid://shopify/Refund/', refund_ref) END AS refund_id,
  record_source,
  source_rank,
  version_key,
  doc
FROM documents
