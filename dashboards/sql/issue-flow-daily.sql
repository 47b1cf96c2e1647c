-- title: Issue flow per day
-- answers: How many issues were opened, resolved and withdrawn each day per queue, and is the backlog growing or shrinking?
-- panel: time series or stacked bars (opened up, resolved + withdrawn down), one panel per queue via repeat
--
-- Read from the audit trail (issue_events), not from issues: issues FINAL keeps only the newest
-- state and forgets when an issue was opened if it has since been resolved. Days are Shanghai days
-- of the triggering event's time, so a replay puts each change on the same day again.
SELECT
    toDate(occurred_at, 'Asia/Shanghai') AS day,
    queue,
    countIf(change = 'opened') AS opened,
    countIf(change = 'resolved') AS resolved,
    countIf(change = 'withdrawn') AS withdrawn,
    toInt64(opened) - resolved - withdrawn AS net_change
FROM verity.issue_events FINAL
WHERE occurred_at >= {from:DateTime64(3)}
  AND occurred_at < {to:DateTime64(3)}
GROUP BY day, queue
ORDER BY day, queue
