-- title: Dead letters by reason and source per day
-- answers: How many messages could not be read as change events each day, why (reason_code), and from which topic or file?
-- panel: stacked bar chart per day (stacks = reason_code) or table; a sudden bar means an upstream release broke the contract
--
-- A dead letter never reached the contract, so its upstream system is unknown: "source" here is
-- where it was read from (Kafka topic or input file). The payload itself is not in ClickHouse,
-- only its size and SHA-256, so nothing personal can leak through this panel.
SELECT
    toDate(first_seen_at, 'Asia/Shanghai') AS day,
    reason_code,
    source_kind,
    if(source_kind = 'kafka', topic, file) AS origin,
    count() AS dead_letters,
    sum(size_bytes) AS bytes
FROM verity.dead_letters FINAL
WHERE first_seen_at >= {from:DateTime64(3)}
  AND first_seen_at < {to:DateTime64(3)}
GROUP BY day, reason_code, source_kind, origin
ORDER BY day, dead_letters DESC, reason_code, origin
