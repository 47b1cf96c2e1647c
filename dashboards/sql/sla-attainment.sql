-- title: SLA attainment by queue
-- answers: Of the issues that fell due in the period, what share was closed on or before its deadline, per queue and overall?
-- panel: bar gauge per queue_name (0..1, thresholds e.g. 0.95 green / 0.8 amber), '(all queues)' as a stat
--
-- Window is on due_at: an issue belongs to the period its deadline falls in, whenever it opened.
-- Closed = status 'resolved'. Today the pipeline closes an issue only when upstream sends a
-- corrected record (resolution 'corrected-upstream') or deletes the customer; steward outcomes
-- (confirmed, corrected, false positive) arrive with a later issue and will count here unchanged.
-- A resolved issue receives no further changes, so updated_at is when it was closed.
-- Open issues already past due are breaches too: leaving them out would reward not closing at all.
-- Open issues not yet due are shown but not judged; withdrawn issues (rule retired) are neither.
SELECT
    if(grouping(queue) = 1, '(all queues)', queue) AS queue_name,
    countIf(status = 'resolved' AND updated_at <= due_at) AS closed_on_time,
    countIf(status = 'resolved' AND updated_at > due_at) AS closed_late,
    countIf(status NOT IN ('resolved', 'withdrawn') AND due_at < now()) AS open_overdue,
    countIf(status NOT IN ('resolved', 'withdrawn') AND due_at >= now()) AS open_not_yet_due,
    closed_on_time + closed_late + open_overdue AS judged,
    if(judged = 0, NULL, round(closed_on_time / judged, 4)) AS attainment,
    countIf(deadline_provisional) AS provisional_deadlines
FROM verity.issues FINAL
WHERE status != 'withdrawn'
  AND due_at >= {from:DateTime64(3)}
  AND due_at < {to:DateTime64(3)}
GROUP BY GROUPING SETS ((queue), ())
ORDER BY grouping(queue), queue_name
