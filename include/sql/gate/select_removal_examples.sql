-- Up to ten removals of one school, by source id, for the gate body (ids only, no personal data).
SELECT entity, key FROM (
    SELECT 'account' AS entity, person_sid AS key FROM plan_accounts
    WHERE run_id = $run_id AND school_id = $school_id AND op = 'remove'
    UNION ALL
    SELECT 'class', class_sid FROM plan_classes
    WHERE run_id = $run_id AND school_id = $school_id AND op = 'remove'
)
ORDER BY entity, key
LIMIT 10;
