-- title: Secrecy level of customers with findings
-- answers: How are the customers with findings spread over the secrecy levels 秘密 / 机密 / 绝密, and what share of each level's customers has findings?
-- panel: pie chart (value = customers_with_findings) plus a table with finding_rate per level
--
-- Secrecy follows the customer tier (domain §3): findings on 机密/绝密 customers need more
-- approval to work, so their share sizes the supervisors' queue. All three levels are always
-- listed, with zeros, so a level that vanished from the data is visible rather than missing.
-- A customer whose tier changed within the window counts at each level it held.
SELECT
    level AS secrecy_level,
    ifNull(s.customers_with_findings, 0) AS customers_with_findings,
    ifNull(s.records_with_findings, 0) AS records_with_findings,
    ifNull(s.customers, 0) AS customers,
    if(customers = 0, NULL, round(customers_with_findings / customers, 4)) AS finding_rate,
    if(
        sum(customers_with_findings) OVER () = 0,
        NULL,
        round(customers_with_findings / sum(customers_with_findings) OVER (), 4)
    ) AS share_of_flagged
FROM
(
    SELECT arrayJoin(['秘密', '机密', '绝密']) AS level
) AS levels
LEFT JOIN
(
    SELECT
        secrecy_level,
        uniqExactIf(customer_token, notEmpty(failed_rules)) AS customers_with_findings,
        countIf(notEmpty(failed_rules)) AS records_with_findings,
        uniqExact(customer_token) AS customers
    FROM verity.records FINAL
    WHERE entity = 'customer'
      AND op != 'delete'
      AND occurred_at >= {from:DateTime64(3)}
      AND occurred_at < {to:DateTime64(3)}
    GROUP BY secrecy_level
) AS s ON s.secrecy_level = levels.level
ORDER BY indexOf(['秘密', '机密', '绝密'], secrecy_level)
