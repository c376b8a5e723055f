-- Every record a run's errors and alerts name, with the person's or class's details from the snapshot,
-- grouped by code and then school (the CSVs are written in one pass in this order).
SELECT i.code, i.severity, i.school_sid, i.entity,
       i.key || CASE WHEN i.other_key IS NULL THEN '' ELSE '|' || i.other_key END AS source_id,
       coalesce(p.given_name, c.name) AS name, p.family_name, p.role, p.email
FROM record_issues i
LEFT JOIN snap_people p ON i.entity = 'person' AND p.run_id = i.run_id AND p.person_sid = i.key
LEFT JOIN snap_classes c ON i.entity = 'class' AND c.run_id = i.run_id AND c.class_sid = i.key
WHERE i.run_id = $run_id
ORDER BY i.code, i.school_sid NULLS LAST, i.key, i.other_key;
