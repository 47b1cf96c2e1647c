-- title: Findings by rule and severity
-- answers: Which rules find the most customers in the period, at which severity, and how many of those findings opened an issue for a steward?
-- panel: bar gauge or table, one row per (rule_id, severity), sorted by severity then customers
--
-- Counted in distinct customers, not findings: one customer re-sent ten times with the same bad
-- mobile is one customer to call back. uniqExact over ids instead of FINAL: duplicates of a
-- finding cannot inflate distinct counts, and the scan stays cheap on the largest table.
-- A finding below its rule's minSeverity opens no issue (issue_id = ''), hence customers_with_issue.
SELECT
    rule_id,
    severity,
    uniqExact(customer_token) AS customers,
    uniqExact(finding_id) AS findings,
    uniqExactIf(customer_token, issue_id != '') AS customers_with_issue
FROM verity.findings
WHERE occurred_at >= {from:DateTime64(3)}
  AND occurred_at < {to:DateTime64(3)}
GROUP BY rule_id, severity
ORDER BY severity DESC, customers DESC, rule_id
