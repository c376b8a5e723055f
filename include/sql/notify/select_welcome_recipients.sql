-- New accounts of one school (created by a sync, not yet claimed, not removed) of the roles asked for,
-- not yet sent this kind of notification: teachers first (their classes wait for them), then parents,
-- then students. With the names of their live classes (for parents: their children's). An address that
-- is not one usable email (stored before emails were checked) comes back as none: listed, not sent to.
SELECT a.account_id, a.role, a.person_sid, a.given_name, a.family_name,
       CASE WHEN usable_email(a.email) THEN a.email END AS email,
       list(DISTINCT c.class_name ORDER BY c.class_name) FILTER (WHERE c.class_name IS NOT NULL) AS classes
FROM accounts a
LEFT JOIN memberships m ON m.account_id = a.account_id AND m.status = 'active'
LEFT JOIN (SELECT class_id, coalesce(app_name, sis_name) AS class_name FROM classes WHERE removed_run IS NULL) c
       ON c.class_id = m.class_id
WHERE a.school_id = $school_id AND a.status = 'pending' AND a.removed_run IS NULL
  AND list_contains($roles, a.role)
  AND NOT EXISTS (SELECT 1 FROM account_notifications n WHERE n.account_id = a.account_id AND n.kind = $kind)
GROUP BY a.account_id, a.role, a.person_sid, a.given_name, a.family_name, a.email
ORDER BY CASE a.role WHEN 'teacher' THEN 1 WHEN 'admin' THEN 1 WHEN 'guardian' THEN 2 ELSE 3 END, a.account_id;
