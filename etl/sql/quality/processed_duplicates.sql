-- Orders that appear more than once in orders_enriched (across all partitions): the transform
-- keeps one row per order, so any row here is a bug or a half-finished partition rewrite.
SELECT order_id, COUNT(*) AS copies
FROM orders_enriched
GROUP BY order_id
HAVING COUNT(*) > 1
ORDER BY order_id
