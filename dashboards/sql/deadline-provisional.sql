-- title: Provisional deadlines (calendar data missing)
-- answers: How many issues have a deadline counted over days without a published PRC holiday schedule, i.e. with a weekday guess that may be wrong?
-- panel: stat, RED whenever open_provisional > 0, with status_message as the panel text; never hide it
--
-- The State Council publishes each year's holidays and 调休 weekends late in the previous year;
-- until the calendar data carries them, deadlines across the year boundary fall back to
-- Monday-Friday and are flagged deadline_provisional. A wrong deadline silently breaks the SLA
-- and the regulator's T+3, so this query always returns exactly one row (an aggregate without
-- GROUP BY): a stat panel shows 0, never "No data" that could be mistaken for all clear.
SELECT
    countIf(status NOT IN ('resolved', 'withdrawn')) AS open_provisional,
    countIf(status = 'resolved') AS resolved_provisional,
    minIfOrNull(due_date, status NOT IN ('resolved', 'withdrawn')) AS earliest_due,
    maxIfOrNull(due_date, status NOT IN ('resolved', 'withdrawn')) AS latest_due,
    arraySort(groupUniqArrayIf(queue, status NOT IN ('resolved', 'withdrawn'))) AS queues,
    if(
        open_provisional = 0,
        'OK: every open deadline is counted on the published PRC holiday calendar',
        concat(
            'CALENDAR DATA MISSING: ', toString(open_provisional),
            ' open issue(s) have provisional deadlines (weekday fallback, due ',
            toString(earliest_due), ' .. ', toString(latest_due),
            '). Update the holiday calendar data and recompute the deadlines.'
        )
    ) AS status_message
FROM verity.issues FINAL
WHERE deadline_provisional
