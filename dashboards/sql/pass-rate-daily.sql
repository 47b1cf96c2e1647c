-- title: Pass rate per day, overall and by source
-- answers: What share of customer record versions passed every rule, per business day (Asia/Shanghai), for all sources together and for each upstream source?
-- panel: time series, one line per source_name ('(all sources)' is the overall line); y = pass_rate (0..1)
--
-- Each row of `records` is one change event's after-image, so this is a rate over record versions:
-- a customer corrected twice in a day counts twice, which is what "quality of what upstream sent
-- us" means. Deletes carry no record to validate and agents are not customers, so both are out.
-- Days are Shanghai days because deadlines and the stewards' working day are counted there.
-- FINAL collapses a record re-delivered after a crash (same event_id) into one version.
SELECT
    toDate(occurred_at, 'Asia/Shanghai') AS day,
    if(grouping(source) = 1, '(all sources)', source) AS source_name,
    count() AS record_versions,
    countIf(empty(failed_rules)) AS passed,
    record_versions - passed AS failed,
    round(passed / record_versions, 4) AS pass_rate
FROM verity.records FINAL
WHERE entity = 'customer'
  AND op != 'delete'
  AND occurred_at >= {from:DateTime64(3)}
  AND occurred_at < {to:DateTime64(3)}
GROUP BY GROUPING SETS ((day, source), (day))
ORDER BY day, grouping(source) DESC, source_name
