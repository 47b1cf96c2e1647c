-- title: Issues due in the next working days
-- answers: Which open issues fall due between now and the end of the Nth working day (default 3), per due date, queue and priority?
-- panel: table or bar chart (x = due_date, stacks = queue); pairs with issues-overdue
--
-- Working days follow the official PRC calendar, which is data the database does not hold, so the
-- caller computes the horizon: due_by is the Nth working day after today in Asia/Shanghai
-- (dashboards/queries.ts dueSoonParams, from pipelines/calendar). Counting weekdays in SQL would be
-- wrong around every holiday and 调休 weekend.
-- Issues due later today are included (due_at is the end of the due day, Shanghai time).
SELECT
    due_date,
    queue,
    priority,
    count() AS issues,
    uniqExact(customer_token) AS customers,
    countIf(deadline_provisional) AS provisional_deadlines
FROM verity.issues FINAL
WHERE status NOT IN ('resolved', 'withdrawn')
  AND due_at >= now()
  AND due_date <= {due_by:Date}
GROUP BY due_date, queue, priority
ORDER BY due_date, priority, queue
