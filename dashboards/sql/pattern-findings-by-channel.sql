-- title: Cross-customer patterns by channel and source
-- answers: Through which sales channels and upstream systems did the customers with active cross-customer findings come, by rule, right now?
-- panel: stacked bar chart per channel (stacks = rule_id), or table
--
-- channel (policy.channel) and source are the customer's as of their latest event. The current
-- state (FINAL, active only), not a period.
SELECT
    channel,
    source,
    rule_id,
    count() AS customers
FROM verity.active_findings FINAL
WHERE active
  AND rule_id IN ('shared-mobile', 'shared-bank-account', 'agent-contact-reuse', 'frequent-mobile-change')
GROUP BY channel, source, rule_id
ORDER BY channel, source, customers DESC, rule_id
