-- How many new accounts of one school (created by a sync, not claimed, not removed) have not been sent
-- their welcome yet, per role, and how many of them have no usable email address.
SELECT a.role, count(*) AS accounts, count(*) FILTER (WHERE NOT usable_email(a.email)) AS without_email
FROM accounts a
WHERE a.school_id = $school_id AND a.status = 'pending' AND a.removed_run IS NULL
  AND list_contains($roles, a.role)
  AND NOT EXISTS (SELECT 1 FROM account_notifications n WHERE n.account_id = a.account_id AND n.kind = $kind)
GROUP BY a.role
ORDER BY a.role;
