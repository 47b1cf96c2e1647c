-- title: Open issue backlog by queue, priority and age
-- answers: How many issues are open right now in each queue and priority, how long have they been open, and how many of them are already overdue?
-- panel: stacked bar chart (x = queue, stacks = age_bucket) or table; filter by priority
--
-- Current state only: issues FINAL is the newest version of each issue, so there is no "as of"
-- parameter (a past date would mix today's states with yesterday's clock). Ages are calendar days
-- since opening; deadlines, which are in working days, are judged by due_at instead (overdue).
SELECT
    queue,
    priority,
    multiIf(
        age_hours < 24, '1: < 1 day',
        age_hours < 72, '2: 1-3 days',
        age_hours < 168, '3: 3-7 days',
        age_hours < 720, '4: 7-30 days',
        '5: > 30 days'
    ) AS age_bucket,
    count() AS open_issues,
    countIf(due_at < now()) AS overdue,
    uniqExact(customer_token) AS customers
FROM
(
    SELECT queue, priority, customer_token, due_at, dateDiff('hour', opened_at, now()) AS age_hours
    FROM verity.issues FINAL
    WHERE status NOT IN ('resolved', 'withdrawn')
)
GROUP BY queue, priority, age_bucket
ORDER BY queue, priority, age_bucket
