-- order_transaction_facts: one row per payment transaction of a Shopify order (sale, capture,
-- authorization, refund, void, ...), from every place a transaction is seen: order_transactions/create
-- bodies (raw/shopify/order_transactions/), `transactions[]` of orders/* bodies, `transactions[]` of
-- every refund document (shopify_refund_documents) and the bulk export. A transaction is immutable
-- (a capture or a refund is a new transaction), so the versions of one id only differ in the fields
-- they carry: the webhook body of its own topic wins, then an order body, then a refund's copy, then
-- the newest bulk run. A transaction without an id (only inside a refund) is keyed by its place.
--
-- amount is in the transaction currency (`currency`, the presentment currency of a multi-currency
-- order), kind and status lower case.
WITH
digits AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS t (d)
),
numbers AS (
  SELECT a.d * 100 + b.d * 10 + c.d AS i FROM digits a CROSS JOIN digits b CROSS JOIN digits c
),
documents AS (
  SELECT
    concat('gid://shopify/Order/', json_extract_scalar(payload, '$.order_id')) AS order_id,
    'order_transactions' AS place,
    1 AS source_rank,
    object_key AS version_key,
    payload AS doc
  FROM raw_shopify_order_transactions
  WHERE json_extract_scalar(payload, '$.id') IS NOT NULL AND json_extract_scalar(payload, '$.order_id') IS NOT NULL
),
order_bodies AS (
  SELECT
    COALESCE(json_extract_scalar(payload, '$.admin_graphql_api_id'), concat('gid://shopify/Order/', json_extract_scalar(payload, '$.id'))) AS order_id,
    object_key,
    payload,
    COALESCE(json_array_length(json_extract(payload, '$.transactions')), 0) AS transaction_slots
  FROM raw_shopify_orders
  WHERE json_extract_scalar(payload, '$.id') IS NOT NULL
),
refund_documents AS (
  SELECT order_id, refund_id, version_key, doc, COALESCE(json_array_length(json_extract(doc, '$.transactions')), 0) AS transaction_slots
  FROM shopify_refund_documents
),
elements AS (
  SELECT order_id, CAST(NULL AS VARCHAR) AS fallback_key, source_rank, version_key, doc FROM documents
  UNION ALL
  SELECT
    o.order_id,
    concat(o.order_id, '/transactions/', CAST(n.i AS VARCHAR)) AS fallback_key,
    2 AS source_rank,
    o.object_key AS version_key,
    json_format(json_extract(o.payload, concat('$.transactions[', CAST(n.i AS VARCHAR), ']'))) AS doc
  FROM order_bodies o
  JOIN numbers n ON n.i < o.transaction_slots
  UNION ALL
  SELECT
    r.order_id,
    concat(r.refund_id, '/transactions/', CAST(n.i AS VARCHAR)) AS fallback_key,
    3 AS source_rank,
    r.version_key,
    json_format(json_extract(r.doc, concat('$.transactions[', CAST(n.i AS VARCHAR), ']'))) AS doc
  FROM refund_documents r
  JOIN numbers n ON n.i < r.transaction_slots
),
webhook_versions AS (
  SELECT
    order_id,
    CASE
      WHEN json_extract_scalar(doc, '$.admin_graphql_api_id') IS NOT NULL THEN json_extract_scalar(doc, '$.admin_graphql_api_id')
      WHEN json_extract_scalar(doc, '$.id') IS NOT NULL THEN concat('gid://shopify/OrderTransaction/', json_extract_scalar(doc, '$.id'))
      ELSE fallback_key
    END AS transaction_id,
    lower(json_extract_scalar(doc, '$.kind')) AS kind,
    lower(json_extract_scalar(doc, '$.status')) AS status,
    json_extract_scalar(doc, '$.gateway') AS gateway,
    try(CAST(json_extract_scalar(doc, '$.amount') AS DECIMAL(20, 4))) AS amount,
    upper(json_extract_scalar(doc, '$.currency')) AS currency,
    try(CAST(at_timezone(from_iso8601_timestamp(COALESCE(json_extract_scalar(doc, '$.processed_at'), json_extract_scalar(doc, '$.created_at'))), 'UTC') AS TIMESTAMP)) AS processed_at,
    source_rank,
    version_key
  FROM elements
),
snapshot_versions AS (
  SELECT
    order_id,
    id AS transaction_id,
    lower(kind) AS kind,
    lower(status) AS status,
    gateway,
    CAST(amount AS DECIMAL(20, 4)) AS amount,
    upper(currency) AS currency,
    COALESCE(processed_at, created_at) AS processed_at,
    4 AS source_rank,
    run_id AS version_key
  FROM snapshot_order_transactions
  WHERE id IS NOT NULL AND order_id IS NOT NULL
),
versions AS (
  SELECT * FROM webhook_versions
  UNION ALL
  SELECT * FROM snapshot_versions
),
ranked AS (
  SELECT v.*, row_number() OVER (PARTITION BY order_id, transaction_id ORDER BY source_rank ASC, version_key DESC) AS version_rank
  FROM versions v
  WHERE transaction_id IS NOT NULL
)
SELECT order_id, transaction_id, kind, status, gateway, amount, currency, processed_at
FROM ranked
WHERE version_rank = 1
