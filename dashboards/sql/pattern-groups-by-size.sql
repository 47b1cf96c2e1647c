-- title: Shared mobiles and accounts: groups by size
-- answers: How many distinct mobiles and own bank accounts are shared by 2, 3, 4… customers right now, and how many customers sit in groups of each size?
-- panel: bar chart per rule (x = group_size, bars = groups), or table; a long tail of large groups points at an agent or a channel writing one number into many records
--
-- The current state, not a period: active_findings mirrors the operational store's active
-- findings, one row per (rule, customer) at its latest version (FINAL), and a cleared finding
-- stays with active = 0. group_token is the keyed token of the shared value, never the value, so a
-- group can be counted and followed but not read.
SELECT
    rule_id,
    group_size,
    uniqExact(group_token) AS groups,
    count() AS customers
FROM verity.active_findings FINAL
WHERE active
  AND rule_id IN ('shared-mobile', 'shared-bank-account')
GROUP BY rule_id, group_size
ORDER BY rule_id, group_size DESC
