-- order_refunds: the refunds fact, one row per refund of an order in orders_enriched (deleted
-- orders' refunds go with them), dated by the refund: dt is the shop's local day (its time zone,
-- config shopTimezone) the refund was processed (processed_at, else created_at; the order's day when
-- a refund carries neither), order_dt the local day of its order. Money as in order_refund_facts: shop currency (`currency`), refunded_amount in
-- the transaction currency.
SELECT
  f.refund_id,
  f.order_id,
  o.order_number,
  o.currency,
  f.refunded_at,
  f.returns_amount,
  f.refunded_shipping_amount,
  f.refunded_tax_amount,
  CAST(f.returns_amount + f.refunded_shipping_amount + f.refunded_tax_amount AS DECIMAL(20, 4)) AS refund_total,
  f.refunded_amount,
  o.payment_currency,
  o.is_test,
  f.record_source,
  o.dt AS order_dt,
  COALESCE(f.refund_dt, o.dt) AS dt
FROM order_refund_facts f
JOIN orders_enriched o ON o.order_id = f.order_id
