-- Up to ten removals of one school, by source id, for the gate body (ids only, no personal data).
SELECT CASE entity WHEN 'accounts' THEN 'account' ELSE 'class' END, key FROM plan_changes
WHERE run_id = $run_id AND school_id = $school_id AND op = 'remove' AND entity IN ('accounts', 'classes')
ORDER BY 1, key
LIMIT 10;
