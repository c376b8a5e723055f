-- Every removal in a run's plan, with what the admin needs to recognise the record (reports orders them
-- by school, entity and id).
SELECT 'account' AS entity, school_id, person_sid AS source_id, role, given_name, family_name
FROM plan_accounts WHERE run_id = $run_id AND op = 'remove'
UNION ALL
SELECT 'class', school_id, class_sid, NULL, sis_name, NULL
FROM plan_classes WHERE run_id = $run_id AND op = 'remove'
UNION ALL
SELECT 'membership', school_id, class_sid || '|' || person_sid, role, NULL, NULL
FROM plan_memberships WHERE run_id = $run_id AND op = 'remove';
