-- title: Overdue open issues
-- answers: Which queues and priorities hold issues that are still open past their deadline, how many, and by how much?
-- panel: table with red thresholds (overdue_issues > 0); stat panel on sum(overdue_issues)
--
-- Overdue means due_at < now() and the issue still active: not resolved or withdrawn, so open,
-- claimed or in verification alike (a steward working on it does not stop the clock). due_at is the last millisecond of the due day
-- in Shanghai, so an issue due today is not overdue until midnight there. Days overdue are
-- calendar days, the way a supervisor reads "3 days late".
SELECT
    queue,
    priority,
    count() AS overdue_issues,
    uniqExact(customer_token) AS customers,
    min(due_at) AS oldest_due_at,
    max(dateDiff('day', due_date, toDate(now(), 'Asia/Shanghai'))) AS max_days_overdue,
    countIf(deadline_provisional) AS provisional_deadlines
FROM verity.issues FINAL
WHERE status NOT IN ('resolved', 'withdrawn')
  AND due_at < now()
GROUP BY queue, priority
ORDER BY priority, overdue_issues DESC, queue
