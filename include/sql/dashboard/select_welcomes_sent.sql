-- The welcome emails one notify_accounts run sent, per role.
SELECT a.role, count(*) AS sent
FROM account_notifications n
JOIN accounts a USING (account_id)
WHERE n.run_id = $run_id AND n.kind = $kind
GROUP BY a.role
ORDER BY a.role;
