-- title: Findings by upstream source and rule
-- answers: Which upstream systems send the records that fail each rule in the period, in distinct customers?
-- panel: stacked bar chart (x = source, stacks = rule_id) or table; a source far above the others points at one system's input forms or interface
--
-- The source is the finding's own (the upstream system of the change event that produced it), so
-- no join is needed. Distinct customers, not findings, as in findings-by-rule-severity: one
-- customer re-sent ten times is one callback. uniqExact over ids, so re-delivered findings count once.
SELECT
    source,
    rule_id,
    uniqExact(customer_token) AS customers,
    uniqExact(finding_id) AS findings
FROM verity.findings
WHERE occurred_at >= {from:DateTime64(3)}
  AND occurred_at < {to:DateTime64(3)}
GROUP BY source, rule_id
ORDER BY source, customers DESC, rule_id
