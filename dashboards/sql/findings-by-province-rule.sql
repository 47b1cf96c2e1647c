-- title: Findings by province and rule
-- answers: Where (province of the customer's address) do the findings of each rule concentrate, in distinct customers?
-- panel: heatmap or table (province x rule_id, value = customers); geomap once province shapes are provisioned
--
-- Findings carry no geography, so each finding takes the province of the very record version
-- (event_id) that produced it, not the customer's current address. ANY JOIN keeps one record row
-- per event even before duplicates are merged away. The record side is limited to the same window
-- (the finding's occurred_at is its event's time) so only the relevant partitions are read.
-- An address too incomplete to name a province is itself a finding; it shows as '(unknown)'.
SELECT
    if(r.province = '', '(unknown)', r.province) AS province_name,
    f.rule_id AS rule_id,
    uniqExact(f.customer_token) AS customers
FROM verity.findings AS f
ANY LEFT JOIN
(
    SELECT event_id, province
    FROM verity.records
    WHERE occurred_at >= {from:DateTime64(3)}
      AND occurred_at < {to:DateTime64(3)}
) AS r ON r.event_id = f.event_id
WHERE f.occurred_at >= {from:DateTime64(3)}
  AND f.occurred_at < {to:DateTime64(3)}
GROUP BY province_name, rule_id
ORDER BY customers DESC, province_name, rule_id
