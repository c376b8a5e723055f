-- Up to ten removals of one school for the gate body (ids only, no personal data): students and teachers
-- first, then parents, then classes.
SELECT entity, key FROM (
    SELECT 'account ' || role AS entity, person_sid AS key,
           CASE role WHEN 'student' THEN 1 WHEN 'teacher' THEN 2 WHEN 'guardian' THEN 3 ELSE 4 END AS rank
    FROM plan_accounts WHERE run_id = $run_id AND school_id = $school_id AND op = 'remove'
    UNION ALL
    SELECT 'class', class_sid, 5 FROM plan_classes WHERE run_id = $run_id AND school_id = $school_id AND op = 'remove'
)
ORDER BY rank, key
LIMIT 10;
