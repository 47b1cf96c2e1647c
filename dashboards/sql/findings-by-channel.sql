-- title: Findings by sales channel and rule
-- answers: Through which sales channels (bancassurance, agency, online…) did the customers whose records fail each rule come, in the period, in distinct customers?
-- panel: stacked bar chart (x = channel_name, stacks = rule_id) or table
--
-- Findings carry no channel, so each finding takes the channel (policy.channel) of the very record
-- version (event_id) that produced it, as findings-by-province-rule does with the province. ANY
-- JOIN keeps one record row per event even before duplicates merge; the record side is limited to
-- the window so only the relevant partitions are read. A record without a policy channel shows as
-- '(none)'. Cross-customer patterns by channel, as of now, are in pattern-findings-by-channel.
SELECT
    if(r.channel = '', '(none)', r.channel) AS channel_name,
    f.rule_id AS rule_id,
    uniqExact(f.customer_token) AS customers
FROM verity.findings AS f
ANY LEFT JOIN
(
    SELECT event_id, channel
    FROM verity.records
    WHERE occurred_at >= {from:DateTime64(3)}
      AND occurred_at < {to:DateTime64(3)}
) AS r ON r.event_id = f.event_id
WHERE f.occurred_at >= {from:DateTime64(3)}
  AND f.occurred_at < {to:DateTime64(3)}
GROUP BY channel_name, rule_id
ORDER BY channel_name, customers DESC, rule_id
