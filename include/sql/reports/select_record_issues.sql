-- Every record a run's errors and alerts name, with the person's or class's details from the snapshot,
-- (reports.write_record_issues orders them by code, school and id: the CSVs are written in one pass in
-- that order). Each join is one equality (the key, or NULL for the other entity): a hash join, never a
-- nested loop.
SELECT i.code, i.severity, i.school_sid, i.entity,
       i.key || CASE WHEN i.other_key IS NULL THEN '' ELSE '|' || i.other_key END AS source_id,
       coalesce(p.given_name, c.name) AS name, p.family_name, p.role, p.email
FROM record_issues i
LEFT JOIN (SELECT person_sid, given_name, family_name, role, email FROM snap_people WHERE run_id = $run_id) p
  ON p.person_sid = CASE WHEN i.entity = 'person' THEN i.key END
LEFT JOIN (SELECT class_sid, name FROM snap_classes WHERE run_id = $run_id) c
  ON c.class_sid = CASE WHEN i.entity = 'class' THEN i.key END
WHERE i.run_id = $run_id;
