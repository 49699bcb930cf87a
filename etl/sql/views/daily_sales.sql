-- daily_sales: Shopify's sales measures by day and currency, defined as its sales and finance
-- reports define them (docs/data-dictionary.md cites the pages):
--   a sale counts on the day of its order: gross sales (line price x quantity), discounts, shipping
--   charges and taxes; a return counts on the day of its refund: returns (value of the goods
--   returned), refunded shipping and refunded taxes reduce shipping and taxes that day.
--   net_sales   = gross_sales - discounts - returns
--   total_sales = net_sales + shipping + taxes
-- Discounts and returns are positive amounts here (Shopify shows them as negatives). Money is the
-- shop's (shop_money), so `currency` is the shop currency; an order paid in another presentment
-- currency is counted in shop money. Days are the shop's local days: dt is the order's or the
-- refund's date in the shop's time zone (Shopify's `Shop.ianaTimezone`, config shopTimezone;
-- computed by orders_enriched.sql and order_refund_facts.sql), as Shopify's reports count them.
-- Test orders are left out, as Shopify's reports leave them out; deleted orders are gone from orders_enriched; cancelled orders count as a sale on
-- their day and as returns on the day of the refund their cancellation made.
WITH
movements AS (
  SELECT
    o.dt,
    o.currency,
    1 AS orders,
    o.gross_amount AS gross_sales,
    o.discount_amount AS discounts,
    CAST(0 AS DECIMAL(20, 4)) AS returns,
    o.shipping_amount AS shipping,
    COALESCE(o.tax_amount, CAST(0 AS DECIMAL(20, 4))) AS taxes,
    0 AS refunds
  FROM orders_enriched o
  WHERE NOT o.is_test
  UNION ALL
  SELECT
    COALESCE(f.refund_dt, o.dt) AS dt,
    o.currency,
    0 AS orders,
    CAST(0 AS DECIMAL(20, 4)) AS gross_sales,
    CAST(0 AS DECIMAL(20, 4)) AS discounts,
    f.returns_amount AS returns,
    CAST(0 AS DECIMAL(20, 4)) - f.refunded_shipping_amount AS shipping,
    CAST(0 AS DECIMAL(20, 4)) - f.refunded_tax_amount AS taxes,
    1 AS refunds
  FROM order_refund_facts f
  JOIN orders_enriched o ON o.order_id = f.order_id
  WHERE NOT o.is_test
),
days AS (
  SELECT
    dt,
    currency,
    SUM(orders) AS orders,
    SUM(refunds) AS refunds,
    SUM(gross_sales) AS gross_sales,
    SUM(discounts) AS discounts,
    SUM(returns) AS returns,
    SUM(shipping) AS shipping,
    SUM(taxes) AS taxes
  FROM movements
  GROUP BY dt, currency
)
SELECT
  dt,
  currency,
  CAST(orders AS BIGINT) AS orders,
  CAST(refunds AS BIGINT) AS refunds,
  CAST(gross_sales AS DECIMAL(20, 4)) AS gross_sales,
  CAST(discounts AS DECIMAL(20, 4)) AS discounts,
  CAST(returns AS DECIMAL(20, 4)) AS returns,
  CAST(gross_sales - discounts - returns AS DECIMAL(20, 4)) AS net_sales,
  CAST(shipping AS DECIMAL(20, 4)) AS shipping,
  CAST(taxes AS DECIMAL(20, 4)) AS taxes,
  CAST(gross_sales - discounts - returns + shipping + taxes AS DECIMAL(20, 4)) AS total_sales
FROM days
