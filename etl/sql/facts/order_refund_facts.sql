-- order_refund_facts: one row per refund of a Shopify order, dated by the refund (not the order),
-- with its amounts split the way Shopify's sales reports split a return. Every source of a refund
-- competes per (order, refund): a refunds/create body first, then the copy inside the newest
-- orders/* body, then the bulk export's newest run.
--
-- Money is the shop's (shop_money of each *_set; the plain REST fields are shop money too), so
-- it adds up with the order's gross, discounts, shipping and taxes; `refunded_amount` is the
-- money returned by successful refund transactions, in the transaction (presentment) currency.
--
-- Amount rules (REST Refund; bulk rows have the same fields in shop money; a bulk refund with
-- only its total counts that total, less any shipping it names, as returns):
--   returns_amount           = sum(refund_line_items.subtotal) - sum(order_adjustments.amount, kind <> shipping_refund)
--   refunded_shipping_amount = sum(refund_shipping_lines.subtotal_amount) - sum(order_adjustments.amount, kind = shipping_refund)
--   refunded_tax_amount      = sum(refund_line_items.total_tax) + sum(refund_shipping_lines.tax_amount) - sum(order_adjustments.tax_amount)
-- Order adjustments are signed as Shopify signs them: a refund of more than the calculated amount
-- (for example an amount-only refund) has a negative refund_discrepancy, and a shipping refund
-- before API 2024-10 a negative shipping_refund, so subtracting them adds what was returned.
WITH
digits AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS t (d)
),
numbers AS (
  SELECT a.d * 100 + b.d * 10 + c.d AS i FROM digits a CROSS JOIN digits b CROSS JOIN digits c
),
documents AS (
  SELECT
    order_id,
    refund_id,
    record_source,
    source_rank,
    version_key,
    doc,
    try(CAST(at_timezone(from_iso8601_timestamp(COALESCE(json_extract_scalar(doc, '$.processed_at'), json_extract_scalar(doc, '$.created_at'))), 'UTC') AS TIMESTAMP)) AS refunded_at,
    COALESCE(json_array_length(json_extract(doc, '$.refund_line_items')), 0) AS line_slots,
    COALESCE(json_array_length(json_extract(doc, '$.refund_shipping_lines')), 0) AS shipping_slots,
    COALESCE(json_array_length(json_extract(doc, '$.order_adjustments')), 0) AS adjustment_slots,
    COALESCE(json_array_length(json_extract(doc, '$.transactions')), 0) AS transaction_slots
  FROM shopify_refund_documents
),
document_lines AS (
  SELECT
    d.order_id,
    d.refund_id,
    d.version_key,
    SUM(COALESCE(
      try(CAST(json_extract_scalar(d.doc, concat('$.refund_line_items[', CAST(n.i AS VARCHAR), '].subtotal_set.shop_money.amount')) AS DECIMAL(20, 4))),
      try(CAST(json_extract_scalar(d.doc, concat('$.refund_line_items[', CAST(n.i AS VARCHAR), '].subtotal')) AS DECIMAL(20, 4))),
      CAST(0 AS DECIMAL(20, 4))
    )) AS line_subtotal,
    SUM(COALESCE(
      try(CAST(json_extract_scalar(d.doc, concat('$.refund_line_items[', CAST(n.i AS VARCHAR), '].total_tax_set.shop_money.amount')) AS DECIMAL(20, 4))),
      try(CAST(json_extract_scalar(d.doc, concat('$.refund_line_items[', CAST(n.i AS VARCHAR), '].total_tax')) AS DECIMAL(20, 4))),
      CAST(0 AS DECIMAL(20, 4))
    )) AS line_tax
  FROM documents d
  JOIN numbers n ON n.i < d.line_slots
  GROUP BY d.order_id, d.refund_id, d.version_key
),
document_shipping AS (
  SELECT
    d.order_id,
    d.refund_id,
    d.version_key,
    SUM(COALESCE(
      try(CAST(json_extract_scalar(d.doc, concat('$.refund_shipping_lines[', CAST(n.i AS VARCHAR), '].subtotal_amount_set.shop_money.amount')) AS DECIMAL(20, 4))),
      CAST(0 AS DECIMAL(20, 4))
    )) AS shipping_subtotal,
    SUM(COALESCE(
      try(CAST(json_extract_scalar(d.doc, concat('$.refund_shipping_lines[', CAST(n.i AS VARCHAR), '].tax_amount_set.shop_money.amount')) AS DECIMAL(20, 4))),
      CAST(0 AS DECIMAL(20, 4))
    )) AS shipping_tax
  FROM documents d
  JOIN numbers n ON n.i < d.shipping_slots
  GROUP BY d.order_id, d.refund_id, d.version_key
),
document_adjustment_rows AS (
  SELECT
    d.order_id,
    d.refund_id,
    d.version_key,
    lower(COALESCE(json_extract_scalar(d.doc, concat('$.order_adjustments[', CAST(n.i AS VARCHAR), '].kind')), 'refund_discrepancy')) AS kind,
    COALESCE(
      try(CAST(json_extract_scalar(d.doc, concat('$.order_adjustments[', CAST(n.i AS VARCHAR), '].amount_set.shop_money.amount')) AS DECIMAL(20, 4))),
      try(CAST(json_extract_scalar(d.doc, concat('$.order_adjustments[', CAST(n.i AS VARCHAR), '].amount')) AS DECIMAL(20, 4))),
      CAST(0 AS DECIMAL(20, 4))
    ) AS amount,
    COALESCE(
      try(CAST(json_extract_scalar(d.doc, concat('$.order_adjustments[', CAST(n.i AS VARCHAR), '].tax_amount_set.shop_money.amount')) AS DECIMAL(20, 4))),
      try(CAST(json_extract_scalar(d.doc, concat('$.order_adjustments[', CAST(n.i AS VARCHAR), '].tax_amount')) AS DECIMAL(20, 4))),
      CAST(0 AS DECIMAL(20, 4))
    ) AS tax_amount
  FROM documents d
  JOIN numbers n ON n.i < d.adjustment_slots
),
document_adjustments AS (
  SELECT
    order_id,
    refund_id,
    version_key,
    SUM(CASE WHEN kind = 'shipping_refund' THEN amount ELSE CAST(0 AS DECIMAL(20, 4)) END) AS shipping_adjustment,
    SUM(CASE WHEN kind = 'shipping_refund' THEN CAST(0 AS DECIMAL(20, 4)) ELSE amount END) AS returns_adjustment,
    SUM(tax_amount) AS adjustment_tax
  FROM document_adjustment_rows
  GROUP BY order_id, refund_id, version_key
),
document_transactions AS (
  SELECT
    d.order_id,
    d.refund_id,
    d.version_key,
    SUM(COALESCE(try(CAST(json_extract_scalar(d.doc, concat('$.transactions[', CAST(n.i AS VARCHAR), '].amount')) AS DECIMAL(20, 4))), CAST(0 AS DECIMAL(20, 4)))) AS refunded_amount
  FROM documents d
  JOIN numbers n ON n.i < d.transaction_slots
  WHERE COALESCE(lower(json_extract_scalar(d.doc, concat('$.transactions[', CAST(n.i AS VARCHAR), '].kind'))), 'refund') = 'refund'
    AND COALESCE(lower(json_extract_scalar(d.doc, concat('$.transactions[', CAST(n.i AS VARCHAR), '].status'))), 'success') = 'success'
  GROUP BY d.order_id, d.refund_id, d.version_key
),
webhook_versions AS (
  SELECT
    d.order_id,
    d.refund_id,
    d.record_source,
    d.source_rank,
    d.version_key,
    d.refunded_at,
    COALESCE(l.line_subtotal, CAST(0 AS DECIMAL(20, 4))) AS line_subtotal,
    COALESCE(l.line_tax, CAST(0 AS DECIMAL(20, 4))) AS line_tax,
    COALESCE(s.shipping_subtotal, CAST(0 AS DECIMAL(20, 4))) AS shipping_subtotal,
    COALESCE(s.shipping_tax, CAST(0 AS DECIMAL(20, 4))) AS shipping_tax,
    COALESCE(a.shipping_adjustment, CAST(0 AS DECIMAL(20, 4))) AS shipping_adjustment,
    COALESCE(a.returns_adjustment, CAST(0 AS DECIMAL(20, 4))) AS returns_adjustment,
    COALESCE(a.adjustment_tax, CAST(0 AS DECIMAL(20, 4))) AS adjustment_tax,
    COALESCE(t.refunded_amount, CAST(0 AS DECIMAL(20, 4))) AS refunded_amount
  FROM documents d
  LEFT JOIN document_lines l ON l.order_id = d.order_id AND l.refund_id = d.refund_id AND l.version_key = d.version_key
  LEFT JOIN document_shipping s ON s.order_id = d.order_id AND s.refund_id = d.refund_id AND s.version_key = d.version_key
  LEFT JOIN document_adjustments a ON a.order_id = d.order_id AND a.refund_id = d.refund_id AND a.version_key = d.version_key
  LEFT JOIN document_transactions t ON t.order_id = d.order_id AND t.refund_id = d.refund_id AND t.version_key = d.version_key
),
snapshot_lines AS (
  SELECT refund_id, run_id, SUM(COALESCE(subtotal, CAST(0 AS DECIMAL(20, 4)))) AS line_subtotal, SUM(COALESCE(total_tax, CAST(0 AS DECIMAL(20, 4)))) AS line_tax
  FROM snapshot_refund_line_items
  GROUP BY refund_id, run_id
),
snapshot_adjustments AS (
  SELECT
    refund_id,
    run_id,
    SUM(CASE WHEN lower(COALESCE(kind, '')) = 'shipping_refund' THEN COALESCE(amount, CAST(0 AS DECIMAL(20, 4))) ELSE CAST(0 AS DECIMAL(20, 4)) END) AS shipping_adjustment,
    SUM(CASE WHEN lower(COALESCE(kind, '')) = 'shipping_refund' THEN CAST(0 AS DECIMAL(20, 4)) ELSE COALESCE(amount, CAST(0 AS DECIMAL(20, 4))) END) AS returns_adjustment,
    SUM(COALESCE(tax_amount, CAST(0 AS DECIMAL(20, 4)))) AS adjustment_tax
  FROM snapshot_order_adjustments
  GROUP BY refund_id, run_id
),
snapshot_versions AS (
  SELECT
    r.order_id,
    r.id AS refund_id,
    'bulk' AS record_source,
    3 AS source_rank,
    r.run_id AS version_key,
    COALESCE(r.processed_at, r.created_at) AS refunded_at,
    -- A bulk refund without line item or adjustment rows (the export may carry only the refund's
    -- total): what is not shipping counts as returns, so total sales still add up.
    CASE
      WHEN l.refund_id IS NULL AND a.refund_id IS NULL
        THEN COALESCE(r.total_refunded, CAST(0 AS DECIMAL(20, 4))) - COALESCE(r.refunded_shipping, CAST(0 AS DECIMAL(20, 4))) - COALESCE(r.refunded_shipping_tax, CAST(0 AS DECIMAL(20, 4)))
      ELSE COALESCE(l.line_subtotal, CAST(0 AS DECIMAL(20, 4)))
    END AS line_subtotal,
    COALESCE(l.line_tax, CAST(0 AS DECIMAL(20, 4))) AS line_tax,
    COALESCE(r.refunded_shipping, CAST(0 AS DECIMAL(20, 4))) AS shipping_subtotal,
    COALESCE(r.refunded_shipping_tax, CAST(0 AS DECIMAL(20, 4))) AS shipping_tax,
    COALESCE(a.shipping_adjustment, CAST(0 AS DECIMAL(20, 4))) AS shipping_adjustment,
    COALESCE(a.returns_adjustment, CAST(0 AS DECIMAL(20, 4))) AS returns_adjustment,
    COALESCE(a.adjustment_tax, CAST(0 AS DECIMAL(20, 4))) AS adjustment_tax,
    COALESCE(r.total_refunded, CAST(0 AS DECIMAL(20, 4))) AS refunded_amount
  FROM snapshot_refunds r
  LEFT JOIN snapshot_lines l ON l.refund_id = r.id AND l.run_id = r.run_id
  LEFT JOIN snapshot_adjustments a ON a.refund_id = r.id AND a.run_id = r.run_id
  WHERE r.id IS NOT NULL AND r.order_id IS NOT NULL
),
versions AS (
  SELECT * FROM webhook_versions
  UNION ALL
  SELECT * FROM snapshot_versions
),
ranked AS (
  SELECT v.*, row_number() OVER (PARTITION BY order_id, refund_id ORDER BY source_rank ASC, version_key DESC) AS version_rank
  FROM versions v
)
SELECT
  order_id,
  refund_id,
  refunded_at,
  -- The shop's local day of the refund (its time zone, {{shop_timezone}}), as Shopify's reports date a return.
  CAST(CAST(at_timezone(with_timezone(refunded_at, 'UTC'), '{{shop_timezone}}') AS DATE) AS VARCHAR) AS refund_dt,
  CAST(line_subtotal - returns_adjustment AS DECIMAL(20, 4)) AS returns_amount,
  CAST(shipping_subtotal - shipping_adjustment AS DECIMAL(20, 4)) AS refunded_shipping_amount,
  CAST(line_tax + shipping_tax - adjustment_tax AS DECIMAL(20, 4)) AS refunded_tax_amount,
  CAST(refunded_amount AS DECIMAL(20, 4)) AS refunded_amount,
  record_source
FROM ranked
WHERE version_rank = 1
