-- subscription_orders: the orders flagged as subscription orders (Recharge charge linkage, a
-- "subscription" tag, or a subscription source), with whether each is the customer's first.
SELECT
  order_id,
  order_number,
  customer_id,
  created_at,
  currency,
  gross_amount,
  discount_amount,
  refund_amount,
  net_amount,
  customer_order_sequence,
  customer_order_type,
  days_since_previous_order,
  dt
FROM orders_enriched
WHERE is_subscription
