-- title: Cross-customer patterns by agent
-- answers: Which agents' customers carry the most active cross-customer findings right now (shared mobile or account, the agent's own contact reused, frequent mobile changes), by rule?
-- panel: table sorted by customers, or a bar gauge of the top agents; an agent high on agent-contact-reuse and shared-mobile together is the first to review
--
-- agent_token is the agent on the customer's policy as of the customer's latest event (a token:
-- the agents' ids are not in the analytics store). Customers without an agent are one row with
-- agent_token = ''. The current state (FINAL, active only), not a period.
SELECT
    agent_token,
    rule_id,
    count() AS customers,
    uniqExactIf(group_token, group_token != '') AS groups
FROM verity.active_findings FINAL
WHERE active
  AND rule_id IN ('shared-mobile', 'shared-bank-account', 'agent-contact-reuse', 'frequent-mobile-change')
GROUP BY agent_token, rule_id
ORDER BY customers DESC, agent_token, rule_id
LIMIT 200
